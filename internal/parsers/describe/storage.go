package describe

import (
	"strings"
)

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
