package hostile

import (
	"encoding/json"
	"strings"
)

// ShellNames are the namespaces, object names, label values and node names
// of the shell-metacharacters case. Each would run touch if a confirm
// command carried it unquoted into sh; every touch names a file relative to
// the directory the commands are sourced in, prefixed PWNED, so a test sees
// an injection as a file there (and a parallel test is not disturbed).
var ShellNames = struct {
	// Namespaces hold a Service whose selector matches no pod
	// (selector-mismatch) and, the first one, a LimitRange above its
	// ResourceQuota (quota-limitrange).
	Namespaces []string
	// Service is the Services' name, Label their selector's app value.
	Service, Label string
	// Node names a node directory whose sysctl -a turns forwarding off
	// while a pod runs there (ip-forward).
	Node string
}{
	Namespaces: []string{
		"shop;touch${IFS}PWNED-semicolon;:",
		"$(touch PWNED-dollar)",
		"`touch PWNED-backtick`",
		"q';touch PWNED-quote;'",
		`dq";touch PWNED-dquote;"`,
		"nl\ntouch PWNED-newline",
		"x|touch PWNED-pipe&&touch PWNED-and>PWNED-redirect",
		"é ${HOME:+$(touch PWNED-unicode)}",
	},
	Service: "svc$(touch PWNED-service)",
	Label:   "web`touch PWNED-label`",
	Node:    "vm;touch${IFS}PWNED-node;:$(touch PWNED-node2)'",
}

// shellMetacharacters writes objects and a node directory whose names are
// shell injections, so each rule that names them in a confirm command
// fires: the report must quote them (issue 10, D2).
func shellMetacharacters(g *gen) error {
	if err := withHealthy(g); err != nil {
		return err
	}
	n := ShellNames
	obj := func(kind, ns, name string, rest map[string]any) map[string]any {
		o := map[string]any{"apiVersion": "v1", "kind": kind, "metadata": map[string]any{"namespace": ns, "name": name}}
		for k, v := range rest {
			o[k] = v
		}
		return o
	}
	var items []any
	for i, ns := range n.Namespaces {
		items = append(items,
			map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ns}},
			obj("Service", ns, n.Service, map[string]any{"spec": map[string]any{
				"selector": map[string]any{"app": n.Label},
				"ports":    []any{map[string]any{"port": 80, "protocol": "TCP", "targetPort": 8080}},
			}}),
			// A pod that shares the selector's key with another value: the
			// namespace's pods were collected, so the Service is judged.
			obj("Pod", ns, "cart-1", map[string]any{
				"spec":   map[string]any{"containers": []any{map[string]any{"name": "app", "image": "app:1"}}},
				"status": map[string]any{"phase": "Running", "conditions": []any{map[string]any{"type": "Ready", "status": "True"}}},
			}),
		)
		items[len(items)-1].(map[string]any)["metadata"].(map[string]any)["labels"] = map[string]any{"app": "cart"}
		if i == 0 {
			items = append(items,
				obj("ResourceQuota", ns, "compute-quota", map[string]any{"spec": map[string]any{"hard": map[string]any{"limits.cpu": "1"}}}),
				obj("LimitRange", ns, "defaults", map[string]any{"spec": map[string]any{"limits": []any{
					map[string]any{"type": "Container", "default": map[string]any{"cpu": "2"}},
				}}}),
			)
		}
	}
	items = append(items, obj("Pod", "default", "runs-on-the-node", map[string]any{
		"spec":   map[string]any{"nodeName": n.Node, "containers": []any{map[string]any{"name": "app", "image": "app:1"}}},
		"status": map[string]any{"phase": "Running"},
	}))
	body, err := json.MarshalIndent(map[string]any{"apiVersion": "v1", "kind": "List", "items": items}, "", "  ")
	if err != nil {
		return err
	}
	if err := g.file("objects.json", append(body, '\n')); err != nil {
		return err
	}
	sysctl := strings.Join([]string{"net.core.somaxconn = 4096", "net.ipv4.ip_forward = 0", ""}, "\n")
	return g.file("nodes/"+n.Node+"/sysctl-a.txt", []byte(sysctl))
}
