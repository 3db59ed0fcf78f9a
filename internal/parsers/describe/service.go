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
