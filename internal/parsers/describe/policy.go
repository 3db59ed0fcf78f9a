package describe

import (
	"strings"
)

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
