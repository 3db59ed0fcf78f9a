#!/usr/bin/env python3
"""Builds session.txt: the kube-mark-drop-incident bundle as a support
engineer's terminal session saved from a Windows console (CRLF endings,
lines hard-wrapped at the console's 120 columns when copied), then an ssh
session on the node. Run from this directory; the output is committed."""
import os
src = "../kube-mark-drop-incident/bundle"
W = 120

def wrap(text):
    out = []
    for line in text.split("\n"):
        while len(line) > W:
            out.append(line[:W])
            line = line[W:]
        out.append(line)
    return out

def body(p):
    with open(os.path.join(src, p)) as f:
        t = f.read()
    return t[:-1] if t.endswith("\n") else t

lines = []
ps = "PS C:\\Users\\ops> "
lines.append(ps + "kubectl cluster-info dump")
lines += wrap(body("cluster-info-dump.txt"))
# kubectl get pods -A -o wide, laid out as kubectl's tabwriter does
# (minwidth 6, padding 3): the dump's two pods again, as a table
# (kube-proxy has no container status in the dump: 0/1).
rows = [["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"],
        ["default", "web-7c9d8f6b5-x0q7", "1/1", "Running", "0", "3d", "10.244.8.10", "vm-8", "<none>", "<none>"],
        ["kube-system", "kube-proxy-x7k2p", "0/1", "Running", "0", "3d", "10.0.0.8", "vm-8", "<none>", "<none>"]]
widths = [max(6, max(len(r[i]) for r in rows) + 3) for i in range(len(rows[0]) - 1)]
lines.append(ps + "kubectl get pods -A -o wide")
for r in rows:
    lines.append("".join(c.ljust(w) for c, w in zip(r, widths)) + r[-1])
lines.append(ps + "kubectl -n kube-system get configmap kube-proxy -o yaml")
lines += wrap(body("kube-proxy-configmap.yaml"))
lines.append(ps + "ssh root@vm-8")
lines.append("Last login: Mon Nov 23 11:20:02 2026 from 10.0.0.5")
root = "[root@vm-8 ~]# "
for cmd, f in [("iptables-save", "nodes/vm-8/iptables-save.txt"),
               ("iptables-legacy-save", "nodes/vm-8/iptables-legacy-save.txt"),
               ("iptables-nft-save", "nodes/vm-8/iptables-nft-save.txt")]:
    lines.append(root + cmd)
    lines += body(f).split("\n")
lines.append(root)
with open("session.txt", "w", newline="") as f:
    f.write("\r\n".join(lines) + "\r\n")
