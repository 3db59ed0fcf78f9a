#!/usr/bin/env python3
"""Userspace IPIP (IP protocol 4, RFC 2003) for a TUN device named like Calico's tunl0.

Why: the kernel these fixtures were made on has CONFIG_NET_IPIP unset, so a real
`ip link add tunl0 type ipip` is impossible. This daemon does what ip_tunnel/ipip
does for the fixture's purposes:
  * inner IPv4 packets routed to the TUN device are sent to the remote node as
    IPIP (outer IP proto 4, DF set like `pmtudisc`, source = local node IP) through
    a raw IPPROTO_IPIP socket, so the kernel builds the outer header and enforces
    the underlay MTU (EMSGSIZE when outer length > eth0 MTU);
  * if the outer packet does not fit and the inner packet has DF, it answers the
    inner source with ICMP dest-unreachable/frag-needed carrying
    mtu = underlay PMTU - 20, as ip_tunnel's tnl_update_pmtu() does, injecting it
    through the TUN device (so the node's iptables see it);
  * IPIP packets received from a known remote are decapsulated into the TUN device.
Usage: ipip-tun.py --dev tunl0 --icmp-src 10.244.4.1 --route 10.244.5.0/24=10.0.0.5 [...]
"""
import argparse, errno, fcntl, ipaddress, os, select, signal, socket, struct, sys

TUNSETIFF = 0x400454CA
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
IP_MTU = 14
IP_MTU_DISCOVER, IP_PMTUDISC_DO = 10, 2


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def frag_needed(inner, mtu):
    """ICMP type 3 code 4 body quoting as much of the packet as fits in 576 bytes (like icmp_send)."""
    quote = inner[: 576 - 20 - 8]
    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quote
    return icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", default="tunl0")
    ap.add_argument("--icmp-src", required=True)
    ap.add_argument("--route", action="append", required=True, help="CIDR=remote-node-ip")
    a = ap.parse_args()

    tun = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", a.dev.encode(), IFF_TUN | IFF_NO_PI))

    routes, socks = [], {}
    for r in a.route:
        cidr, remote = r.split("=")
        routes.append((ipaddress.ip_network(cidr), remote))
        if remote not in socks:
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IPIP)
            s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            s.connect((remote, 0))  # connected: only receives proto-4 packets from this remote
            socks[remote] = s
    by_fd = {s.fileno(): s for s in socks.values()}
    icmp_sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    icmp_sock.bind((a.icmp_src, 0))
    icmp_sock.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, 0xC0)
    stats = {"encap": 0, "decap": 0, "emsgsize": 0, "icmp_frag_needed_sent": 0,
             "icmp_frag_needed_eperm": 0, "noroute": 0, "sock_errors": 0}

    def bye(*_):
        print("ipip-tun %s stats: %s" % (a.dev, stats), file=sys.stderr, flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, bye)
    signal.signal(signal.SIGINT, bye)
    print("ipip-tun %s up, routes %s" % (a.dev, a.route), file=sys.stderr, flush=True)

    while True:
        rd, _, _ = select.select([tun] + list(by_fd), [], [])
        for fd in rd:
            if fd == tun:
                pkt = os.read(tun, 65535)
                if len(pkt) < 20 or pkt[0] >> 4 != 4:
                    continue
                dst = ipaddress.ip_address(pkt[16:20])
                remote = next((rm for net, rm in routes if dst in net), None)
                if remote is None:
                    stats["noroute"] += 1
                    continue
                s = socks[remote]
                try:
                    s.send(pkt)
                    stats["encap"] += 1
                except OSError as e:
                    if e.errno != errno.EMSGSIZE:
                        raise
                    stats["emsgsize"] += 1
                    pmtu = s.getsockopt(socket.IPPROTO_IP, IP_MTU)
                    df = struct.unpack("!H", pkt[6:8])[0] & 0x4000
                    if df:
                        try:
                            icmp_sock.sendto(frag_needed(pkt, pmtu - 20), (str(ipaddress.ip_address(pkt[12:16])), 0))
                            stats["icmp_frag_needed_sent"] += 1
                        except PermissionError:  # dropped by an iptables OUTPUT rule
                            stats["icmp_frag_needed_eperm"] += 1
            else:
                try:
                    data = by_fd[fd].recv(65535)
                except OSError as e:  # ICMP error queued on the socket (e.g. from the peer)
                    stats["sock_errors"] += 1
                    print("ipip-tun recv error: %s" % e, file=sys.stderr, flush=True)
                    continue
                ihl = (data[0] & 0x0F) * 4
                inner = data[ihl:]
                if len(inner) >= 20 and inner[0] >> 4 == 4:
                    os.write(tun, inner)
                    stats["decap"] += 1


if __name__ == "__main__":
    main()
