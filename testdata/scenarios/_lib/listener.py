#!/usr/bin/env python3
"""TCP listener for the listen-overflow / listen-ok scenarios.
--accept never : listen(backlog) and never call accept() (a wedged app)
--accept prompt: accept() every connection at once and keep it open
Stops by itself after --lifetime seconds."""
import argparse, select, socket, sys, time
ap = argparse.ArgumentParser()
ap.add_argument("--bind", default="0.0.0.0")
ap.add_argument("--port", type=int, default=80)
ap.add_argument("--backlog", type=int, default=511)
ap.add_argument("--accept", choices=["never", "prompt"], required=True)
ap.add_argument("--lifetime", type=float, default=120)
a = ap.parse_args()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((a.bind, a.port))
s.listen(a.backlog)
print("listening on %s:%d backlog=%d accept=%s" % (a.bind, a.port, a.backlog, a.accept), flush=True)
end = time.time() + a.lifetime
conns = []
while time.time() < end:
    if a.accept == "never":
        time.sleep(0.5)
        continue
    r, _, _ = select.select([s], [], [], 0.5)
    if r:
        c, _ = s.accept()
        conns.append(c)
print("accepted %d connections" % len(conns), flush=True)
