package kubetable

import (
	"regexp"
	"strconv"
	"strings"
)

// row holds one table row's cells by column name.
type row map[string]string

// get returns a cell, "" for kubectl's <none>, <unknown> and the like.
func (r row) get(col string) string {
	v := r[col]
	switch v {
	case "<none>", "<unknown>", "<nil>", "<invalid>":
		return ""
	}
	return v
}

// has reports whether the table shows a column.
func (r row) has(col string) bool { _, ok := r[col]; return ok }

// getAllKinds maps the resource prefix `kubectl get all` (and `get
// pod/x`) prints before a name to the kind.
var getAllKinds = map[string]string{
	"pod": "Pod", "service": "Service", "deployment.apps": "Deployment", "replicaset.apps": "ReplicaSet",
	"daemonset.apps": "DaemonSet", "statefulset.apps": "StatefulSet", "job.batch": "Job",
	"cronjob.batch": "CronJob", "node": "Node", "persistentvolumeclaim": "PersistentVolumeClaim",
	"endpoints": "Endpoints", "event": "Event", "horizontalpodautoscaler.autoscaling": "HorizontalPodAutoscaler",
}

// objectKinds maps the names an events table's OBJECT column (kind/name,
// lower-case) and `kubectl get` accept to kinds.
var objectKinds = map[string]string{
	"pod": "Pod", "replicaset": "ReplicaSet", "deployment": "Deployment", "daemonset": "DaemonSet",
	"statefulset": "StatefulSet", "job": "Job", "cronjob": "CronJob", "node": "Node", "service": "Service",
	"endpoints": "Endpoints", "persistentvolumeclaim": "PersistentVolumeClaim", "persistentvolume": "PersistentVolume",
	"namespace": "Namespace", "configmap": "ConfigMap", "ingress": "Ingress", "horizontalpodautoscaler": "HorizontalPodAutoscaler",
	"resourcequota": "ResourceQuota", "limitrange": "LimitRange", "endpointslice": "EndpointSlice",
	"poddisruptionbudget": "PodDisruptionBudget", "serviceaccount": "ServiceAccount", "storageclass": "StorageClass",
	"lease": "Lease", "secret": "Secret",
}

var clusterScoped = map[string]bool{"Node": true, "PersistentVolume": true, "Namespace": true, "StorageClass": true, "NodeMetrics": true}

// object builds a partial object from a row.
func (p *tableParser) object(line int, cells []string) map[string]any {
	r := row{}
	var colNames []string
	for i, c := range p.cols {
		r[c.name] = cells[i]
		colNames = append(colNames, c.name)
	}
	name := r["NAME"]
	kind := p.kind
	if i := strings.IndexByte(name, '/'); i > 0 && kind != "Event" {
		if k, ok := getAllKinds[name[:i]]; ok {
			kind = k
		}
		name = name[i+1:]
	}
	if name == "" && kind != "Event" {
		return nil
	}
	md := map[string]any{"name": name}
	ann := map[string]any{
		SourceAnnotation:  "kubectl-get",
		ColumnsAnnotation: strings.Join(colNames, ","),
	}
	if kind == "PodMetrics" || kind == "NodeMetrics" {
		ann[SourceAnnotation] = "kubectl-top"
	}
	md["annotations"] = ann
	if !clusterScoped[kind] {
		switch {
		case r["NAMESPACE"] != "":
			md["namespace"] = r["NAMESPACE"]
		case p.call.Namespace != "":
			md["namespace"] = p.call.Namespace
			ann[NamespaceAnnotation] = "command"
		default:
			// kubectl without -n lists the context's namespace,
			// almost always "default"; said so, not hidden.
			md["namespace"] = "default"
			ann[NamespaceAnnotation] = "assumed-default"
		}
	}
	if age := r["AGE"]; age != "" {
		ann[AgeAnnotation] = age
	}
	if r.has("LABELS") {
		if l := parseLabels(r.get("LABELS")); l != nil {
			md["labels"] = l
		} else {
			md["labels"] = map[string]any{}
		}
	}
	obj := map[string]any{"kind": kind, "apiVersion": apiVersion(kind), "metadata": md}
	var ok bool
	switch kind {
	case "Pod":
		ok = pod(obj, r)
	case "Node":
		ok = node(obj, r)
	case "Service":
		ok = service(obj, r)
	case "Event":
		ok = event(obj, r, line)
	case "PersistentVolumeClaim":
		ok = pvc(obj, r)
	case "Deployment", "StatefulSet", "ReplicaSet", "DaemonSet":
		ok = workload(obj, r)
	case "Endpoints":
		ok = endpoints(obj, r)
	case "PodMetrics", "NodeMetrics":
		ok = metrics(obj, r)
	default:
		ok = true // a `get all` kind read for its name and namespace only
	}
	if !ok {
		return nil
	}
	return obj
}

func apiVersion(kind string) string {
	switch kind {
	case "Deployment", "ReplicaSet", "DaemonSet", "StatefulSet":
		return "apps/v1"
	case "Job":
		return "batch/v1"
	case "CronJob":
		return "batch/v1"
	case "PodMetrics", "NodeMetrics":
		return "metrics.k8s.io/v1beta1"
	case "HorizontalPodAutoscaler":
		return "autoscaling/v2"
	}
	return "v1"
}

// parseLabels reads a LABELS cell (k=v,k2=v2). nil for none.
func parseLabels(s string) map[string]any {
	if s == "" {
		return nil
	}
	out := map[string]any{}
	for _, kv := range strings.Split(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		if k = strings.TrimSpace(k); k != "" {
			out[k] = v
		}
	}
	return out
}

var reRatio = regexp.MustCompile(`^(\d+)/(\d+)$`)

func ratio(s string) (int64, int64, bool) {
	m := reRatio.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	a, _ := strconv.ParseInt(m[1], 10, 64)
	b, _ := strconv.ParseInt(m[2], 10, 64)
	return a, b, true
}

func num(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

var phases = map[string]bool{"Pending": true, "Running": true, "Succeeded": true, "Failed": true, "Unknown": true}

// pod fills what kubectl's pod columns show. STATUS is the phase, or the
// reason kubectl's printer put in its place (a container's waiting or
// terminated reason, "Terminating", "Init:0/1"); only a phase name, or
// "Completed"/"Evicted" whose phase the printer implies, sets status.phase.
func pod(obj map[string]any, r row) bool {
	md := obj["metadata"].(map[string]any)
	ann := md["annotations"].(map[string]any)
	st := map[string]any{}
	spec := map[string]any{}
	status := r.get("STATUS")
	if status != "" {
		ann[StatusAnnotation] = status
	}
	switch {
	case phases[status]:
		st["phase"] = status
	case status == "Completed":
		st["phase"] = "Succeeded"
	case status == "Evicted":
		st["phase"], st["reason"] = "Failed", "Evicted"
	}
	if rs := r.get("RESTARTS"); rs != "" {
		ann[RestartsAnnotation] = rs
	}
	if ready, total, ok := ratio(r.get("READY")); ok {
		// The READY column counts ready containers; all ready in a
		// Running pod is what the Ready condition says (readiness gates
		// aside, shown when -o wide).
		cond := "False"
		if ready == total && total > 0 && status == "Running" && r.get("READINESS GATES") == "" {
			cond = "True"
		}
		st["conditions"] = []any{map[string]any{"type": "Ready", "status": cond}}
		ann["ktriage.io/ready"] = r.get("READY")
	}
	if ip := r.get("IP"); ip != "" {
		st["podIP"] = ip
	}
	if n := r.get("NODE"); n != "" {
		spec["nodeName"] = n
	}
	if n := r.get("NOMINATED NODE"); n != "" {
		st["nominatedNodeName"] = n
	}
	obj["status"], obj["spec"] = st, spec
	return true
}

func node(obj map[string]any, r row) bool {
	md := obj["metadata"].(map[string]any)
	st := map[string]any{}
	spec := map[string]any{}
	ready := ""
	for _, s := range strings.Split(r.get("STATUS"), ",") {
		switch s {
		case "Ready":
			ready = "True"
		case "NotReady":
			ready = "False"
		case "Unknown":
			ready = "Unknown"
		case "SchedulingDisabled":
			spec["unschedulable"] = true
		}
	}
	if ready != "" {
		st["conditions"] = []any{map[string]any{"type": "Ready", "status": ready}}
	}
	if roles := r.get("ROLES"); roles != "" {
		labels, _ := md["labels"].(map[string]any)
		if labels == nil {
			labels = map[string]any{}
			md["labels"] = labels
		}
		for _, role := range strings.Split(roles, ",") {
			if _, ok := labels["node-role.kubernetes.io/"+role]; !ok {
				labels["node-role.kubernetes.io/"+role] = ""
			}
		}
	}
	info := map[string]any{}
	for col, field := range map[string]string{"VERSION": "kubeletVersion", "OS-IMAGE": "osImage", "KERNEL-VERSION": "kernelVersion", "CONTAINER-RUNTIME": "containerRuntimeVersion"} {
		if v := r.get(col); v != "" {
			info[field] = v
		}
	}
	if len(info) > 0 {
		st["nodeInfo"] = info
	}
	var addrs []any
	if v := r.get("INTERNAL-IP"); v != "" {
		addrs = append(addrs, map[string]any{"type": "InternalIP", "address": v})
	}
	if v := r.get("EXTERNAL-IP"); v != "" {
		addrs = append(addrs, map[string]any{"type": "ExternalIP", "address": v})
	}
	if addrs != nil {
		st["addresses"] = addrs
	}
	obj["status"], obj["spec"] = st, spec
	return true
}

var rePort = regexp.MustCompile(`^(\d+)(?::(\d+))?/([A-Z]+)$`)

// service reads TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S) and, with -o wide,
// SELECTOR. PORT(S) shows port[:nodePort]/protocol, never targetPort.
func service(obj map[string]any, r row) bool {
	spec := map[string]any{}
	st := map[string]any{}
	if t := r.get("TYPE"); t != "" {
		spec["type"] = t
	}
	if ip := r.get("CLUSTER-IP"); ip != "" {
		spec["clusterIP"] = ip
	}
	if ext := r.get("EXTERNAL-IP"); ext != "" && ext != "<pending>" {
		var ips []any
		for _, x := range strings.Split(ext, ",") {
			ips = append(ips, x)
		}
		if spec["type"] == "LoadBalancer" {
			var ing []any
			for _, x := range ips {
				ing = append(ing, map[string]any{"ip": x})
			}
			st["loadBalancer"] = map[string]any{"ingress": ing}
		} else if spec["type"] == "ExternalName" {
			spec["externalName"] = ext
		} else {
			spec["externalIPs"] = ips
		}
	}
	var ports []any
	for _, x := range strings.Split(r.get("PORT(S)"), ",") {
		m := rePort.FindStringSubmatch(strings.TrimSpace(x))
		if m == nil {
			continue
		}
		port, _ := strconv.ParseInt(m[1], 10, 64)
		pm := map[string]any{"port": port, "protocol": m[3]}
		if m[2] != "" {
			np, _ := strconv.ParseInt(m[2], 10, 64)
			pm["nodePort"] = np
		}
		ports = append(ports, pm)
	}
	if ports != nil {
		spec["ports"] = ports
	}
	if r.has("SELECTOR") {
		if sel := parseLabels(r.get("SELECTOR")); sel != nil {
			spec["selector"] = sel
		}
	}
	obj["spec"], obj["status"] = spec, st
	return true
}

var reSource = regexp.MustCompile(`^([^,]+)(?:, (.+))?$`)

// event reads both column sets kubectl has printed: the old
// LAST SEEN FIRST SEEN COUNT NAME KIND SUBOBJECT TYPE REASON SOURCE MESSAGE
// (NAME is the involved object's) and the current
// LAST SEEN TYPE REASON OBJECT MESSAGE (-o wide adds SUBOBJECT SOURCE
// MESSAGE FIRST SEEN COUNT NAME, NAME being the event's own).
func event(obj map[string]any, r row, line int) bool {
	md := obj["metadata"].(map[string]any)
	ann := md["annotations"].(map[string]any)
	involved := map[string]any{}
	if o := r.get("OBJECT"); o != "" {
		k, n, ok := strings.Cut(o, "/")
		if !ok {
			return false
		}
		kind := objectKinds[strings.ToLower(strings.SplitN(k, ".", 2)[0])]
		if kind == "" {
			kind = k
		}
		involved["kind"], involved["name"] = kind, n
		if r.has("NAME") {
			md["name"] = r.get("NAME")
		}
	} else if r.has("KIND") {
		involved["kind"], involved["name"] = r.get("KIND"), r.get("NAME")
		md["name"] = ""
	} else {
		return false
	}
	if involved["name"] == "" {
		return false
	}
	if ns, ok := md["namespace"]; ok {
		involved["namespace"] = ns
	}
	if sub := r.get("SUBOBJECT"); sub != "" {
		involved["fieldPath"] = sub
	}
	if n, _ := md["name"].(string); n == "" {
		// The table does not show the event's own name: one is made from
		// what it shows and the line, unique within the file.
		md["name"] = strings.ToLower(involved["name"].(string)) + "." + strings.ToLower(r.get("REASON")) + ".line" + strconv.Itoa(line)
		ann[NameAnnotation] = "table-row"
	}
	obj["involvedObject"] = involved
	obj["type"] = r.get("TYPE")
	obj["reason"] = r.get("REASON")
	obj["message"] = r.get("MESSAGE")
	// kubectl 1.4–1.9 printed LASTSEEN FIRSTSEEN; later LAST SEEN.
	if ls := r["LAST SEEN"] + r["LASTSEEN"]; ls != "" {
		ann["ktriage.io/last-seen"] = ls
	}
	if fs := r["FIRST SEEN"] + r["FIRSTSEEN"]; fs != "" {
		ann["ktriage.io/first-seen"] = fs
	}
	delete(ann, AgeAnnotation)
	if c, ok := num(r.get("COUNT")); ok {
		obj["count"] = c
	}
	if s := r.get("SOURCE"); s != "" {
		if strings.HasPrefix(s, "{") {
			// before 1.10: {component host}
			f := strings.Fields(strings.Trim(s, "{}"))
			s = strings.Join(f, ", ")
		}
		if m := reSource.FindStringSubmatch(s); m != nil {
			src := map[string]any{"component": m[1]}
			if m[2] != "" {
				src["host"] = m[2]
			}
			obj["source"] = src
		}
	}
	return obj["reason"] != ""
}

var accessModes = map[string]string{"RWO": "ReadWriteOnce", "ROX": "ReadOnlyMany", "RWX": "ReadWriteMany", "RWOP": "ReadWriteOncePod"}

func pvc(obj map[string]any, r row) bool {
	spec := map[string]any{}
	st := map[string]any{}
	if v := r.get("STATUS"); v != "" {
		st["phase"] = v
	}
	if v := r.get("VOLUME"); v != "" {
		spec["volumeName"] = v
	}
	if v := r.get("CAPACITY"); v != "" {
		st["capacity"] = map[string]any{"storage": v}
	}
	if v := r.get("ACCESS MODES"); v != "" {
		var modes []any
		for _, m := range strings.Split(v, ",") {
			if full, ok := accessModes[m]; ok {
				modes = append(modes, full)
			}
		}
		st["accessModes"] = modes
	}
	if v := r.get("STORAGECLASS"); v != "" {
		spec["storageClassName"] = v
	}
	if v := r.get("VOLUMEMODE"); v != "" {
		spec["volumeMode"] = v
	}
	obj["spec"], obj["status"] = spec, st
	return true
}

// workload reads the replica columns of deployments (READY n/m, UP-TO-DATE,
// AVAILABLE; before 1.11 DESIRED CURRENT UP-TO-DATE AVAILABLE), replica
// sets (DESIRED CURRENT READY), statefulsets (READY n/m) and daemonsets
// (DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR), and with
// -o wide CONTAINERS, IMAGES and SELECTOR.
func workload(obj map[string]any, r row) bool {
	spec := map[string]any{}
	st := map[string]any{}
	kind := obj["kind"].(string)
	set := func(m map[string]any, k, col string) {
		if n, ok := num(r.get(col)); ok {
			m[k] = n
		}
	}
	if ready, total, ok := ratio(r.get("READY")); ok {
		st["readyReplicas"] = ready
		spec["replicas"] = total
	}
	switch kind {
	case "DaemonSet":
		set(st, "desiredNumberScheduled", "DESIRED")
		set(st, "currentNumberScheduled", "CURRENT")
		set(st, "numberReady", "READY")
		set(st, "updatedNumberScheduled", "UP-TO-DATE")
		set(st, "numberAvailable", "AVAILABLE")
		if sel := parseLabels(r.get("NODE SELECTOR")); sel != nil {
			spec["template"] = map[string]any{"spec": map[string]any{"nodeSelector": sel}}
		}
	case "ReplicaSet":
		set(spec, "replicas", "DESIRED")
		set(st, "replicas", "CURRENT")
		set(st, "readyReplicas", "READY")
	default:
		set(spec, "replicas", "DESIRED")
		set(st, "replicas", "CURRENT")
		set(st, "updatedReplicas", "UP-TO-DATE")
		set(st, "availableReplicas", "AVAILABLE")
	}
	if cs := r.get("CONTAINERS"); cs != "" {
		names := strings.Split(cs, ",")
		images := strings.Split(r.get("IMAGES"), ",")
		var containers []any
		for i, n := range names {
			c := map[string]any{"name": n}
			if i < len(images) && images[i] != "" {
				c["image"] = images[i]
			}
			containers = append(containers, c)
		}
		tpl, _ := spec["template"].(map[string]any)
		if tpl == nil {
			tpl = map[string]any{"spec": map[string]any{}}
			spec["template"] = tpl
		}
		tpl["spec"].(map[string]any)["containers"] = containers
	}
	if r.has("SELECTOR") {
		if sel := parseLabels(r.get("SELECTOR")); sel != nil && !strings.ContainsAny(r.get("SELECTOR"), "()!") {
			spec["selector"] = map[string]any{"matchLabels": sel}
		}
	}
	obj["spec"], obj["status"] = spec, st
	return true
}

// endpoints reads ENDPOINTS: "10.0.0.1:80,10.0.0.2:80 + 3 more...",
// "<none>" when the Service has no ready endpoint. The addresses shown are
// the ready ones; the "+ N more" tail is said in an annotation.
func endpoints(obj map[string]any, r row) bool {
	md := obj["metadata"].(map[string]any)
	v := r.get("ENDPOINTS")
	if v == "" {
		obj["subsets"] = []any{}
		return true
	}
	if i := strings.Index(v, " + "); i >= 0 {
		md["annotations"].(map[string]any)["ktriage.io/endpoints-more"] = strings.TrimSpace(v[i+3:])
		v = v[:i]
	}
	var addrs []any
	seen := map[string]bool{}
	for _, x := range strings.Split(v, ",") {
		host := x
		if i := strings.LastIndexByte(x, ':'); i > 0 {
			host = x[:i]
		}
		if host != "" && !seen[host] {
			seen[host] = true
			addrs = append(addrs, map[string]any{"ip": host})
		}
	}
	obj["subsets"] = []any{map[string]any{"addresses": addrs}}
	return true
}

// metrics reads `kubectl top pods|nodes`.
func metrics(obj map[string]any, r row) bool {
	usage := map[string]any{}
	if v := r.get("CPU(cores)"); v != "" {
		usage["cpu"] = v
	}
	if v := r.get("MEMORY(bytes)"); v != "" {
		usage["memory"] = v
	}
	// A pod's table row sums its containers; NodeMetrics has usage itself.
	obj["usage"] = usage
	return len(usage) > 0
}
