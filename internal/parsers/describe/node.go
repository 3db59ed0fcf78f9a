package describe

import (
	"strings"
)

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
