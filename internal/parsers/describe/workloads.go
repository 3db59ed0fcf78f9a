package describe

import (
	"regexp"
	"strings"
)

func top(roots []*node, key string) *node {
	for _, n := range roots {
		if n.indent == 0 && n.hasKey && n.key == key {
			return n
		}
	}
	return nil
}

// setInt stores a whole number when the field is one.
func (o *obj) setInt(n *node, p ...any) {
	if n == nil {
		return
	}
	if v, ok := intValue(n.value); ok {
		o.set(n.num, v, p...)
	}
}

func (o *obj) selector(roots []*node, p ...any) {
	if n := top(roots, "Selector"); n != nil {
		if sel, ok := labelSelector(n.value); ok {
			o.set(n.num, sel, p...)
		}
	}
}

// conditions reads a "Type Status Reason" (or longer) conditions table.
func (o *obj) conditions(n *node, p ...any) {
	if n == nil {
		return
	}
	t := readTable(nodeLines(n.children))
	conds := []any{}
	for _, r := range t.rows {
		c := map[string]any{}
		for i, h := range t.header {
			if i >= len(r.cells) || r.cells[i] == "" {
				continue
			}
			k := lowerFirst(h)
			v := r.cells[i]
			if strings.HasSuffix(k, "Time") {
				v = timestamp(v)
			}
			c[k] = v
		}
		conds = append(conds, c)
	}
	o.set(n.num, conds, p...)
	for i, r := range t.rows {
		o.mark(r.num, append(append([]any{}, p...), i)...)
	}
}

func lowerFirst(s string) string {
	s = strings.ReplaceAll(s, " ", "")
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

func buildDeployment(o *obj, roots []*node, _ []line) {
	o.selector(roots, "spec", "selector")
	if n := top(roots, "Replicas"); n != nil {
		if m := reDepReplicas.FindStringSubmatch(n.value); m != nil {
			for i, f := range []string{"spec.replicas", "status.updatedReplicas", "status.replicas", "status.availableReplicas", "status.unavailableReplicas"} {
				sec, field, _ := strings.Cut(f, ".")
				v, _ := intValue(m[i+1])
				o.set(n.num, v, sec, field)
			}
		}
	}
	if n := top(roots, "StrategyType"); n != nil {
		o.set(n.num, n.value, "spec", "strategy", "type")
	}
	o.setInt(top(roots, "MinReadySeconds"), "spec", "minReadySeconds")
	if n := top(roots, "RollingUpdateStrategy"); n != nil {
		unavail, surge, _ := strings.Cut(n.value, " max unavailable, ")
		o.set(n.num, map[string]any{"maxUnavailable": intOrString(unavail), "maxSurge": intOrString(strings.TrimSuffix(surge, " max surge"))}, "spec", "strategy", "rollingUpdate")
	}
	podTemplate(o, roots, []any{"spec"})
	o.conditions(top(roots, "Conditions"), "status", "conditions")
	if n := top(roots, "NewReplicaSet"); n != nil && !none(n.value) {
		o.set(n.num, n.value, "ktriage", "newReplicaSet")
	}
}

var rePodsStatus = regexp.MustCompile(`^(\d+) Running / (\d+) Waiting / (\d+) Succeeded / (\d+) Failed$`)

// podsStatus keeps "Pods Status: 1 Running / 0 Waiting / …", which the
// describer counts from the pods and the API object does not hold.
func (o *obj) podsStatus(roots []*node) {
	n := top(roots, "Pods Status")
	if n == nil {
		return
	}
	if m := rePodsStatus.FindStringSubmatch(n.value); m != nil {
		st := map[string]any{}
		for i, k := range []string{"running", "waiting", "succeeded", "failed"} {
			st[k], _ = intValue(m[i+1])
		}
		o.set(n.num, st, "ktriage", "podsStatus")
	}
}

func buildReplicaSet(o *obj, roots []*node, _ []line) {
	o.selector(roots, "spec", "selector")
	if n := top(roots, "Replicas"); n != nil {
		if m := reRSReplicas.FindStringSubmatch(n.value); m != nil {
			cur, _ := intValue(m[1])
			want, _ := intValue(m[2])
			o.set(n.num, cur, "status", "replicas")
			o.set(n.num, want, "spec", "replicas")
		}
	}
	o.podsStatus(roots)
	podTemplate(o, roots, []any{"spec"})
	o.conditions(top(roots, "Conditions"), "status", "conditions")
}

func buildStatefulSet(o *obj, roots []*node, _ []line) {
	o.selector(roots, "spec", "selector")
	if n := top(roots, "Replicas"); n != nil {
		if m := reSTSReplicas.FindStringSubmatch(n.value); m != nil {
			want, _ := intValue(m[1])
			cur, _ := intValue(m[2])
			o.set(n.num, want, "spec", "replicas")
			o.set(n.num, cur, "status", "replicas")
		}
	}
	if n := top(roots, "Update Strategy"); n != nil {
		o.set(n.num, n.value, "spec", "updateStrategy", "type")
		if p := find(n.children, "Partition"); p != nil {
			o.setInt(p, "spec", "updateStrategy", "rollingUpdate", "partition")
		}
	}
	o.podsStatus(roots)
	podTemplate(o, roots, []any{"spec"})
	if n := top(roots, "Volume Claims"); n != nil {
		var tmpls []any
		var cur map[string]any
		for _, c := range n.children {
			if !c.hasKey {
				continue
			}
			switch c.key {
			case "Name":
				cur = map[string]any{"metadata": map[string]any{"name": c.value}, "spec": map[string]any{}}
				tmpls = append(tmpls, cur)
				o.mark(c.num, "spec", "volumeClaimTemplates", len(tmpls)-1)
			case "StorageClass":
				if cur != nil && c.value != "" {
					cur["spec"].(map[string]any)["storageClassName"] = c.value
				}
			case "Capacity":
				if cur != nil && c.value != "<default>" {
					cur["spec"].(map[string]any)["resources"] = map[string]any{"requests": map[string]any{"storage": c.value}}
				}
			case "Access Modes":
				if cur != nil {
					cur["spec"].(map[string]any)["accessModes"] = accessModes(strings.Trim(c.value, "[]"), " ")
				}
			}
		}
		if tmpls != nil {
			o.set(n.num, tmpls, "spec", "volumeClaimTemplates")
		}
	}
}

func buildDaemonSet(o *obj, roots []*node, _ []line) {
	o.selector(roots, "spec", "selector")
	for key, field := range map[string]string{
		"Desired Number of Nodes Scheduled":              "desiredNumberScheduled",
		"Current Number of Nodes Scheduled":              "currentNumberScheduled",
		"Number of Nodes Scheduled with Up-to-date Pods": "updatedNumberScheduled",
		"Number of Nodes Scheduled with Available Pods":  "numberAvailable",
		"Number of Nodes Misscheduled":                   "numberMisscheduled",
	} {
		o.setInt(top(roots, key), "status", field)
	}
	o.podsStatus(roots)
	podTemplate(o, roots, []any{"spec"})
}

var reJobPods = regexp.MustCompile(`^(\d+) Active(?: \((\d+) Ready\))? / (\d+) Succeeded / (\d+) Failed$`)

func buildJob(o *obj, roots []*node, _ []line) {
	o.selector(roots, "spec", "selector")
	jobSpec(o, roots, []any{"spec"})
	if n := top(roots, "Start Time"); n != nil {
		o.set(n.num, timestamp(n.value), "status", "startTime")
	}
	if n := top(roots, "Completed At"); n != nil {
		o.set(n.num, timestamp(n.value), "status", "completionTime")
	}
	if n := top(roots, "Pods Statuses"); n != nil {
		if m := reJobPods.FindStringSubmatch(n.value); m != nil {
			for i, k := range []string{"active", "ready", "succeeded", "failed"} {
				if m[i+1] != "" {
					v, _ := intValue(m[i+1])
					o.set(n.num, v, "status", k)
				}
			}
		}
	}
	podTemplate(o, roots, []any{"spec"})
}

// jobSpec reads the fields a Job and a CronJob's job template share.
func jobSpec(o *obj, roots []*node, base []any) {
	o.setInt(top(roots, "Parallelism"), path(base, "parallelism")...)
	o.setInt(top(roots, "Completions"), path(base, "completions")...)
	o.setInt(top(roots, "Backoff Limit"), path(base, "backoffLimit")...)
	o.setInt(top(roots, "Active Deadline Seconds"), path(base, "activeDeadlineSeconds")...)
	o.setInt(top(roots, "TTL Seconds After Finished"), path(base, "ttlSecondsAfterFinished")...)
	if n := top(roots, "Completion Mode"); n != nil {
		o.set(n.num, n.value, path(base, "completionMode")...)
	}
	if n := top(roots, "Suspend"); n != nil && len(base) == 1 {
		o.set(n.num, n.value == "true" || n.value == "True", path(base, "suspend")...)
	}
}

func buildCronJob(o *obj, roots []*node, _ []line) {
	if n := top(roots, "Schedule"); n != nil {
		o.set(n.num, n.value, "spec", "schedule")
	}
	if n := top(roots, "Concurrency Policy"); n != nil {
		o.set(n.num, n.value, "spec", "concurrencyPolicy")
	}
	if n := top(roots, "Suspend"); n != nil && !none(n.value) {
		o.set(n.num, n.value == "True", "spec", "suspend")
	}
	o.setInt(top(roots, "Successful Job History Limit"), "spec", "successfulJobsHistoryLimit")
	o.setInt(top(roots, "Failed Job History Limit"), "spec", "failedJobsHistoryLimit")
	o.setInt(top(roots, "Starting Deadline Seconds"), "spec", "startingDeadlineSeconds")
	base := []any{"spec", "jobTemplate", "spec"}
	o.selector(roots, path(base, "selector")...)
	jobSpec(o, roots, base)
	podTemplate(o, roots, base)
	if n := top(roots, "Last Schedule Time"); n != nil && !none(n.value) {
		o.set(n.num, timestamp(n.value), "status", "lastScheduleTime")
	}
	if n := top(roots, "Active Jobs"); n != nil && !none(n.value) {
		var jobs []any
		for _, j := range strings.Split(n.value, ", ") {
			jobs = append(jobs, map[string]any{"kind": "Job", "name": j, "namespace": o.namespace()})
		}
		o.set(n.num, jobs, "status", "active")
	}
}

// accessModes expands kubectl's short access modes ("RWO,ROX").
func accessModes(s, sep string) []any {
	long := map[string]string{"RWO": "ReadWriteOnce", "ROX": "ReadOnlyMany", "RWX": "ReadWriteMany", "RWOP": "ReadWriteOncePod"}
	out := []any{}
	for _, m := range strings.Split(s, sep) {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if l, ok := long[m]; ok {
			m = l
		}
		out = append(out, m)
	}
	return out
}
