#!/usr/bin/env python3
"""Open N concurrent TCP connections (non-blocking), wait up to --timeout for them,
keep the established ones open for --hold seconds, print a summary. Bounded in count and time."""
import argparse, errno, select, socket, time
ap = argparse.ArgumentParser()
ap.add_argument("--dst", required=True)
ap.add_argument("--port", type=int, default=80)
ap.add_argument("-n", type=int, required=True)
ap.add_argument("--timeout", type=float, default=10)
ap.add_argument("--hold", type=float, default=0)
ap.add_argument("--label", default="")
a = ap.parse_args()
assert a.n <= 1000 and a.timeout <= 60 and a.hold <= 120
t0 = time.time()
pending = {}
for _ in range(a.n):
    s = socket.socket()
    s.setblocking(False)
    s.connect_ex((a.dst, a.port))
    pending[s.fileno()] = s
ok, failed, lat = [], {}, []
while pending and time.time() - t0 < a.timeout:
    _, w, _ = select.select([], list(pending.values()), [], 0.2)
    for s in w:
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        del pending[s.fileno()]
        if err == 0:
            ok.append(s); lat.append(time.time() - t0)
        else:
            failed[errno.errorcode.get(err, err)] = failed.get(errno.errorcode.get(err, err), 0) + 1
            s.close()
print("%s %d connects to %s:%d: established=%d failed=%s still-connecting-after-%.0fs=%d%s" % (
    a.label, a.n, a.dst, a.port, len(ok), failed or "{}", a.timeout, len(pending),
    (" max-connect-time=%.3fs" % max(lat)) if lat else ""), flush=True)
for s in pending.values():
    s.close()
if a.hold:
    time.sleep(a.hold)
for s in ok:
    s.close()
