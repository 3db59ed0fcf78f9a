package ipaddr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// readJSON decodes the `ip -j` document that starts at the next line, one
// array element at a time. It returns true when nothing useful can follow
// (the document was cut off, or an element was too large to hold).
func (s *scanner) readJSON() (stop bool) {
	start := s.lr.line + 1
	src := s.lr.br
	cr := &countingReader{r: src, budget: maxJSONValue}
	dec := json.NewDecoder(cr)
	dec.UseNumber()
	lineAt := func(off int64) int { return start + cr.newlinesBefore(off) }

	elems := 0
	err := func() error {
		b, _ := src.Peek(1 << 12)
		if i := skipBlank(b, 0, true); i < len(b) && b[i] == '{' {
			return s.jsonValue(dec, lineAt)
		}
		if _, err := dec.Token(); err != nil { // "["
			return err
		}
		for dec.More() {
			cr.budget = maxJSONValue
			if err := s.jsonValue(dec, lineAt); err != nil {
				return err
			}
			elems++
			if err := s.ctx.Err(); err != nil {
				return err
			}
		}
		_, err := dec.Token() // "]"
		return err
	}()

	at := lineAt(dec.InputOffset())
	var se *json.SyntaxError
	switch {
	case err == nil:
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		s.warn(at, "JSON cut off at end of file; kept the %d elements before it", elems)
		stop = true
	case errors.Is(err, errValueTooLarge):
		s.warn(at, "JSON element larger than %d MiB; stopped reading", maxJSONValue>>20)
		stop = true
	case errors.As(err, &se):
		s.warn(at, "invalid JSON (%v); reading on as text", se)
	case s.ctx.Err() != nil:
		stop = true
	default:
		// A read error of the file itself: run returns it.
		s.readErr = err
		stop = true
	}
	s.rebase(dec, start, cr)
	if err != nil && !stop {
		// Drop the rest of the damaged line, so that reading always moves on.
		s.lr.next()
	}
	return stop
}

// rebase resumes line reading where the decoder stopped: its unread buffer
// first, then the line reader's, then the rest of the file.
func (s *scanner) rebase(dec *json.Decoder, start int, cr *countingReader) {
	var rest bytes.Buffer
	io.Copy(&rest, dec.Buffered())
	if n := s.lr.br.Buffered(); n > 0 {
		b, _ := s.lr.br.Peek(n)
		rest.Write(b)
	}
	s.lr.line = start - 1 + cr.newlinesBefore(dec.InputOffset())
	s.lr.src.prefix = append(rest.Bytes(), s.lr.src.prefix...)
	s.lr.br.Reset(s.lr.src)
}

// jsonValue decodes one element and files it.
func (s *scanner) jsonValue(dec *json.Decoder, lineAt func(int64) int) error {
	n := lineAt(dec.InputOffset())
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	// The skipped whitespace before the element belongs to earlier lines.
	n += bytes.Count(raw[:len(raw)-len(bytes.TrimLeft(raw, " \t\r\n"))], []byte("\n"))
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return err
	}
	m, ok := v.(map[string]any)
	if !ok {
		s.warn(n, "JSON element is not an object")
		return nil
	}
	text := compactText(raw)
	switch {
	case len(m) == 0:
		// Old ip -j prints {} for links a filter left out.
	case m["ifname"] != nil:
		s.understood++
		s.jsonLink(m, n, text)
	case m["dst"] != nil:
		if d, _ := m["dst"].(string); !validDst(d) {
			s.warn(n, "route destination %s is not an address, prefix or default", clip(fmt.Sprint(m["dst"]), 60))
			return nil
		}
		s.understood++
		s.jsonRoute(m, n, text)
	default:
		s.warn(n, "JSON object is neither an interface (ifname) nor a route (dst): %s", clip(text, 80))
	}
	return nil
}

func compactText(raw []byte) string {
	if len(raw) > 1<<20 {
		raw = raw[:1<<20]
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return clip(strings.Join(strings.Fields(string(raw)), " "), maxTextLen)
	}
	return clip(b.String(), maxTextLen)
}

// JSON names of the generic attributes, mapped to the words the text output
// uses, so a document reads the same whichever form was collected.
var jsonGeneric = map[string]string{
	"promiscuity": "promiscuity", "allmulti": "allmulti", "min_mtu": "minmtu", "max_mtu": "maxmtu",
	"inet6_addr_gen_mode": "addrgenmode", "num_tx_queues": "numtxqueues", "num_rx_queues": "numrxqueues",
	"gso_max_size": "gso_max_size", "gso_max_segs": "gso_max_segs", "tso_max_size": "tso_max_size",
	"tso_max_segs": "tso_max_segs", "gro_max_size": "gro_max_size", "gso_ipv4_max_size": "gso_ipv4_max_size",
	"gro_ipv4_max_size": "gro_ipv4_max_size", "txqlen": "qlen", "linkmode": "linkmode",
	"phys_port_name": "portname", "phys_port_id": "portid", "phys_switch_id": "switchid",
	"parentbus": "parentbus", "parentdev": "parentdev", "ifalias": "alias", "permaddr": "permaddr",
	"proto_down": "protodown", "link_netns": "link_netns",
}

// Top-level keys read into Interface fields, or not kept.
var jsonLinkFields = wordSet(`ifindex ifname flags mtu qdisc operstate master group link_type address
	broadcast link_netnsid link link_index linkinfo addr_info stats stats64 altnames`)

// jsonKindKeys renames info_data keys to the text output's words.
var jsonKindKeys = map[string]string{
	"link": "dev", "port": "dstport", "limit": "maxaddr", "label": "flowlabel",
	"udp_csum": "udpcsum", "udp_zero_csum6_tx": "udp6zerocsumtx", "udp_zero_csum6_rx": "udp6zerocsumrx",
	"remcsum_tx": "remcsumtx", "remcsum_rx": "remcsumrx", "local6": "local", "group6": "group",
	"remote6": "remote", "ignore_df": "ignore-df",
}

func (s *scanner) jsonLink(m map[string]any, n int, text string) {
	name, _ := m["ifname"].(string)
	index := jsonInt(m["ifindex"])
	if name == "" {
		s.warn(n, "interface without a name")
		return
	}
	it := s.iface(index, name, n, text)
	if it.Flags == nil {
		it.Flags = []string{}
		if fl, ok := m["flags"].([]any); ok {
			for _, f := range fl {
				if fs, ok := f.(string); ok {
					it.Flags = append(it.Flags, fs)
				}
			}
		}
	}
	if mtu := jsonInt(m["mtu"]); mtu > 0 {
		s.setMTU(it, mtu, n)
	}
	setStr(&it.Qdisc, jsonStr(m["qdisc"]))
	setStr(&it.State, jsonStr(m["operstate"]))
	setStr(&it.Master, jsonStr(m["master"]))
	setStr(&it.Group, jsonStr(m["group"]))
	setStr(&it.LinkType, jsonStr(m["link_type"]))
	if a := jsonStr(m["address"]); isMAC(a) {
		setStr(&it.MAC, strings.ToLower(a))
	} else if a != "" {
		setDetail(it.Details, "link_addr", a)
	}
	id := -1
	if v, ok := m["link_netnsid"]; ok {
		id = jsonInt(v)
	}
	if it.LinkNetnsID == nil || *it.LinkNetnsID < 0 {
		it.LinkNetnsID = &id
	}
	// ip prints "eth0@if14" from link (a name in this namespace), or
	// link_index when the link is in another namespace; "@NONE" from null.
	if it.Peer == "" {
		if l, ok := m["link"]; ok {
			if l == nil {
				it.Peer = "NONE"
			} else {
				it.Peer = jsonStr(l)
			}
		} else if li, ok := m["link_index"]; ok {
			it.Peer = "if" + strconv.Itoa(jsonInt(li))
		}
	}
	for k, v := range m {
		if g, ok := jsonGeneric[k]; ok {
			setDetail(it.Details, g, normJSON(v))
		} else if !jsonLinkFields[k] {
			setDetail(it.Details, k, normJSON(v))
		}
	}
	if alts, ok := m["altnames"].([]any); ok {
		for _, a := range alts {
			if as, ok := a.(string); ok {
				addListDetail(it.Details, "altnames", as)
			}
		}
	}
	if li, ok := m["linkinfo"].(map[string]any); ok {
		if kind := jsonStr(li["info_kind"]); kind != "" {
			s.setKind(it, kind, "json", n)
			if data, ok := li["info_data"].(map[string]any); ok {
				jsonKindData(kind, data, it.Details)
			}
			kindDefaultsJSON(kind, it.Details)
		}
		if sk := jsonStr(li["info_slave_kind"]); sk != "" {
			setDetail(it.Details, "slave_kind", sk)
			if data, ok := li["info_slave_data"].(map[string]any); ok {
				sm := map[string]any{}
				for k, v := range data {
					sm[k] = normJSON(v)
				}
				setDetail(it.Details, sk+"_slave", sm)
			}
		}
	}
	if ai, ok := m["addr_info"].([]any); ok {
		for _, x := range ai {
			if am, ok := x.(map[string]any); ok && len(am) > 0 {
				s.jsonAddr(it, am, n)
			}
		}
	}
	for _, key := range []string{"stats64", "stats"} {
		if st, ok := m[key].(map[string]any); ok {
			for _, dir := range []string{"rx", "tx"} {
				if dm, ok := st[dir].(map[string]any); ok {
					for k, v := range dm {
						if u, err := strconv.ParseUint(fmt.Sprint(v), 10, 64); err == nil {
							it.ensureStats().set(dir, statName(k), u)
						}
					}
				}
			}
		}
	}
}

// jsonKindData copies info_data into details under the text output's names
// (vxlan "link" is "dev", "port" is "dstport", port_range is "srcport").
func jsonKindData(kind string, data, d map[string]any) {
	for k, v := range data {
		v = normJSON(v)
		if k == "port_range" {
			if pr, ok := v.(map[string]any); ok {
				setDetail(d, "srcport", []any{pr["low"], pr["high"]})
				continue
			}
		}
		if r, ok := jsonKindKeys[k]; ok {
			k = r
		}
		setDetail(d, k, v)
	}
}

// kindDefaultsJSON: ip -j states learning and pmtudisc outright, except gre
// which, as in text, only reports pmtudisc when it is off.
func kindDefaultsJSON(kind string, d map[string]any) {
	if kind == "gre" || kind == "gretap" || kind == "erspan" {
		setDetail(d, "pmtudisc", true)
	}
}

func (s *scanner) jsonAddr(it *Interface, am map[string]any, n int) {
	fam := jsonStr(am["family"])
	if fam != "inet" && fam != "inet6" {
		s.warn(n, "interface %s: address of family %q not kept", it.Name, clip(fam, 20))
		return
	}
	ip, _, ok := parseAddrPrefix(jsonStr(am["local"]))
	if !ok {
		s.warn(n, "interface %s: address %q is not an IP address", it.Name, clip(jsonStr(am["local"]), 60))
		return
	}
	a := Address{Family: fam, Address: ip.String(), Prefix: ip.BitLen(), Line: n}
	if v, ok := am["prefixlen"]; ok {
		a.Prefix = jsonInt(v)
	}
	a.Scope = jsonStr(am["scope"])
	a.Broadcast = jsonStr(am["broadcast"])
	a.Label = jsonStr(am["label"])
	a.Peer = jsonStr(am["address"])
	a.Proto = jsonStr(am["protocol"])
	a.Metric = jsonInt(am["metric"])
	a.ValidLft = lifetime(am["valid_life_time"])
	a.PrefLft = lifetime(am["preferred_life_time"])
	for k, v := range am {
		if b, ok := v.(bool); ok && b {
			a.Flags = append(a.Flags, k)
		}
	}
	sort.Strings(a.Flags)
	s.addAddress(it, a, n)
}

// lifetime prints a JSON lifetime the way the text output does.
func lifetime(v any) string {
	if v == nil {
		return ""
	}
	u, err := strconv.ParseUint(fmt.Sprint(v), 10, 64)
	if err != nil {
		return ""
	}
	if u == 0xffffffff {
		return "forever"
	}
	return strconv.FormatUint(u, 10) + "sec"
}

func (s *scanner) jsonRoute(m map[string]any, n int, text string) {
	r := RouteEntry{Type: "unicast", Table: "main", Text: text}
	setStr2 := func(dst *string, k string) {
		if v := jsonStr(m[k]); v != "" {
			*dst = v
		}
	}
	setStr2(&r.Type, "type")
	setStr2(&r.Dst, "dst")
	setStr2(&r.Via, "gateway")
	setStr2(&r.Dev, "dev")
	setStr2(&r.Table, "table")
	setStr2(&r.Proto, "protocol")
	setStr2(&r.Scope, "scope")
	setStr2(&r.Src, "prefsrc")
	setStr2(&r.Pref, "pref")
	viaFamily := ""
	if via, ok := m["via"].(map[string]any); ok {
		r.Via = jsonStr(via["host"])
		viaFamily = jsonStr(via["family"])
	}
	r.Metric = int64(jsonInt(m["metric"]))
	if fl, ok := m["flags"].([]any); ok {
		for _, f := range fl {
			switch fs := jsonStr(f); fs {
			case "onlink":
				r.Onlink = true
			case "":
			default:
				r.Flags = append(r.Flags, fs)
			}
		}
	}
	if ms, ok := m["metrics"].([]any); ok {
		for _, x := range ms {
			mm, _ := x.(map[string]any)
			for k, v := range mm {
				switch k {
				case "mtu":
					r.MTU = jsonInt(v)
				case "advmss":
					r.AdvMSS = jsonInt(v)
				default:
					setExtra(&r, k, normJSON(v))
				}
			}
		}
	}
	if hops, ok := m["nexthops"].([]any); ok {
		for _, x := range hops {
			hm, _ := x.(map[string]any)
			h := Hop{Via: jsonStr(hm["gateway"]), Dev: jsonStr(hm["dev"]), Weight: jsonInt(hm["weight"])}
			if via, ok := hm["via"].(map[string]any); ok {
				h.Via = jsonStr(via["host"])
			}
			if fl, ok := hm["flags"].([]any); ok {
				for _, f := range fl {
					if fs := jsonStr(f); fs != "" {
						h.Flags = append(h.Flags, fs)
					}
				}
			}
			r.Nexthops = append(r.Nexthops, h)
		}
	}
	for k, v := range m {
		switch k {
		case "type", "dst", "gateway", "dev", "table", "protocol", "scope", "prefsrc", "pref", "via", "metric", "flags", "metrics", "nexthops":
		default:
			setExtra(&r, k, normJSON(v))
		}
	}
	r.Family = routeFamily(r, viaFamily, s.family)
	s.curRoute = -1
	s.addRoute(r, n)
}

func jsonStr(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	}
	return ""
}

func jsonInt(v any) int {
	switch t := v.(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil && i == int64(int(i)) {
			return int(i)
		}
	case string:
		i, _ := strconv.Atoi(t)
		return i
	}
	return 0
}

// normJSON turns json.Numbers into int64, uint64 or float64 so documents
// hold the same Go types whichever form was read.
func normJSON(v any) any {
	switch t := v.(type) {
	case json.Number:
		if x := typed(t.String()); x != any(t.String()) {
			return x
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	case map[string]any:
		for k, x := range t {
			t[k] = normJSON(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = normJSON(x)
		}
		return t
	}
	return v
}
