package describe

import (
	"regexp"
	"strings"
)

// kindInfo says how to build one kind and what its describer leaves out.
type kindInfo struct {
	apiVersion string
	build      func(o *obj, roots []*node, lines []line)
	// notShown lists fields (dotted, [] for list elements) that the
	// describer never prints: a rule reading them from a partial object
	// cannot tell "absent" from "not shown" without this list.
	notShown []string
}

var podTemplateNotShown = []string{
	"spec.template.spec.containers[].ports[].name", "spec.template.spec.containers[].env",
	"spec.template.spec.containers[].lifecycle",
	"spec.template.spec.initContainers[].restartPolicy", "spec.template.spec.affinity",
	"spec.template.spec.securityContext", "spec.template.spec.restartPolicy",
	"spec.template.spec.imagePullSecrets",
}

var kinds map[string]kindInfo

func init() {
	kinds = map[string]kindInfo{
		"Pod": {"v1", buildPod, []string{
			"spec.containers[].ports[].name", "spec.containers[].env", "spec.containers[].lifecycle", "spec.initContainers[].restartPolicy",
			"spec.affinity", "spec.securityContext", "spec.restartPolicy", "spec.dnsPolicy",
			"status.conditions[].reason", "status.conditions[].message", "status.conditions[].lastTransitionTime",
			"status.containerStatuses[].state.waiting.message", "metadata.creationTimestamp",
			"metadata.ownerReferences[].uid", "spec.imagePullSecrets",
		}},
		"Node":                  {"v1", buildNode, []string{"status.images", "status.daemonEndpoints", "status.volumesAttached"}},
		"Deployment":            {"apps/v1", buildDeployment, append([]string{"status.readyReplicas", "status.conditions[].message", "metadata.ownerReferences"}, podTemplateNotShown...)},
		"ReplicaSet":            {"apps/v1", buildReplicaSet, append([]string{"status.readyReplicas", "status.availableReplicas", "status.conditions[].message", "metadata.ownerReferences[].uid"}, podTemplateNotShown...)},
		"StatefulSet":           {"apps/v1", buildStatefulSet, append([]string{"status.readyReplicas", "status.availableReplicas", "spec.serviceName", "metadata.ownerReferences"}, podTemplateNotShown...)},
		"DaemonSet":             {"apps/v1", buildDaemonSet, append([]string{"status.numberReady", "spec.updateStrategy", "metadata.ownerReferences"}, podTemplateNotShown...)},
		"Job":                   {"batch/v1", buildJob, append([]string{"status.conditions", "metadata.ownerReferences[].uid"}, podTemplateNotShown...)},
		"CronJob":               {"batch/v1", buildCronJob, []string{"spec.jobTemplate.spec.template.spec.containers[].ports[].name", "spec.jobTemplate.spec.template.spec.containers[].env", "spec.jobTemplate.spec.template.spec.containers[].lifecycle", "spec.timeZone"}},
		"Service":               {"v1", buildService, []string{"spec.ports[].appProtocol", "status.conditions", "spec.publishNotReadyAddresses", "metadata.creationTimestamp"}},
		"Endpoints":             {"v1", buildEndpoints, []string{"subsets[].addresses[].targetRef", "subsets[].addresses[].nodeName", "metadata.creationTimestamp"}},
		"PersistentVolumeClaim": {"v1", buildPVC, []string{"spec.resources", "spec.selector", "metadata.creationTimestamp"}},
		"PersistentVolume":      {"v1", buildPV, []string{"spec.mountOptions", "spec.nodeAffinity", "metadata.creationTimestamp"}},
		"StorageClass":          {"storage.k8s.io/v1", buildStorageClass, []string{"metadata.labels", "metadata.creationTimestamp"}},
		"ResourceQuota":         {"v1", buildQuota, []string{"spec.scopeSelector", "metadata.labels", "metadata.annotations", "metadata.creationTimestamp"}},
		"LimitRange":            {"v1", buildLimitRange, []string{"metadata.labels", "metadata.annotations", "metadata.creationTimestamp"}},
		"NetworkPolicy":         {"networking.k8s.io/v1", buildNetworkPolicy, []string{"spec.ingress[].ports[].endPort", "spec.egress[].ports[].endPort"}},
		"ConfigMap":             {"v1", buildConfigMap, []string{"binaryData", "immutable", "metadata.creationTimestamp"}},
		"Namespace":             {"v1", buildNamespace, []string{"metadata.creationTimestamp", "spec.finalizers"}},
	}
}

var (
	reRSReplicas  = regexp.MustCompile(`^(\d+) current / (\d+) desired$`)
	reDepReplicas = regexp.MustCompile(`^(\d+) desired \| (\d+) updated \| (\d+) total \| (\d+) available \| (\d+) unavailable$`)
	reSTSReplicas = regexp.MustCompile(`^(\d+) desired \| (\d+) total$`)
)

// classify names the kind of a described object from the fields its
// describer prints (the text never says the kind).
func classify(roots []*node) string {
	has := map[string]*node{}
	plain := map[string]bool{} // top-level lines that are not fields
	for _, n := range roots {
		if n.indent != 0 {
			continue
		}
		if n.hasKey {
			if _, dup := has[n.key]; !dup {
				has[n.key] = n
			}
		} else {
			plain[strings.Join(strings.Fields(n.text), " ")] = true
		}
	}
	key := func(k string) bool { _, ok := has[k]; return ok }
	val := func(k string) string {
		if n := has[k]; n != nil {
			return n.value
		}
		return ""
	}
	switch {
	case key("Roles") || key("System Info") || key("Non-terminated Pods") || key("Unschedulable"):
		return "Node"
	case key("Desired Number of Nodes Scheduled"):
		return "DaemonSet"
	case key("StrategyType") || key("NewReplicaSet") || reDepReplicas.MatchString(val("Replicas")):
		return "Deployment"
	case key("Update Strategy") || key("Volume Claims") || reSTSReplicas.MatchString(val("Replicas")):
		return "StatefulSet"
	case key("Schedule") && key("Concurrency Policy"):
		return "CronJob"
	case key("Pods Statuses") || (key("Completions") && key("Pod Template")):
		return "Job"
	case reRSReplicas.MatchString(val("Replicas")):
		return "ReplicaSet"
	case key("Containers") && (key("QoS Class") || key("Node") || key("IP") || key("Status")):
		return "Pod"
	case key("Subsets"):
		return "Endpoints"
	case key("Session Affinity") || key("TargetPort") || key("IP Families") || (key("Type") && key("IP") && key("Selector")):
		return "Service"
	case key("IsDefaultClass") || key("Provisioner"):
		return "StorageClass"
	case key("Reclaim Policy") && key("Claim"):
		return "PersistentVolume"
	case key("Access Modes") && key("Volume") && key("Namespace"):
		return "PersistentVolumeClaim"
	case key("Created on") || (key("Spec") && hasChild(has["Spec"], "PodSelector")):
		return "NetworkPolicy"
	case plain["Resource Used Hard"] && key("Namespace"):
		return "ResourceQuota"
	case plain["Type Resource Min Max Default Request Default Limit Max Limit/Request Ratio"]:
		return "LimitRange"
	case plain["Data"] && key("Type"):
		return "Secret"
	case plain["Data"] && key("Namespace"):
		return "ConfigMap"
	case !key("Namespace") && key("Status") && (plain["No resource quota."] || plain["Resource Quotas"] || plain["No LimitRange resource."] || plain["Resource Limits"] || onlyMeta(has)):
		return "Namespace"
	}
	return ""
}

func hasChild(n *node, prefix string) bool {
	if n == nil {
		return false
	}
	for _, c := range n.children {
		if strings.HasPrefix(c.text, prefix) {
			return true
		}
	}
	return false
}

func onlyMeta(has map[string]*node) bool {
	for k := range has {
		switch k {
		case "Name", "Labels", "Annotations", "Status", "Conditions":
		default:
			return false
		}
	}
	return true
}
