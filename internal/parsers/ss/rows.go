package ss

import (
	"regexp"
	"strconv"
	"strings"
)

// Listener is one row of a node's "listeners" section: a listening TCP
// socket, or an unconnected UDP one (what `ss -l` lists).
type Listener struct {
	// State as the tool prints it: LISTEN or UNCONN (ss), LISTEN or ""
	// for unconnected UDP (netstat); "" when ss hid the column because a
	// state filter selected one state.
	State string `json:"state"`
	// RecvQ and SendQ are the numbers as printed. For an ss LISTEN row
	// Recv-Q is the accept queue's current length and Send-Q its size (the
	// backlog, already capped by net.core.somaxconn); the kernel lets the
	// queue reach Send-Q+1 before it overflows. netstat reads /proc/net/tcp,
	// where a listener's Recv-Q is the same queue length but Send-Q is 0,
	// not the backlog: Tool says which.
	RecvQ int64 `json:"recv_q"`
	SendQ int64 `json:"send_q"`
	// Local is the local address:port as printed; Address, Port and
	// Interface are its parts ("[::]:80" → "::", 80; "127.0.0.53%lo:53" →
	// "127.0.0.53", 53, "lo"). "*" is the wildcard address. Port is 0 when
	// it is "*" or a service name not in the small built-in table.
	Local     string `json:"local"`
	Address   string `json:"address"`
	Port      int    `json:"port"`
	Interface string `json:"interface,omitempty"`
	Peer      string `json:"peer"`
	// Process and PID are the first process the row names (ss -p
	// users:(("nginx",pid=1,fd=6)), netstat -p "1/nginx: master"); "" and
	// 0 without -p.
	Process string `json:"process"`
	PID     int    `json:"pid"`
	// Netid is "tcp", "udp", … when the output shows it (ss with several
	// protocols, netstat always; tcp6/udp6 are folded into tcp/udp).
	Netid string `json:"netid"`
	// Tool is "ss" or "netstat".
	Tool string `json:"tool"`
	File string `json:"file"`
	Line int    `json:"line"`
	Text string `json:"text"`
}

// ss prints these in the State column.
var ssStates = map[string]bool{
	"LISTEN": true, "UNCONN": true, "ESTAB": true, "SYN-SENT": true, "SYN-RECV": true,
	"FIN-WAIT-1": true, "FIN-WAIT-2": true, "TIME-WAIT": true, "CLOSE": true, "CLOSE-WAIT": true,
	"LAST-ACK": true, "CLOSING": true, "UNKNOWN": true, "NEW-SYN-RECV": true, "BOUND": true,
}

// netstat prints these in its State column (UDP rows often have none).
var netstatStates = map[string]bool{
	"LISTEN": true, "ESTABLISHED": true, "SYN_SENT": true, "SYN_RECV": true, "FIN_WAIT1": true,
	"FIN_WAIT2": true, "TIME_WAIT": true, "CLOSE": true, "CLOSE_WAIT": true, "LAST_ACK": true,
	"CLOSING": true, "UNKNOWN": true,
}

// ss Netid values whose addresses are host:port. Unix, netlink and packet
// sockets print other things there and are never rows here.
var inetNetids = map[string]bool{"tcp": true, "udp": true, "raw": true, "sctp": true, "mptcp": true, "dccp": true}

var otherNetids = map[string]bool{"u_str": true, "u_dgr": true, "u_seq": true, "nl": true, "p_raw": true, "p_dgr": true, "v_str": true, "v_dgr": true, "xdp": true, "tipc": true}

// netstat Proto values with host:port addresses.
var netstatProtos = map[string]string{"tcp": "tcp", "tcp6": "tcp", "udp": "udp", "udp6": "udp", "udpl": "udplite", "udpl6": "udplite", "raw": "raw", "raw6": "raw", "sctp": "sctp", "sctp6": "sctp"}

// reUsers takes the first process of ss -p's users:(("name",pid=N,fd=M),…).
var reUsers = regexp.MustCompile(`users:\(\("((?:[^"\\]|\\.)*)",pid=([0-9]+)`)

// reNetstatProg matches netstat -p's "PID/Program name" start.
var reNetstatProg = regexp.MustCompile(`^([0-9]+)/(.*)$`)

// parseSSRow reads one ss row: [Netid] [State] Recv-Q Send-Q Local Peer
// [Process and -e/-o extras]. State is missing when a filter selected one.
func parseSSRow(t string) (Listener, bool) {
	f := strings.Fields(t)
	l := Listener{Tool: "ss"}
	i := 0
	if len(f) > 0 && otherNetids[f[0]] {
		return l, false
	}
	if len(f) > 0 && inetNetids[f[0]] {
		l.Netid, i = f[0], 1
	}
	if i < len(f) && ssStates[f[i]] {
		l.State, i = f[i], i+1
	} else if l.Netid != "" {
		// ss shows State beside Netid; "tcp 0 0 a:b c:d LISTEN" is netstat.
		return l, false
	}
	if len(f) < i+4 {
		return l, false
	}
	rq, err1 := strconv.ParseInt(f[i], 10, 64)
	sq, err2 := strconv.ParseInt(f[i+1], 10, 64)
	if err1 != nil || err2 != nil || rq < 0 || sq < 0 {
		return l, false
	}
	l.RecvQ, l.SendQ = rq, sq
	l.Local, l.Peer = f[i+2], f[i+3]
	var ok bool
	if l.Address, l.Port, l.Interface, ok = splitHostPort(l.Local); !ok {
		return l, false
	}
	if _, _, _, ok := splitHostPort(l.Peer); !ok {
		return l, false
	}
	if m := reUsers.FindStringSubmatch(t); m != nil {
		l.Process = m[1]
		l.PID, _ = strconv.Atoi(m[2])
	}
	return l, true
}

// parseNetstatRow reads one row of netstat -lnt / -tlnp / -an.
func parseNetstatRow(t string) (Listener, bool) {
	f := strings.Fields(t)
	l := Listener{Tool: "netstat"}
	if len(f) < 5 {
		return l, false
	}
	proto, ok := netstatProtos[f[0]]
	if !ok {
		return l, false
	}
	l.Netid = proto
	rq, err1 := strconv.ParseInt(f[1], 10, 64)
	sq, err2 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil || rq < 0 || sq < 0 {
		return l, false
	}
	l.RecvQ, l.SendQ = rq, sq
	l.Local, l.Peer = f[3], f[4]
	if l.Address, l.Port, l.Interface, ok = splitHostPort(l.Local); !ok {
		return l, false
	}
	if _, _, _, ok := splitHostPort(l.Peer); !ok {
		return l, false
	}
	rest := f[5:]
	if len(rest) > 0 && netstatStates[rest[0]] {
		l.State, rest = rest[0], rest[1:]
	}
	// -e adds User and Inode before PID/Program name; the program name
	// may hold blanks ("nginx: master").
	for k, tok := range rest {
		if m := reNetstatProg.FindStringSubmatch(tok); m != nil {
			l.PID, _ = strconv.Atoi(m[1])
			l.Process = strings.TrimSpace(strings.Join(append([]string{m[2]}, rest[k+1:]...), " "))
			break
		}
	}
	return l, true
}

// splitHostPort splits an address as ss and netstat print it:
// "0.0.0.0:80", "*:80", "[::]:80", ":::80" (old ss and netstat),
// "127.0.0.53%lo:53", "[fe80::1]%eth0:546", "*:*".
func splitHostPort(s string) (host string, port int, iface string, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 || i == len(s)-1 {
		return "", 0, "", false
	}
	host, p := s[:i], s[i+1:]
	if j := strings.LastIndexByte(host, '%'); j >= 0 && j > strings.LastIndexByte(host, ']') {
		host, iface = host[:j], host[j+1:]
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if host == "" {
		return "", 0, "", false
	}
	switch {
	case p == "*":
	case isDigits(p):
		n, err := strconv.Atoi(p)
		if err != nil || n > 65535 {
			return "", 0, "", false
		}
		port = n
	default:
		if !isServiceName(p) {
			return "", 0, "", false
		}
		port = services[p]
	}
	return host, port, iface, true
}

func isDigits(s string) bool {
	if s == "" || len(s) > 5 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isServiceName(s string) bool {
	if len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// services resolves the names ss and netstat print without -n for the
// ports a Kubernetes node usually listens on.
var services = map[string]int{
	"ssh": 22, "domain": 53, "http": 80, "https": 443, "http-alt": 8080, "webcache": 8080,
	"bootps": 67, "bootpc": 68, "ntp": 123, "sunrpc": 111, "mdns": 5353, "etcd-client": 2379,
	"etcd-server": 2380, "postgresql": 5432, "mysql": 3306, "redis": 6379, "smtp": 25,
	"kubernetes": 6443, "sun-sr-https": 6443, "https-alt": 8443, "pcsync-https": 8443, "zabbix-agent": 10050,
}

// listening says whether a row belongs in "listeners": what `ss -l`
// would show.
func listening(l Listener) bool {
	switch l.State {
	case "LISTEN", "UNCONN":
		return true
	case "":
		// netstat's UDP rows have no state; ss hides the column when a
		// filter chose one state (ss -t state listening), which the
		// caller warns about.
		return l.Tool == "ss" || l.Netid != "tcp"
	}
	return false
}
