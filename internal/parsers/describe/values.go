package describe

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func num(n int64) json.Number { return json.Number(strconv.FormatInt(n, 10)) }

// intValue parses a whole number as kubectl prints it ("3", "300s").
func intValue(s string) (json.Number, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "s")
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return "", false
	}
	return num(n), true
}

// timestamp turns kubectl's RFC 1123 time ("Mon, 11 Mar 2024 09:14:02
// +0000") into the API's RFC 3339; anything else is kept as written.
func timestamp(s string) string {
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, "2006-01-02 15:04:05 -0700 MST"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return s
}

// labelMap reads "k=v" entries (printLabelsMultiline, one per line) into
// a map; "<none>" gives an empty map, which says "shown, and empty".
func labelMap(entries []*node) (map[string]any, map[string]int) {
	m := map[string]any{}
	lines := map[string]int{}
	for _, e := range entries {
		for _, part := range splitTop(e.text) {
			if none(part) {
				continue
			}
			k, v, _ := strings.Cut(part, "=")
			k = strings.TrimSpace(k)
			if k == "" {
				continue
			}
			m[k] = strings.TrimSpace(v)
			lines[k] = e.num
		}
	}
	return m, lines
}

// splitTop splits "a=b,c in (x,y)" at commas outside parentheses; a line
// of printLabelsMultiline holds one label, but Selector lines hold many.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth > 0 {
				depth--
			}
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// annotationMap reads printAnnotationsMultiline: "key: value" per line,
// or "key:" followed by the value's lines indented two more. Values
// kubectl cut at 140 characters end in "..." and stay so.
func annotationMap(n *node) (map[string]any, map[string]int) {
	m := map[string]any{}
	lines := map[string]int{}
	add := func(text string, num int, more []*node) {
		if none(text) {
			return
		}
		k, v, ok := splitField(text)
		if !ok {
			return
		}
		if v == "" && len(more) > 0 {
			parts := make([]string, 0, len(more))
			for _, c := range flat(more) {
				parts = append(parts, c.text)
			}
			v = strings.Join(parts, "\n")
		}
		m[k] = v
		lines[k] = num
	}
	// The first annotation sits on the key's own line; when its value is
	// long it follows on lines indented past the value column, which the
	// indentation tree makes children of the key line itself.
	col := valueColumn(n)
	kids := n.children
	var first []*node
	for len(kids) > 0 && col >= 0 && kids[0].indent > col {
		first = append(first, kids[0])
		kids = kids[1:]
	}
	add(n.value, n.num, first)
	for _, c := range kids {
		add(c.text, c.num, c.children)
	}
	return m, lines
}

// valueColumn is where a field's value starts on its line, or -1.
func valueColumn(n *node) int {
	if n.value == "" {
		return -1
	}
	from := n.indent + len(n.key) + 1
	if from > len(n.raw) {
		return -1
	}
	i := strings.Index(n.raw[from:], n.value)
	if i < 0 {
		return -1
	}
	return from + i
}

var reReq = regexp.MustCompile(`^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$`)

// labelSelector parses metav1.FormatLabelSelector / labels.Selector
// output: "app=web,tier in (a,b),!gone,env". "<none>" is the empty
// selector (selects everything), "<unset>" none at all.
func labelSelector(s string) (map[string]any, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == "<unset>" || strings.HasPrefix(s, "Failed to get selector") {
		return nil, false
	}
	sel := map[string]any{}
	if s == "<none>" {
		return sel, true
	}
	ml := map[string]any{}
	var exprs []any
	for _, part := range splitTop(s) {
		switch {
		case part == "":
		case reReq.MatchString(part):
			m := reReq.FindStringSubmatch(part)
			op := "In"
			if m[2] == "notin" {
				op = "NotIn"
			}
			var vals []any
			for _, v := range strings.Split(m[3], ",") {
				vals = append(vals, strings.TrimSpace(v))
			}
			exprs = append(exprs, map[string]any{"key": m[1], "operator": op, "values": vals})
		case strings.Contains(part, "!="):
			k, v, _ := strings.Cut(part, "!=")
			exprs = append(exprs, map[string]any{"key": strings.TrimSpace(k), "operator": "NotIn", "values": []any{strings.TrimSpace(v)}})
		case strings.Contains(part, "="):
			k, v, _ := strings.Cut(part, "=")
			ml[strings.TrimSpace(k)] = strings.TrimSpace(strings.TrimPrefix(v, "="))
		case strings.HasPrefix(part, "!"):
			exprs = append(exprs, map[string]any{"key": strings.TrimPrefix(part, "!"), "operator": "DoesNotExist"})
		default:
			exprs = append(exprs, map[string]any{"key": part, "operator": "Exists"})
		}
	}
	if len(ml) > 0 {
		sel["matchLabels"] = ml
	}
	if len(exprs) > 0 {
		sel["matchExpressions"] = exprs
	}
	return sel, true
}

// plainSelector parses a Service or ReplicationController selector
// (labels.FormatLabels: "a=b,c=d", "<none>").
func plainSelector(s string) map[string]any {
	m := map[string]any{}
	if none(s) {
		return m
	}
	for _, part := range splitTop(s) {
		k, v, ok := strings.Cut(part, "=")
		if ok && strings.TrimSpace(k) != "" {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m
}

var reTolSeconds = regexp.MustCompile(` for (-?\d+)s$`)

// toleration parses printTolerationsMultilineWithIndent:
// key[=value][:effect][ op=Exists][ for Ns].
func toleration(s string) map[string]any {
	t := map[string]any{}
	if m := reTolSeconds.FindStringSubmatch(s); m != nil {
		if n, ok := intValue(m[1]); ok {
			t["tolerationSeconds"] = n
		}
		s = strings.TrimSuffix(s, m[0])
	}
	op := "Equal"
	if strings.HasSuffix(s, "op=Exists") {
		op = "Exists"
		s = strings.TrimSpace(strings.TrimSuffix(s, "op=Exists"))
	}
	t["operator"] = op
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		if e := s[i+1:]; e == "NoSchedule" || e == "PreferNoSchedule" || e == "NoExecute" {
			t["effect"] = e
			s = s[:i]
		}
	}
	k, v, hasValue := strings.Cut(s, "=")
	if k != "" {
		t["key"] = k
	}
	if hasValue {
		t["value"] = v
	}
	return t
}

// taint parses Taint.ToString: key[=value]:effect.
func taint(s string) map[string]any {
	t := map[string]any{}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		t["effect"] = s[i+1:]
		s = s[:i]
	}
	k, v, hasValue := strings.Cut(s, "=")
	t["key"] = k
	if hasValue {
		t["value"] = v
	}
	return t
}

// DescribeProbe's attributes: "#success=1 #failure=3" before kubectl 1.30,
// "successThreshold=1 failureThreshold=3" since.
var reProbeAttrs = regexp.MustCompile(`delay=(\d+)s timeout=(\d+)s period=(\d+)s (?:#success|successThreshold)=(\d+) (?:#failure|failureThreshold)=(\d+)$`)

// probe parses DescribeProbe: "http-get http://:8080/healthz delay=3s
// timeout=1s period=3s #success=1 #failure=3", "tcp-socket :5432 …",
// "exec [cat /tmp/ok] …", "grpc <pod>:9000 svc …".
func probe(s string) map[string]any {
	p := map[string]any{}
	if m := reProbeAttrs.FindStringSubmatch(s); m != nil {
		for i, f := range []string{"initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"} {
			n, _ := intValue(m[i+1])
			p[f] = n
		}
		s = strings.TrimSpace(strings.TrimSuffix(s, m[0]))
	}
	kind, rest, _ := strings.Cut(s, " ")
	switch kind {
	case "http-get":
		h := map[string]any{}
		u := rest
		scheme, after, ok := strings.Cut(u, "://")
		if ok {
			h["scheme"] = strings.ToUpper(scheme)
			u = after
		}
		hostport, path, _ := strings.Cut(u, "/")
		h["path"] = "/" + path
		host, port := splitHostPort(hostport)
		if host != "" {
			h["host"] = host
		}
		if port != nil {
			h["port"] = port
		}
		p["httpGet"] = h
	case "tcp-socket":
		host, port := splitHostPort(rest)
		t := map[string]any{}
		if host != "" {
			t["host"] = host
		}
		if port != nil {
			t["port"] = port
		}
		p["tcpSocket"] = t
	case "exec":
		cmd := strings.TrimSuffix(strings.TrimPrefix(rest, "["), "]")
		var args []any
		for _, a := range strings.Fields(cmd) {
			args = append(args, a)
		}
		p["exec"] = map[string]any{"command": args}
	case "grpc":
		target, svc, _ := strings.Cut(rest, " ")
		_, port := splitHostPort(target)
		g := map[string]any{}
		if port != nil {
			g["port"] = port
		}
		if svc != "" {
			g["service"] = svc
		}
		p["grpc"] = g
	}
	return p
}

// splitHostPort splits "[::1]:8080", ":http", "host:8080"; the port is a
// number or a name (IntOrString, as the API holds it).
func splitHostPort(s string) (string, any) {
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, nil
	}
	host := strings.TrimSuffix(strings.TrimPrefix(s[:i], "["), "]")
	return host, intOrString(s[i+1:])
}

func intOrString(s string) any {
	if s == "" {
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return num(n)
	}
	return s
}

// quantityCell reads "250m (12%)" as "250m".
func quantityCell(s string) string {
	q, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return q
}

var rePortProto = regexp.MustCompile(`^(\d+)/([A-Z]+)(?: \(([^)]*)\))?$`)

// portProto parses "8080/TCP".
func portProto(s string) (json.Number, string, bool) {
	n, proto, _, ok := portProtoName(s)
	return n, proto, ok
}

// portProtoName reads "8080/TCP" and, from kubectl 1.30 on
// (describeContainerPorts), "8080/TCP (http)" with the port's name.
func portProtoName(s string) (json.Number, string, string, bool) {
	m := rePortProto.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", "", "", false
	}
	n, _ := intValue(m[1])
	return n, m[2], m[3], true
}
