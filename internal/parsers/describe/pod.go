package describe

import (
	"regexp"
	"strings"

	"github.com/ktriage/ktriage/internal/facts"
)

// buildPod reads describePod.
func buildPod(o *obj, roots []*node, _ []line) {
	for _, n := range roots {
		if !n.hasKey || n.indent != 0 {
			continue
		}
		v := n.value
		switch n.key {
		case "Priority":
			if p, ok := intValue(v); ok {
				o.set(n.num, p, "spec", "priority")
			}
		case "Priority Class Name":
			o.set(n.num, v, "spec", "priorityClassName")
		case "Runtime Class Name":
			o.set(n.num, v, "spec", "runtimeClassName")
		case "Service Account":
			o.set(n.num, v, "spec", "serviceAccountName")
		case "Node":
			if !none(v) {
				name, ip, _ := strings.Cut(v, "/")
				o.set(n.num, name, "spec", "nodeName")
				if ip != "" {
					o.set(n.num, ip, "status", "hostIP")
				}
			}
		case "Start Time":
			o.set(n.num, timestamp(v), "status", "startTime")
		case "Status":
			if strings.HasPrefix(v, "Terminating") {
				// The deletion time is not printed, only that it is set.
				o.set(n.num, v, "metadata", "deletionTimestamp")
			} else if !none(v) {
				o.set(n.num, v, "status", "phase")
			}
		case "Termination Grace Period":
			if s, ok := intValue(v); ok {
				o.set(n.num, s, "metadata", "deletionGracePeriodSeconds")
			}
		case "Reason":
			o.set(n.num, v, "status", "reason")
		case "Message":
			o.set(n.num, v, "status", "message")
		case "IP":
			if !none(v) {
				o.set(n.num, v, "status", "podIP")
			}
		case "IPs":
			var ips []any
			for _, c := range n.children {
				if c.hasKey && c.key == "IP" && !none(c.value) {
					ips = append(ips, map[string]any{"ip": c.value})
				}
			}
			if len(ips) > 0 {
				o.set(n.num, ips, "status", "podIPs")
			}
		case "NominatedNodeName":
			o.set(n.num, v, "status", "nominatedNodeName")
		case "QoS Class":
			o.set(n.num, v, "status", "qosClass")
		case "Conditions":
			t := readTable(nodeLines(n.children))
			conds := []any{}
			for _, r := range t.rows {
				conds = append(conds, map[string]any{"type": t.col(r, "Type"), "status": t.col(r, "Status")})
			}
			o.set(n.num, conds, "status", "conditions")
			for i, r := range t.rows {
				o.mark(r.num, "status", "conditions", i)
			}
		case "Readiness Gates":
			t := readTable(nodeLines(n.children))
			var gates []any
			for _, r := range t.rows {
				gates = append(gates, map[string]any{"conditionType": t.col(r, "Type")})
			}
			o.set(n.num, gates, "spec", "readinessGates")
		}
	}
	podSpec(o, roots, []any{"spec"}, []any{"status"})
}

// podSpec reads what a pod and a pod template share: containers,
// volumes, node selector, tolerations. status is nil for templates.
func podSpec(o *obj, ns []*node, spec, status []any) {
	for _, n := range ns {
		if !n.hasKey {
			continue
		}
		switch n.key {
		case "Init Containers":
			containers(o, n, path(spec, "initContainers"), path(status, "initContainerStatuses"), status != nil)
		case "Containers":
			containers(o, n, path(spec, "containers"), path(status, "containerStatuses"), status != nil)
		case "Ephemeral Containers":
			containers(o, n, path(spec, "ephemeralContainers"), path(status, "ephemeralContainerStatuses"), status != nil)
		case "Volumes":
			volumes(o, n, path(spec, "volumes"))
		case "Node-Selectors":
			m, lines := labelMap(n.values())
			o.set(n.num, m, path(spec, "nodeSelector")...)
			for k, l := range lines {
				o.mark(l, path(spec, "nodeSelector", k)...)
			}
		case "Tolerations":
			tols := []any{}
			for _, e := range n.values() {
				if !none(e.text) {
					tols = append(tols, toleration(e.text))
					o.mark(e.num, path(spec, "tolerations", len(tols)-1)...)
				}
			}
			o.set(n.num, tols, path(spec, "tolerations")...)
		case "Service Account":
			if status == nil {
				o.set(n.num, n.value, path(spec, "serviceAccountName")...)
			}
		case "Priority Class Name":
			if status == nil {
				o.set(n.num, n.value, path(spec, "priorityClassName")...)
			}
		}
	}
}

var reMount = regexp.MustCompile(`^(.+) from (\S+) \((r[ow])(?:,path="(.*)")?\)$`)

// containers reads describeContainers: one child per container, its
// fields below it.
func containers(o *obj, n *node, spec, status []any, withStatus bool) {
	list := []any{}
	var statuses []any
	o.set(n.num, list, spec...)
	for _, cn := range n.children {
		if !cn.hasKey || cn.value != "" {
			continue
		}
		i := len(list)
		c := map[string]any{"name": cn.key}
		list = append(list, c)
		o.set(n.num, list, spec...)
		o.mark(cn.num, path(spec, i)...)
		o.mark(cn.num, path(spec, i, "name")...)
		st := map[string]any{"name": cn.key}
		hasStatus := false
		var hostPorts []string
		for _, f := range cn.children {
			if !f.hasKey {
				continue
			}
			v := f.value
			at := func(v any, p ...any) { c[p[0].(string)] = v; o.mark(f.num, path(spec, append([]any{i}, p...)...)...) }
			sat := func(v any, key string) {
				st[key] = v
				hasStatus = true
				o.mark(f.num, path(status, len(statuses), key)...)
			}
			switch f.key {
			case "Container ID":
				sat(v, "containerID")
			case "Image":
				at(v, "image")
				st["image"] = v
			case "Image ID":
				sat(v, "imageID")
			case "Port", "Ports":
				ports := []any{}
				if !none(v) {
					for _, p := range strings.Split(v, ", ") {
						if n, proto, name, ok := portProtoName(p); ok {
							port := map[string]any{"containerPort": n, "protocol": proto}
							if name != "" {
								port["name"] = name
								o.showField(spec, "[].ports[].name")
							}
							ports = append(ports, port)
						}
					}
				}
				at(ports, "ports")
			case "Host Port", "Host Ports":
				if !none(v) {
					hostPorts = strings.Split(v, ", ")
				}
			case "Command", "Args":
				args := []any{}
				for _, a := range f.children {
					args = append(args, a.text)
				}
				at(args, strings.ToLower(f.key))
			case "State":
				sat(state(f), "state")
			case "Last State":
				sat(state(f), "lastState")
			case "Ready":
				sat(v == "True", "ready")
			case "Restart Count":
				if r, ok := intValue(v); ok {
					sat(r, "restartCount")
				}
			case "Limits", "Requests":
				res, _ := c["resources"].(map[string]any)
				if res == nil {
					res = map[string]any{}
					c["resources"] = res
				}
				q := map[string]any{}
				for _, r := range f.children {
					if r.hasKey {
						q[r.key] = r.value
						o.mark(r.num, path(spec, i, "resources", strings.ToLower(f.key), r.key)...)
					}
				}
				res[strings.ToLower(f.key)] = q
				o.mark(f.num, path(spec, i, "resources", strings.ToLower(f.key))...)
			case "Liveness":
				at(probe(v), "livenessProbe")
			case "Readiness":
				at(probe(v), "readinessProbe")
			case "Startup":
				at(probe(v), "startupProbe")
			case "Mounts":
				mounts := []any{}
				for _, m := range f.children {
					if g := reMount.FindStringSubmatch(m.text); g != nil {
						vm := map[string]any{"mountPath": g[1], "name": g[2], "readOnly": g[3] == "ro"}
						if g[4] != "" {
							vm["subPath"] = g[4]
						}
						o.mark(m.num, path(spec, i, "volumeMounts", len(mounts))...)
						mounts = append(mounts, vm)
					}
				}
				at(mounts, "volumeMounts")
			}
		}
		if ports, ok := c["ports"].([]any); ok {
			for j, hp := range hostPorts {
				if n, _, ok := portProto(hp); ok && j < len(ports) && n != "0" {
					ports[j].(map[string]any)["hostPort"] = n
				}
			}
		}
		if withStatus && hasStatus {
			statuses = append(statuses, st)
			o.mark(cn.num, path(status, len(statuses)-1)...)
		}
	}
	o.set(n.num, list, spec...)
	if withStatus && len(statuses) > 0 {
		o.set(n.num, statuses, status...)
	}
	// Evidence on a whole list would quote the "Containers:" header; the
	// first container's image (and its state, for the statuses) is a line
	// that names something, as the JSON form's first element's name is.
	if l, ok := o.lines[facts.PathKey(path(spec, 0, "image"))]; ok {
		o.mark(l, spec...)
	}
	if l, ok := o.lines[facts.PathKey(path(status, 0, "state"))]; ok && withStatus {
		o.mark(l, status...)
	}
}

// state reads describeStatus: "State:  Waiting" with Reason below, or
// Terminated with Reason, Message, Exit Code, Signal, Started, Finished.
func state(f *node) map[string]any {
	s := map[string]any{}
	detail := map[string]any{}
	for _, c := range f.children {
		if !c.hasKey {
			continue
		}
		switch c.key {
		case "Reason":
			detail["reason"] = c.value
		case "Message":
			detail["message"] = c.value
		case "Exit Code":
			if n, ok := intValue(c.value); ok {
				detail["exitCode"] = n
			}
		case "Signal":
			if n, ok := intValue(c.value); ok {
				detail["signal"] = n
			}
		case "Started":
			detail["startedAt"] = timestamp(c.value)
		case "Finished":
			detail["finishedAt"] = timestamp(c.value)
		}
	}
	switch f.value {
	case "Running":
		s["running"] = detail
	case "Terminated":
		s["terminated"] = detail
	default:
		s["waiting"] = detail
	}
	return s
}

// volumeTypes maps describe's "Type:" word to the VolumeSource field.
var volumeTypes = map[string]string{
	"HostPath": "hostPath", "EmptyDir": "emptyDir", "GCEPersistentDisk": "gcePersistentDisk",
	"AWSElasticBlockStore": "awsElasticBlockStore", "GitRepo": "gitRepo", "Secret": "secret",
	"ConfigMap": "configMap", "NFS": "nfs", "ISCSI": "iscsi", "Glusterfs": "glusterfs",
	"PersistentVolumeClaim": "persistentVolumeClaim", "EphemeralVolume": "ephemeral", "RBD": "rbd",
	"Quobyte": "quobyte", "DownwardAPI": "downwardAPI", "AzureDisk": "azureDisk",
	"vSphereVolume": "vsphereVolume", "Cinder": "cinder", "PhotonPersistentDisk": "photonPersistentDisk",
	"PortworxVolume": "portworxVolume", "ScaleIO": "scaleIO", "CephFS": "cephfs", "StorageOS": "storageos",
	"FC": "fc", "AzureFile": "azureFile", "FlexVolume": "flexVolume", "Flocker": "flocker",
	"Projected": "projected", "CSI": "csi", "Image": "image", "LocalVolume": "local",
}

// volumeFields maps describe's field names to the source's JSON names.
var volumeFields = map[string]string{
	"Path": "path", "HostPathType": "type", "Medium": "medium", "SizeLimit": "sizeLimit",
	"SecretName": "secretName", "Name": "name", "Optional": "optional", "ClaimName": "claimName",
	"ReadOnly": "readOnly", "Server": "server", "Driver": "driver", "FSType": "fsType",
	"VolumeHandle": "volumeHandle", "VolumeID": "volumeID", "PDName": "pdName", "ShareName": "shareName",
	"Reference": "reference", "PullPolicy": "pullPolicy",
}

// volumes reads describeVolumes: a child per volume, "Type: X (…)" and
// the source's fields below it.
func volumes(o *obj, n *node, p []any) {
	vols := []any{}
	for _, vn := range n.children {
		if !vn.hasKey || vn.value != "" {
			continue
		}
		v := map[string]any{"name": vn.key}
		o.mark(vn.num, path(p, len(vols))...)
		var src map[string]any
		srcField := ""
		for _, f := range vn.children {
			if !f.hasKey {
				continue
			}
			if f.key == "Type" {
				word, _, _ := strings.Cut(f.value, " ")
				field := volumeTypes[word]
				if field == "" {
					continue
				}
				src = map[string]any{}
				v[field] = src
				srcField = field
				continue
			}
			if src == nil || none(f.value) {
				continue
			}
			switch f.key {
			case "SecretName", "ConfigMapName", "TokenExpirationSeconds", "DownwardAPI":
				if _, projected := v["projected"]; projected {
					sources, _ := src["sources"].([]any)
					switch f.key {
					case "SecretName":
						sources = append(sources, map[string]any{"secret": map[string]any{"name": f.value}})
					case "ConfigMapName":
						sources = append(sources, map[string]any{"configMap": map[string]any{"name": f.value}})
					case "TokenExpirationSeconds":
						e, _ := intValue(f.value)
						sources = append(sources, map[string]any{"serviceAccountToken": map[string]any{"expirationSeconds": e}})
					case "DownwardAPI":
						sources = append(sources, map[string]any{"downwardAPI": map[string]any{}})
					}
					src["sources"] = sources
					continue
				}
			}
			if k := volumeFields[f.key]; k != "" {
				// the source's fields cite their own line ("Name: reporter-config")
				o.mark(f.num, path(p, len(vols), srcField, k)...)
				switch f.value {
				case "true":
					src[k] = true
				case "false":
					src[k] = false
				default:
					src[k] = f.value
				}
			}
		}
		vols = append(vols, v)
	}
	o.set(n.num, vols, p...)
}

// podTemplate reads DescribePodTemplate ("Pod Template:" and the lines
// indented below it) into spec.template at base.
func podTemplate(o *obj, roots []*node, base []any) {
	pt := find(roots, "Pod Template")
	if pt == nil {
		return
	}
	o.mark(pt.num, path(base, "template")...)
	for _, n := range pt.children {
		if !n.hasKey {
			continue
		}
		switch n.key {
		case "Labels":
			m, lines := labelMap(n.values())
			o.set(n.num, m, path(base, "template", "metadata", "labels")...)
			for k, l := range lines {
				o.mark(l, path(base, "template", "metadata", "labels", k)...)
			}
		case "Annotations":
			m, lines := annotationMap(n)
			o.set(n.num, m, path(base, "template", "metadata", "annotations")...)
			for k, l := range lines {
				o.mark(l, path(base, "template", "metadata", "annotations", k)...)
			}
		}
	}
	podSpec(o, pt.children, path(base, "template", "spec"), nil)
}
