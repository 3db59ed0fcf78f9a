package describe

import (
	"net"
	"strconv"
	"strings"
)

// buildService reads describeService. Each port's "Endpoints:" line (the
// ready addresses of its EndpointSlices, at most three then "+ N
// more...") also becomes a partial Endpoints object of the same name.
func buildService(o *obj, roots []*node, _ []line) {
	var ports []any
	var port map[string]any
	var subsets []any
	epLine, truncated := 0, false
	for _, n := range roots {
		if !n.hasKey || n.indent != 0 {
			continue
		}
		v := n.value
		switch n.key {
		case "Selector":
			o.set(n.num, plainSelector(v), "spec", "selector")
		case "Type":
			o.set(n.num, v, "spec", "type")
		case "IP Family Policy":
			o.set(n.num, v, "spec", "ipFamilyPolicy")
		case "IP Families":
			if !none(v) {
				o.set(n.num, strList(v, ","), "spec", "ipFamilies")
			}
		case "IP":
			if !none(v) {
				o.set(n.num, v, "spec", "clusterIP")
			}
		case "IPs":
			if !none(v) {
				o.set(n.num, strList(v, ","), "spec", "clusterIPs")
			}
		case "External IPs":
			o.set(n.num, strList(v, ","), "spec", "externalIPs")
		case "Desired LoadBalancer IP":
			o.set(n.num, v, "spec", "loadBalancerIP")
		case "External Name":
			o.set(n.num, v, "spec", "externalName")
		case "LoadBalancer Ingress":
			var ing []any
			for _, s := range strings.Split(v, ", ") {
				addr, _, _ := strings.Cut(s, " ")
				if net.ParseIP(addr) != nil {
					ing = append(ing, map[string]any{"ip": addr})
				} else {
					ing = append(ing, map[string]any{"hostname": addr})
				}
			}
			o.set(n.num, map[string]any{"ingress": ing}, "status", "loadBalancer")
		case "Port":
			// "Port:  http  80/TCP" (name "<unset>" when it has none)
			f := strings.Fields(v)
			if len(f) < 2 {
				continue
			}
			pn, proto, ok := portProto(f[len(f)-1])
			if !ok {
				continue
			}
			port = map[string]any{"port": pn, "protocol": proto}
			if name := strings.Join(f[:len(f)-1], " "); !none(name) {
				port["name"] = name
			}
			ports = append(ports, port)
			o.set(n.num, ports, "spec", "ports")
			o.mark(n.num, "spec", "ports", len(ports)-1)
		case "TargetPort":
			if port == nil {
				continue
			}
			t, _, _ := strings.Cut(v, "/")
			port["targetPort"] = intOrString(t)
			o.mark(n.num, "spec", "ports", len(ports)-1, "targetPort")
		case "NodePort":
			if port == nil {
				continue
			}
			f := strings.Fields(v)
			if pn, _, ok := portProto(f[len(f)-1]); ok {
				port["nodePort"] = pn
			}
		case "Endpoints":
			epLine = n.num
			if port == nil {
				continue
			}
			list := v
			if i := strings.Index(list, " + "); i >= 0 && strings.HasSuffix(list, " more...") {
				truncated = true
				list = list[:i]
			}
			var addrs []any
			epPort := map[string]any{"protocol": port["protocol"]}
			if name, ok := port["name"]; ok {
				epPort["name"] = name
			}
			if !none(list) {
				for _, hp := range strings.Split(list, ",") {
					host, p, err := net.SplitHostPort(strings.TrimSpace(hp))
					if err != nil {
						host = strings.TrimSpace(hp)
					} else if n, err := strconv.ParseInt(p, 10, 32); err == nil {
						epPort["port"] = num(n)
					}
					addrs = append(addrs, map[string]any{"ip": host})
				}
			}
			if len(addrs) > 0 {
				subsets = append(subsets, map[string]any{"addresses": addrs, "ports": []any{epPort}})
			}
		case "Session Affinity":
			o.set(n.num, v, "spec", "sessionAffinity")
		case "External Traffic Policy":
			o.set(n.num, v, "spec", "externalTrafficPolicy")
		case "Internal Traffic Policy":
			o.set(n.num, v, "spec", "internalTrafficPolicy")
		case "HealthCheck NodePort":
			o.setInt(n, "spec", "healthCheckNodePort")
		case "LoadBalancer Source Ranges":
			o.set(n.num, strList(v, ","), "spec", "loadBalancerSourceRanges")
		case "Traffic Distribution":
			o.set(n.num, v, "spec", "trafficDistribution")
		}
	}
	if epLine == 0 || o.name() == "" {
		return
	}
	ep := newObj("Endpoints", "v1", epLine)
	ep.set(epLine, o.name(), "metadata", "name")
	if ns := o.namespace(); ns != "" {
		ep.set(epLine, ns, "metadata", "namespace")
	}
	if subsets != nil {
		ep.set(epLine, subsets, "subsets")
	}
	notShown := []string{"subsets[].notReadyAddresses", "subsets[].addresses[].targetRef", "metadata.labels"}
	if truncated {
		// kubectl shows three addresses and how many more there are.
		notShown = append(notShown, "subsets[].addresses (only the first 3 are shown)")
	}
	o.res.emit(ep, notShown)
}

func strList(s, sep string) []any {
	out := []any{}
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// buildEndpoints reads describeEndpoints: "Subsets:" then, per subset,
// Addresses, NotReadyAddresses and a Ports table.
func buildEndpoints(o *obj, roots []*node, _ []line) {
	n := top(roots, "Subsets")
	if n == nil {
		return
	}
	subsets := []any{}
	var cur map[string]any
	for _, c := range n.children {
		if !c.hasKey {
			continue
		}
		switch c.key {
		case "Addresses":
			cur = map[string]any{}
			subsets = append(subsets, cur)
			o.mark(c.num, "subsets", len(subsets)-1)
			if !none(c.value) {
				cur["addresses"] = ipList(c.value)
			}
		case "NotReadyAddresses":
			if cur != nil && !none(c.value) {
				cur["notReadyAddresses"] = ipList(c.value)
			}
		case "Ports":
			if cur == nil {
				continue
			}
			t := readTable(nodeLines(c.children))
			var ps []any
			for _, r := range t.rows {
				p := map[string]any{"protocol": t.col(r, "Protocol")}
				if name := t.col(r, "Name"); !none(name) {
					p["name"] = name
				}
				if v, ok := intValue(t.col(r, "Port")); ok {
					p["port"] = v
				}
				ps = append(ps, p)
			}
			cur["ports"] = ps
		}
	}
	o.set(n.num, subsets, "subsets")
}

func ipList(s string) []any {
	var out []any
	for _, ip := range strings.Split(s, ",") {
		if ip = strings.TrimSpace(ip); ip != "" {
			out = append(out, map[string]any{"ip": ip})
		}
	}
	return out
}

// buildNode reads describeNode.
func buildNode(o *obj, roots []*node, _ []line) {
	for _, n := range roots {
		if !n.hasKey || n.indent != 0 {
			continue
		}
		switch n.key {
		case "Taints":
			ts := []any{}
			for _, e := range n.values() {
				if !none(e.text) {
					o.mark(e.num, "spec", "taints", len(ts))
					ts = append(ts, taint(e.text))
				}
			}
			o.set(n.num, ts, "spec", "taints")
		case "Unschedulable":
			o.set(n.num, n.value == "true", "spec", "unschedulable")
		case "Conditions":
			o.conditions(n, "status", "conditions")
		case "Addresses":
			var as []any
			for _, c := range n.children {
				if c.hasKey {
					o.mark(c.num, "status", "addresses", len(as))
					as = append(as, map[string]any{"type": c.key, "address": c.value})
				}
			}
			o.set(n.num, as, "status", "addresses")
		case "Capacity", "Allocatable":
			field := strings.ToLower(n.key)
			q := map[string]any{}
			for _, c := range n.children {
				if c.hasKey {
					q[c.key] = c.value
					o.mark(c.num, "status", field, c.key)
				}
			}
			o.set(n.num, q, "status", field)
		case "System Info":
			info := map[string]any{}
			for _, c := range n.children {
				if c.hasKey {
					k := lowerFirst(strings.ReplaceAll(c.key, "-", ""))
					switch c.key {
					case "Machine ID":
						k = "machineID"
					case "System UUID":
						k = "systemUUID"
					case "Boot ID":
						k = "bootID"
					case "OS Image":
						k = "osImage"
					}
					info[k] = c.value
					o.mark(c.num, "status", "nodeInfo", k)
				}
			}
			o.set(n.num, info, "status", "nodeInfo")
		case "PodCIDR":
			o.set(n.num, n.value, "spec", "podCIDR")
		case "PodCIDRs":
			o.set(n.num, strList(n.value, ","), "spec", "podCIDRs")
		case "ProviderID":
			o.set(n.num, n.value, "spec", "providerID")
		case "Non-terminated Pods":
			t := readTable(nodeLines(n.children))
			pods := []any{}
			for _, r := range t.rows {
				pods = append(pods, map[string]any{
					"namespace": t.col(r, "Namespace"), "name": t.col(r, "Name"),
					"requests": map[string]any{"cpu": quantityCell(t.col(r, "CPU Requests")), "memory": quantityCell(t.col(r, "Memory Requests"))},
					"limits":   map[string]any{"cpu": quantityCell(t.col(r, "CPU Limits")), "memory": quantityCell(t.col(r, "Memory Limits"))},
					"age":      t.col(r, "Age"),
				})
				o.mark(r.num, "ktriage", "nonTerminatedPods", len(pods)-1)
			}
			o.set(n.num, pods, "ktriage", "nonTerminatedPods")
		case "Allocated resources":
			var ls []line
			for _, c := range flat(n.children) {
				if !strings.HasPrefix(c.text, "(") {
					ls = append(ls, c.line)
				}
			}
			t := readTable(ls)
			req, lim := map[string]any{}, map[string]any{}
			for _, r := range t.rows {
				res := t.col(r, "Resource")
				if res == "" {
					continue
				}
				req[res] = quantityCell(t.col(r, "Requests"))
				lim[res] = quantityCell(t.col(r, "Limits"))
			}
			o.set(n.num, map[string]any{"requests": req, "limits": lim}, "ktriage", "allocatedResources")
		}
	}
}

func buildPVC(o *obj, roots []*node, _ []line) {
	storageFields(o, roots, false)
	if n := top(roots, "Used By"); n != nil {
		var users []any
		for _, e := range n.values() {
			if !none(e.text) {
				users = append(users, e.text)
			}
		}
		if users != nil {
			o.set(n.num, users, "ktriage", "usedBy")
		}
	}
	o.conditions(top(roots, "Conditions"), "status", "conditions")
}

func buildPV(o *obj, roots []*node, _ []line) {
	storageFields(o, roots, true)
	if n := top(roots, "Source"); n != nil {
		// The source prints like a pod volume's, one level up.
		vol := &node{line: line{num: n.num, key: "source", hasKey: true}, children: n.children}
		holder := &node{line: n.line, children: []*node{vol}}
		tmp := newObj("PersistentVolume", "v1", n.num)
		volumes(tmp, holder, []any{"v"})
		if vs, ok := tmp.body["v"].([]any); ok && len(vs) == 1 {
			for k, v := range vs[0].(map[string]any) {
				if k != "name" {
					o.set(n.num, v, "spec", k)
				}
			}
		}
	}
}

// storageFields reads what PVC and PV describers share.
func storageFields(o *obj, roots []*node, pv bool) {
	for _, n := range roots {
		if !n.hasKey || n.indent != 0 {
			continue
		}
		v := n.value
		switch n.key {
		case "StorageClass":
			if v != "" {
				o.set(n.num, v, "spec", "storageClassName")
			}
		case "Status":
			if strings.HasPrefix(v, "Terminating") {
				o.set(n.num, v, "metadata", "deletionTimestamp")
			} else if v != "" {
				o.set(n.num, v, "status", "phase")
			}
		case "Volume":
			if v != "" {
				o.set(n.num, v, "spec", "volumeName")
			}
		case "Claim":
			if ns, name, ok := strings.Cut(v, "/"); ok {
				o.set(n.num, map[string]any{"kind": "PersistentVolumeClaim", "namespace": ns, "name": name}, "spec", "claimRef")
			}
		case "Reclaim Policy":
			o.set(n.num, v, "spec", "persistentVolumeReclaimPolicy")
		case "Access Modes":
			if v != "" {
				if pv {
					o.set(n.num, accessModes(v, ","), "spec", "accessModes")
				} else {
					o.set(n.num, accessModes(v, ","), "status", "accessModes")
				}
			}
		case "VolumeMode":
			o.set(n.num, v, "spec", "volumeMode")
		case "Capacity":
			if v != "" {
				if pv {
					o.set(n.num, map[string]any{"storage": v}, "spec", "capacity")
				} else {
					o.set(n.num, map[string]any{"storage": v}, "status", "capacity")
				}
			}
		case "Message":
			if v != "" {
				o.set(n.num, v, "status", "message")
			}
		}
	}
}

func buildStorageClass(o *obj, roots []*node, _ []line) {
	for _, n := range roots {
		if !n.hasKey || n.indent != 0 {
			continue
		}
		v := n.value
		switch n.key {
		case "Provisioner":
			o.set(n.num, v, "provisioner")
		case "Parameters":
			o.set(n.num, plainSelector(v), "parameters")
		case "AllowVolumeExpansion":
			if !none(v) {
				o.set(n.num, v == "True", "allowVolumeExpansion")
			}
		case "MountOptions":
			opts := []any{}
			for _, c := range n.children {
				opts = append(opts, c.text)
			}
			o.set(n.num, opts, "mountOptions")
		case "ReclaimPolicy":
			o.set(n.num, v, "reclaimPolicy")
		case "VolumeBindingMode":
			o.set(n.num, v, "volumeBindingMode")
		}
	}
}

// buildQuota reads describeQuota. It prints status.hard, which the quota
// controller copies from spec.hard: both are set from it.
func buildQuota(o *obj, roots []*node, lines []line) {
	if n := top(roots, "Scopes"); n != nil {
		o.set(n.num, strList(n.value, ","), "spec", "scopes")
	}
	for i, l := range lines {
		if l.indent == 0 && strings.Join(strings.Fields(l.text), " ") == "Resource Used Hard" {
			quotaTable(o, lines[i:], 0)
			return
		}
	}
}

// quotaTable reads "Resource Used Hard" rows at indent.
func quotaTable(o *obj, ls []line, indent int) {
	var rows []line
	for j, l := range ls {
		if j > 0 && (l.indent != indent || l.text == "" || (l.hasKey && l.value != "" && j > 1)) {
			break
		}
		rows = append(rows, l)
	}
	t := readTable(rows)
	hard, used := map[string]any{}, map[string]any{}
	for _, r := range t.rows {
		res := t.col(r, "Resource")
		if res == "" {
			continue
		}
		hard[res] = t.col(r, "Hard")
		used[res] = t.col(r, "Used")
	}
	if len(rows) > 0 {
		o.set(rows[0].num, hard, "spec", "hard")
		o.set(rows[0].num, map[string]any{"hard": hard, "used": used}, "status")
	}
	for _, r := range t.rows {
		if res := t.col(r, "Resource"); res != "" {
			o.mark(r.num, "spec", "hard", res)
			o.mark(r.num, "status", "hard", res)
			o.mark(r.num, "status", "used", res)
		}
	}
}

// buildLimitRange reads describeLimitRange: one row per type and
// resource; consecutive rows of one type are one item of spec.limits.
func buildLimitRange(o *obj, _ []*node, lines []line) {
	for i, l := range lines {
		if l.indent == 0 && strings.HasPrefix(strings.Join(strings.Fields(l.text), " "), "Type Resource Min Max") {
			limitTable(o, lines[i:], []any{"spec", "limits"})
			return
		}
	}
}

func limitTable(o *obj, ls []line, p []any) {
	var rows []line
	for _, l := range ls {
		if l.text == "" || (l.hasKey && l.indent == 0) {
			break
		}
		rows = append(rows, l)
	}
	t := readTable(rows)
	items := []any{}
	var cur map[string]any
	for _, r := range t.rows {
		typ, res := t.col(r, "Type"), t.col(r, "Resource")
		if typ == "" || res == "" {
			continue
		}
		if cur == nil || cur["type"] != typ {
			cur = map[string]any{"type": typ}
			items = append(items, cur)
			// An item is cited at its first row.
			o.mark(r.num, path(p, len(items)-1)...)
		}
		i := len(items) - 1
		for _, c := range []struct{ header, field string }{
			{"Min", "min"}, {"Max", "max"}, {"Default Request", "defaultRequest"},
			{"Default Limit", "default"}, {"Max Limit/Request Ratio", "maxLimitRequestRatio"},
		} {
			v := t.col(r, c.header)
			if v == "" || v == "-" {
				continue
			}
			m, _ := cur[c.field].(map[string]any)
			if m == nil {
				m = map[string]any{}
				cur[c.field] = m
			}
			m[res] = v
			o.mark(r.num, path(p, i, c.field, res)...)
			o.mark(r.num, path(p, i, c.field)...)
		}
	}
	if len(rows) > 0 {
		o.set(rows[0].num, items, p...)
	}
}

func buildNetworkPolicy(o *obj, roots []*node, _ []line) {
	if n := top(roots, "Created on"); n != nil {
		o.set(n.num, timestamp(n.value), "metadata", "creationTimestamp")
	}
	spec := top(roots, "Spec")
	if spec == nil {
		return
	}
	var types []any
	for i := 0; i < len(spec.children); i++ {
		c := spec.children[i]
		switch {
		case c.hasKey && c.key == "PodSelector":
			v := c.value
			if strings.HasPrefix(v, "<none>") {
				o.set(c.num, map[string]any{}, "spec", "podSelector")
			} else if sel, ok := labelSelector(v); ok {
				o.set(c.num, sel, "spec", "podSelector")
			}
		case c.text == "Allowing ingress traffic:":
			types = append(types, "Ingress")
			o.set(c.num, policyRules(c.children, "From"), "spec", "ingress")
		case c.text == "Allowing egress traffic:":
			types = append(types, "Egress")
			o.set(c.num, policyRules(c.children, "To"), "spec", "egress")
		case c.hasKey && c.key == "Policy Types":
			o.set(c.num, strList(c.value, ","), "spec", "policyTypes")
		}
	}
	if _, ok := o.body["spec"].(map[string]any)["policyTypes"]; !ok && types != nil {
		o.set(spec.num, types, "spec", "policyTypes")
	}
}

// policyRules reads printNetworkPolicySpecIngressFrom/EgressTo: "To Port:"
// lines, then "From:"/"To:" with selectors below, rules separated by a
// "----------" line.
func policyRules(ns []*node, peerKey string) []any {
	rules := []any{}
	var cur map[string]any
	start := func() {
		if cur == nil {
			cur = map[string]any{}
			rules = append(rules, cur)
		}
	}
	for _, n := range flat(ns) {
		t := n.text
		switch {
		case strings.HasPrefix(t, "<none>"):
			return rules
		case strings.HasPrefix(t, "----------"):
			cur = nil
		case strings.HasPrefix(t, "To Port:"), strings.HasPrefix(t, "To Port Range:"):
			start()
			v := strings.TrimSpace(t[strings.IndexByte(t, ':')+1:])
			if strings.HasPrefix(v, "<any>") {
				continue
			}
			p, proto, _ := strings.Cut(v, "/")
			port := map[string]any{"protocol": proto}
			if lo, hi, isRange := strings.Cut(p, "-"); isRange && strings.HasPrefix(t, "To Port Range") {
				port["port"] = intOrString(lo)
				port["endPort"] = intOrString(hi)
			} else {
				port["port"] = intOrString(p)
			}
			ports, _ := cur["ports"].([]any)
			cur["ports"] = append(ports, port)
		case t == peerKey+":":
			start()
			peer := map[string]any{}
			for _, c := range n.children {
				if !c.hasKey {
					continue
				}
				switch c.key {
				case "PodSelector", "NamespaceSelector":
					if sel, ok := labelSelector(c.value); ok {
						peer[lowerFirst(c.key)] = sel
					}
				case "IPBlock":
					b := map[string]any{}
					for _, g := range c.children {
						if g.hasKey && g.key == "CIDR" {
							b["cidr"] = g.value
						}
						if g.hasKey && g.key == "Except" && g.value != "" {
							b["except"] = strList(g.value, ",")
						}
					}
					peer["ipBlock"] = b
				}
			}
			field := strings.ToLower(peerKey)
			peers, _ := cur[field].([]any)
			cur[field] = append(peers, peer)
		case strings.HasPrefix(t, peerKey+": <any>"):
			start()
		}
	}
	return rules
}

// buildConfigMap reads the Data section: "key:" then "----" then the
// value's raw lines, a blank line after each.
func buildConfigMap(o *obj, _ []*node, lines []line) {
	start := -1
	for i := 0; i+1 < len(lines); i++ {
		if lines[i].indent == 0 && lines[i].text == "Data" && lines[i+1].text == "====" {
			start = i + 2
			o.mark(lines[i].num, "data")
			break
		}
	}
	if start < 0 {
		return
	}
	data := map[string]any{}
	isKey := func(i int) bool {
		return i+1 < len(lines) && lines[i].indent == 0 && strings.HasSuffix(lines[i].text, ":") && lines[i+1].raw == "----"
	}
	i := start
	for i < len(lines) {
		l := lines[i]
		if l.indent == 0 && (l.text == "BinaryData" || strings.HasPrefix(l.text, "Events:")) {
			break
		}
		if !isKey(i) {
			i++
			continue
		}
		key := strings.TrimSuffix(l.text, ":")
		o.mark(l.num, "data", key)
		j := i + 2
		var val []string
		size := 0
		for j < len(lines) && !isKey(j) && !(lines[j].indent == 0 && (lines[j].text == "BinaryData" || strings.HasPrefix(lines[j].text, "Events:"))) {
			if size < maxLine*64 {
				val = append(val, lines[j].raw)
				size += len(lines[j].raw)
			}
			j++
		}
		for len(val) > 0 && val[len(val)-1] == "" {
			val = val[:len(val)-1]
		}
		data[key] = strings.Join(val, "\n")
		i = j
	}
	o.set(0, data, "data")
}

// buildNamespace reads describeNamespace; the quotas it lists by name
// become partial ResourceQuota objects too.
func buildNamespace(o *obj, roots []*node, lines []line) {
	if n := top(roots, "Status"); n != nil {
		o.set(n.num, n.value, "status", "phase")
	}
	o.conditions(top(roots, "Conditions"), "status", "conditions")
	for i, l := range lines {
		if l.indent == 1 && l.hasKey && l.key == "Name" || (l.indent == 2 && l.hasKey && l.key == "Name") {
			q := newObj("ResourceQuota", "v1", l.num)
			q.file, q.res = o.file, o.res
			q.set(l.num, l.value, "metadata", "name")
			q.set(l.num, o.name(), "metadata", "namespace")
			for j := i + 1; j < len(lines) && j < i+4; j++ {
				if lines[j].hasKey && lines[j].key == "Scopes" {
					q.set(lines[j].num, strList(lines[j].value, ","), "spec", "scopes")
				}
				if strings.Join(strings.Fields(lines[j].text), " ") == "Resource Used Hard" {
					quotaTable(q, lines[j:], lines[j].indent)
					break
				}
			}
			o.res.emit(q, kinds["ResourceQuota"].notShown)
		}
	}
}
