package describe

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/parsers/parsertest"
)

// Text in the layout of kubectl's describers (describe.go, 1.20–1.33),
// one object of each kind the parser reads that no real sample covers.
const kindsText = `Name:                     shop-lb
Namespace:                shop
Labels:                   app=shop
Annotations:              service.beta.kubernetes.io/aws-load-balancer-type: nlb
Selector:                 app=shop,tier=web
Type:                     LoadBalancer
IP Family Policy:         SingleStack
IP Families:              IPv4
IP:                       10.96.7.7
IPs:                      10.96.7.7
LoadBalancer Ingress:     a1b2.elb.amazonaws.com
Port:                     <unset>  80/TCP
TargetPort:               http/TCP
NodePort:                 <unset>  31080/TCP
Endpoints:                10.244.1.5:8080,10.244.2.6:8080,10.244.3.7:8080 + 2 more...
Session Affinity:         None
External Traffic Policy:  Local
HealthCheck NodePort:     32000
Events:
  Type    Reason                Age                  From                Message
  ----    ------                ----                 ----                -------
  Normal  EnsuringLoadBalancer  3m (x4 over 2d)      service-controller  Ensuring load balancer


Name:         shop-eps
Namespace:    shop
Labels:       <none>
Annotations:  <none>
Subsets:
  Addresses:          10.244.1.5,10.244.2.6
  NotReadyAddresses:  10.244.3.9
  Ports:
    Name     Port  Protocol
    ----     ----  --------
    http     8080  TCP

Events:  <none>
---
Name:                   api
Namespace:              shop
CreationTimestamp:      Mon, 11 Mar 2024 09:14:02 +0000
Labels:                 app=api
Annotations:            deployment.kubernetes.io/revision: 3
Selector:               app=api,tier in (backend,worker)
Replicas:               3 desired | 1 updated | 3 total | 2 available | 1 unavailable
StrategyType:           RollingUpdate
MinReadySeconds:        0
RollingUpdateStrategy:  25% max unavailable, 1 max surge
Pod Template:
  Labels:           app=api
                    tier=backend
  Service Account:  api
  Containers:
   api:
    Image:      ghcr.io/acme/api:2.1
    Port:       8080/TCP
    Host Port:  0/TCP
    Limits:
      memory:  512Mi
    Requests:
      cpu:      250m
      memory:   256Mi
    Readiness:  tcp-socket :8080 delay=5s timeout=1s period=10s #success=1 #failure=3
    Environment:
      MODE:  prod
    Mounts:
      /etc/api from config (ro,path="api.yaml")
  Volumes:
   config:
    Type:      ConfigMap (a volume populated by a ConfigMap)
    Name:      api-config
    Optional:  false
  Priority Class Name:  high
  Node-Selectors:       pool=general
  Tolerations:          dedicated=api:NoSchedule
Conditions:
  Type           Status  Reason
  ----           ------  ------
  Available      True    MinimumReplicasAvailable
  Progressing    True    NewReplicaSetAvailable
OldReplicaSets:  <none>
NewReplicaSet:   api-5d9c8b6f5 (3/3 replicas created)
Events:          <none>


Name:               db
Namespace:          shop
CreationTimestamp:  Mon, 11 Mar 2024 09:14:02 +0000
Selector:           app=db
Labels:             <none>
Annotations:        <none>
Replicas:           3 desired | 2 total
Update Strategy:    RollingUpdate
  Partition:        0
Pods Status:        2 Running / 1 Waiting / 0 Succeeded / 0 Failed
Pod Template:
  Labels:  app=db
  Containers:
   postgres:
    Image:        postgres:16
    Port:         5432/TCP
    Host Port:    0/TCP
    Environment:  <none>
    Mounts:
      /var/lib/postgresql from data (rw)
  Volumes:        <none>
Volume Claims:
  Name:          data
  StorageClass:  gp3
  Labels:        <none>
  Annotations:   <none>
  Capacity:      20Gi
  Access Modes:  [ReadWriteOnce]
Events:          <none>


Name:           node-exporter
Namespace:      monitoring
Selector:       app=node-exporter
Node-Selector:  kubernetes.io/os=linux
Labels:         app=node-exporter
Annotations:    deprecated.daemonset.template.generation: 1
Desired Number of Nodes Scheduled: 3
Current Number of Nodes Scheduled: 3
Number of Nodes Scheduled with Up-to-date Pods: 3
Number of Nodes Scheduled with Available Pods: 2
Number of Nodes Misscheduled: 0
Pods Status:  2 Running / 1 Waiting / 0 Succeeded / 0 Failed
Pod Template:
  Labels:  app=node-exporter
  Containers:
   node-exporter:
    Image:        quay.io/prometheus/node-exporter:v1.7.0
    Port:         9100/TCP
    Host Port:    9100/TCP
    Environment:  <none>
    Mounts:       <none>
  Volumes:        <none>
Events:           <none>


Name:             backup-28512345
Namespace:        shop
Selector:         batch.kubernetes.io/controller-uid=5b0e
Labels:           job-name=backup-28512345
Annotations:      <none>
Controlled By:    CronJob/backup
Parallelism:      1
Completions:      1
Completion Mode:  NonIndexed
Suspend:          false
Backoff Limit:    6
Start Time:       Mon, 11 Mar 2024 09:15:00 +0000
Pods Statuses:    0 Active (0 Ready) / 0 Succeeded / 1 Failed
Pod Template:
  Labels:  job-name=backup-28512345
  Containers:
   backup:
    Image:      busybox
    Port:       <none>
    Host Port:  <none>
    Command:
      sh
      -c
      exit 3
    Environment:  <none>
    Mounts:       <none>
  Volumes:        <none>
Events:
  Type     Reason                Age   From            Message
  ----     ------                ----  ----            -------
  Warning  BackoffLimitExceeded  2m    job-controller  Job has reached the specified backoff limit


Name:                          backup
Namespace:                     shop
Labels:                        <none>
Annotations:                   <none>
Schedule:                      */15 * * * *
Concurrency Policy:            Forbid
Suspend:                       False
Successful Job History Limit:  3
Failed Job History Limit:      1
Starting Deadline Seconds:     <unset>
Selector:                      <unset>
Parallelism:                   <unset>
Completions:                   <unset>
Pod Template:
  Labels:  <none>
  Containers:
   backup:
    Image:      busybox
    Port:       <none>
    Host Port:  <none>
    Environment:  <none>
    Mounts:       <none>
  Volumes:        <none>
Last Schedule Time:  Mon, 11 Mar 2024 09:15:00 +0000
Active Jobs:         backup-28512345
Events:              <none>
`

const storageText = `Name:          data-db-0
Namespace:     shop
StorageClass:  gp3
Status:        Pending
Volume:        
Labels:        app=db
Annotations:   volume.beta.kubernetes.io/storage-provisioner: ebs.csi.aws.com
Finalizers:    [kubernetes.io/pvc-protection]
Capacity:      
Access Modes:  
VolumeMode:    Filesystem
Used By:       db-0
Events:
  Type    Reason                Age                From                         Message
  ----    ------                ----               ----                         -------
  Normal  WaitForFirstConsumer  12s (x3 over 40s)  persistentvolume-controller  waiting for first consumer to be created before binding


Name:            pv-nfs
Labels:          <none>
Annotations:     pv.kubernetes.io/bound-by-controller: yes
Finalizers:      [kubernetes.io/pv-protection]
StorageClass:    nfs
Status:          Bound
Claim:           shop/files
Reclaim Policy:  Retain
Access Modes:    RWX
VolumeMode:      Filesystem
Capacity:        100Gi
Node Affinity:   <none>
Message:         
Source:
    Type:      NFS (an NFS mount that lasts the lifetime of a pod)
    Server:    10.0.0.5
    Path:      /exports/files
    ReadOnly:  false
Events:        <none>


Name:                  gp3
IsDefaultClass:        Yes
Annotations:           storageclass.kubernetes.io/is-default-class=true
Provisioner:           ebs.csi.aws.com
Parameters:            encrypted=true,type=gp3
AllowVolumeExpansion:  True
MountOptions:          <none>
ReclaimPolicy:         Delete
VolumeBindingMode:     WaitForFirstConsumer
Events:                <none>
`

const policyText = `Name:         compute
Namespace:    shop
Scopes:       NotBestEffort, NotTerminating
 * Matches all pods that have at least one resource requirement set. These pods have a burstable or guaranteed quality of service.
 * Matches all pods that do not have an active deadline. These pods usually include long running pods whose container command is not expected to terminate.
Resource         Used   Hard
--------         ----   ----
limits.memory    1Gi    8Gi
pods             3      10
requests.cpu     750m   4


Name:       limits
Namespace:  shop
Type        Resource  Min   Max  Default Request  Default Limit  Max Limit/Request Ratio
----        --------  ---   ---  ---------------  -------------  -----------------------
Container   cpu       50m   2    100m             500m           4
Container   memory    -     4Gi  128Mi            512Mi          -
Pod         memory    -     8Gi  -                -              -


Name:         deny-all-but-web
Namespace:    shop
Created on:   2024-03-11 09:14:02 +0000 UTC
Labels:       <none>
Annotations:  <none>
Spec:
  PodSelector:     app=db
  Allowing ingress traffic:
    To Port: 5432/TCP
    From:
      PodSelector: app=api
    From:
      NamespaceSelector: team=ops
    ----------
    To Port: <any> (traffic allowed to all ports)
    From:
      IPBlock:
        CIDR: 10.0.0.0/8
        Except: 10.1.0.0/16
  Not affecting egress traffic
  Policy Types: Ingress


Name:         kube-proxy
Namespace:    kube-system
Labels:       app=kube-proxy
Annotations:  <none>

Data
====
config.conf:
----
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: "ipvs"
Name: not-a-new-object

kubeconfig.conf:
----
apiVersion: v1
kind: Config


BinaryData
====

Events:  <none>


Name:         db-password
Namespace:    shop
Labels:       <none>
Annotations:  <none>

Type:  Opaque

Data
====
password:  12 bytes


Name:         shop
Labels:       kubernetes.io/metadata.name=shop
Annotations:  <none>
Status:       Active

Resource Quotas
  Name:          compute
  Resource       Used  Hard
  --------       ---   ---
  pods           3     10

No LimitRange resource.
`

func TestKinds(t *testing.T) {
	type want struct{ path, value string }
	cases := []struct {
		text   string
		object string
		want   []want
	}{
		{kindsText, "Service/shop/shop-lb", []want{
			{"spec.selector.tier", "web"},
			{"spec.type", "LoadBalancer"},
			{"spec.clusterIP", "10.96.7.7"},
			{"spec.ports.0.port", "80"},
			{"spec.ports.0.targetPort", "http"},
			{"spec.ports.0.nodePort", "31080"},
			{"spec.externalTrafficPolicy", "Local"},
			{"spec.healthCheckNodePort", "32000"},
			{"status.loadBalancer.ingress.0.hostname", "a1b2.elb.amazonaws.com"},
		}},
		{kindsText, "Endpoints/shop/shop-lb", []want{
			{"subsets.0.addresses.2.ip", "10.244.3.7"},
			{"subsets.0.ports.0.port", "8080"},
		}},
		{kindsText, "Event/shop/shop-lb.describe-", []want{{"count", "4"}, {"ktriage.age", "3m (x4 over 2d)"}, {"involvedObject.kind", "Service"}}},
		{kindsText, "Endpoints/shop/shop-eps", []want{
			{"subsets.0.addresses.1.ip", "10.244.2.6"},
			{"subsets.0.notReadyAddresses.0.ip", "10.244.3.9"},
			{"subsets.0.ports.0.name", "http"},
			{"subsets.0.ports.0.port", "8080"},
		}},
		{kindsText, "Deployment/shop/api", []want{
			{"spec.replicas", "3"},
			{"status.availableReplicas", "2"},
			{"status.unavailableReplicas", "1"},
			{"spec.selector.matchLabels.app", "api"},
			{"spec.selector.matchExpressions.0.operator", "In"},
			{"spec.selector.matchExpressions.0.values.1", "worker"},
			{"spec.strategy.rollingUpdate.maxSurge", "1"},
			{"spec.template.metadata.labels.tier", "backend"},
			{"spec.template.spec.serviceAccountName", "api"},
			{"spec.template.spec.containers.0.readinessProbe.tcpSocket.port", "8080"},
			{"spec.template.spec.containers.0.resources.requests.cpu", "250m"},
			{"spec.template.spec.containers.0.volumeMounts.0.subPath", "api.yaml"},
			{"spec.template.spec.volumes.0.configMap.name", "api-config"},
			{"spec.template.spec.priorityClassName", "high"},
			{"spec.template.spec.nodeSelector.pool", "general"},
			{"spec.template.spec.tolerations.0.value", "api"},
			{"status.conditions.1.reason", "NewReplicaSetAvailable"},
		}},
		{kindsText, "StatefulSet/shop/db", []want{
			{"spec.replicas", "3"},
			{"status.replicas", "2"},
			{"spec.updateStrategy.type", "RollingUpdate"},
			{"spec.updateStrategy.rollingUpdate.partition", "0"},
			{"ktriage.podsStatus.waiting", "1"},
			{"spec.volumeClaimTemplates.0.metadata.name", "data"},
			{"spec.volumeClaimTemplates.0.spec.resources.requests.storage", "20Gi"},
			{"spec.volumeClaimTemplates.0.spec.accessModes.0", "ReadWriteOnce"},
		}},
		{kindsText, "DaemonSet/monitoring/node-exporter", []want{
			{"status.desiredNumberScheduled", "3"},
			{"status.numberAvailable", "2"},
			{"spec.template.spec.containers.0.ports.0.hostPort", "9100"},
		}},
		{kindsText, "Job/shop/backup-28512345", []want{
			{"metadata.ownerReferences.0.kind", "CronJob"},
			{"spec.backoffLimit", "6"},
			{"status.failed", "1"},
			{"status.ready", "0"},
			{"spec.template.spec.containers.0.command.2", "exit 3"},
		}},
		{kindsText, "Event/shop/backup-28512345.describe-", []want{{"reason", "BackoffLimitExceeded"}, {"involvedObject.kind", "Job"}, {"source.component", "job-controller"}}},
		{kindsText, "CronJob/shop/backup", []want{
			{"spec.schedule", "*/15 * * * *"},
			{"spec.concurrencyPolicy", "Forbid"},
			{"spec.suspend", "false"},
			{"spec.jobTemplate.spec.template.spec.containers.0.image", "busybox"},
			{"status.active.0.name", "backup-28512345"},
		}},
		{storageText, "PersistentVolumeClaim/shop/data-db-0", []want{
			{"spec.storageClassName", "gp3"},
			{"status.phase", "Pending"},
			{"metadata.finalizers.0", "kubernetes.io/pvc-protection"},
			{"ktriage.usedBy.0", "db-0"},
		}},
		{storageText, "Event/shop/data-db-0.describe-", []want{{"count", "3"}, {"involvedObject.kind", "PersistentVolumeClaim"}}},
		{storageText, "PersistentVolume/pv-nfs", []want{
			{"spec.claimRef.name", "files"},
			{"spec.persistentVolumeReclaimPolicy", "Retain"},
			{"spec.accessModes.0", "ReadWriteMany"},
			{"spec.capacity.storage", "100Gi"},
			{"spec.nfs.server", "10.0.0.5"},
			{"spec.nfs.readOnly", "false"},
		}},
		{storageText, "StorageClass/gp3", []want{
			{"metadata.annotations.[storageclass.kubernetes.io/is-default-class]", "true"},
			{"provisioner", "ebs.csi.aws.com"},
			{"parameters.type", "gp3"},
			{"allowVolumeExpansion", "true"},
			{"volumeBindingMode", "WaitForFirstConsumer"},
		}},
		{policyText, "ResourceQuota/shop/compute", []want{
			{"spec.scopes.1", "NotTerminating"},
			{"spec.hard.[limits.memory]", "8Gi"},
			{"status.used.[requests.cpu]", "750m"},
		}},
		{policyText, "LimitRange/shop/limits", []want{
			{"spec.limits.0.type", "Container"},
			{"spec.limits.0.min.cpu", "50m"},
			{"spec.limits.0.defaultRequest.memory", "128Mi"},
			{"spec.limits.0.default.cpu", "500m"},
			{"spec.limits.0.maxLimitRequestRatio.cpu", "4"},
			{"spec.limits.1.type", "Pod"},
			{"spec.limits.1.max.memory", "8Gi"},
		}},
		{policyText, "NetworkPolicy/shop/deny-all-but-web", []want{
			{"spec.podSelector.matchLabels.app", "db"},
			{"spec.ingress.0.ports.0.port", "5432"},
			{"spec.ingress.0.from.0.podSelector.matchLabels.app", "api"},
			{"spec.ingress.0.from.1.namespaceSelector.matchLabels.team", "ops"},
			{"spec.ingress.1.from.0.ipBlock.cidr", "10.0.0.0/8"},
			{"spec.ingress.1.from.0.ipBlock.except.0", "10.1.0.0/16"},
			{"spec.policyTypes.0", "Ingress"},
		}},
		{policyText, "ConfigMap/kube-system/kube-proxy", []want{
			{"data.[config.conf]", "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: \"ipvs\"\nName: not-a-new-object"},
			{"data.[kubeconfig.conf]", "apiVersion: v1\nkind: Config"},
		}},
		{policyText, "Namespace/shop", []want{{"status.phase", "Active"}}},
		{policyText, "ResourceQuota/shop/compute", []want{{"spec.hard.pods", "10"}}},
	}
	for _, tc := range cases {
		res := readString(t, tc.text)
		var o Object
		found := false
		for _, c := range res.Objects {
			if strings.HasPrefix(facts.KeyOf(c.Body).String(), tc.object) {
				o, found = c, true
				break
			}
		}
		if !found {
			t.Errorf("%s not read (warnings %v, counts %v)", tc.object, res.Warnings, res.Counts)
			continue
		}
		for _, w := range tc.want {
			v, ok := at(o.Body, w.path)
			if !ok {
				t.Errorf("%s %s: absent", tc.object, w.path)
			} else if str(v) != w.value {
				t.Errorf("%s %s = %q, want %q", tc.object, w.path, str(v), w.value)
			}
		}
	}
	// The Secret is never kept, its data or anything else.
	for _, c := range readString(t, policyText).Objects {
		if k := facts.KeyOf(c.Body); k.Kind == "Secret" || k.Name == "not-a-new-object" {
			t.Errorf("read %s", k)
		}
	}
}

// "Shown and empty" and "not shown" stay different: <none> gives an empty
// value, a field the describer does not print stays absent and is listed.
func TestAbsentVersusEmpty(t *testing.T) {
	res := readString(t, kindsText)
	o := object(t, res, "Deployment/shop/api")
	if v, ok := at(o.Body, "spec.template.spec.affinity"); ok {
		t.Errorf("affinity is not printed, got %v", v)
	}
	job := object(t, res, "Job/shop/backup-28512345")
	if v, ok := at(job.Body, "spec.template.spec.containers.0.ports"); !ok || len(v.([]any)) != 0 {
		t.Errorf("Port: <none> should read as an empty list, got %v %v", v, ok)
	}
	if v, ok := at(job.Body, "spec.template.spec.volumes"); !ok || len(v.([]any)) != 0 {
		t.Errorf("Volumes: <none> should read as an empty list, got %v", v)
	}
	if _, ok := at(o.Body, "spec.template.spec.containers.0.ports.0.name"); ok {
		t.Error("port names are not printed, so they must stay absent")
	}
	ns, _ := at(o.Body, "metadata.annotations.[ktriage.io/not-shown]")
	if !strings.Contains(str(ns), "spec.template.spec.containers[].ports[].name") {
		t.Errorf("not-shown list lacks the port names: %v", ns)
	}
}

func TestEventsTables(t *testing.T) {
	// kubectl before 1.10 printed FirstSeen LastSeen Count From
	// SubObjectPath Type Reason Message.
	old := "Name:\t\tweb-1\nNamespace:\tdefault\nNode:\t\tnode-1/10.0.0.1\nStatus:\t\tRunning\nIP:\t\t10.1.0.5\nContainers:\n  web:\n    Image:\tnginx\nEvents:\n" +
		"  FirstSeen\tLastSeen\tCount\tFrom\t\t\tSubObjectPath\t\tType\t\tReason\t\tMessage\n" +
		"  ---------\t--------\t-----\t----\t\t\t-------------\t\t--------\t------\t\t-------\n" +
		"  5m\t\t1m\t\t7\tkubelet, node-1\tspec.containers{web}\tWarning\t\tBackOff\t\tBack-off restarting failed container\n"
	res := readString(t, strings.ReplaceAll(old, "\t", "    "))
	var ev Object
	for _, o := range res.Objects {
		if o.Body["kind"] == "Event" {
			ev = o
		}
	}
	if ev.Body == nil {
		t.Fatalf("no event read: %v %v", res.Counts, res.Warnings)
	}
	for path, want := range map[string]string{
		"count": "7", "reason": "BackOff", "type": "Warning", "source.component": "kubelet",
		"source.host": "node-1", "message": "Back-off restarting failed container",
		"involvedObject.fieldPath": "spec.containers{web}",
	} {
		if v, _ := at(ev.Body, path); str(v) != want {
			t.Errorf("%s = %q, want %q", path, str(v), want)
		}
	}
}

// Ages kubectl cannot compute print as <unknown> or <invalid>: kept as
// text, with a count of 1 unless "(xN over …)" says more.
func TestEventAges(t *testing.T) {
	text := "Name:         web-1\nNamespace:    default\nNode:         <none>\nStatus:       Pending\nContainers:\n  web:\n    Image:  nginx\n" +
		"Events:\n  Type     Reason            Age                      From               Message\n" +
		"  ----     ------            ----                     ----               -------\n" +
		"  Warning  FailedScheduling  <unknown>                default-scheduler  0/3 nodes are available: 3 Insufficient cpu.\n" +
		"  Warning  FailedScheduling  <invalid> (x3 over 10m)  default-scheduler  0/3 nodes are available: 3 Insufficient cpu.\n"
	res := readString(t, text)
	var got []string
	for _, o := range res.Objects {
		if o.Body["kind"] == "Event" {
			age, _ := at(o.Body, "ktriage.age")
			got = append(got, str(o.Body["count"])+" "+str(age))
		}
	}
	if strings.Join(got, "; ") != "1 <unknown>; 3 <invalid> (x3 over 10m)" {
		t.Errorf("events: %q", got)
	}
}

func TestDetect(t *testing.T) {
	yes := map[string]string{
		"pod":          "Name:         web\nNamespace:    default\nPriority:     0\n",
		"node":         "Name:               n1\nRoles:              <none>\n",
		"prompt":       "$ kubectl describe pod web\nName:         web\nNamespace:    default\n",
		"crlf":         "Name:         web\r\nNamespace:    default\r\n",
		"storageclass": "Name:            gp3\nIsDefaultClass:  Yes\n",
	}
	no := map[string]string{
		"yaml":        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n",
		"unaligned":   "Name: web\nNamespace:    default\n",
		"json":        `{"kind":"Pod","metadata":{"name":"web"}}`,
		"indented":    "  Name:         web\n  Namespace:    default\n",
		"other field": "Name:         web\nSomething:    else\n",
		"log":         "I1123 10:00:00.000000       1 proxier.go:1 \"msg\"\nName:  x\n",
	}
	for n, s := range yes {
		if !detect([]byte(s)) {
			t.Errorf("%s: not detected", n)
		}
	}
	for n, s := range no {
		if detect([]byte(s)) {
			t.Errorf("%s: detected", n)
		}
	}
	for _, dir := range []string{"testdata/realworld", "../../../testdata/dumps/quota-describe-text/bundle", "../../../testdata/dumps/selector-describe-text/bundle"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.txt"))
		if len(files) == 0 {
			t.Fatalf("no samples in %s", dir)
		}
		for _, f := range files {
			a := parsertest.Load(t, f)
			if !(Describe{}).Detect(a) {
				t.Errorf("%s: not detected", f)
			}
		}
	}
}

// The parser through the builder: objects land with their field lines,
// and a file of no describe object is not applicable.
func TestParse(t *testing.T) {
	a := parsertest.Write(t, "describe.txt", kindsText)
	b := facts.NewBuilder()
	res, err := Describe{}.Parse(context.Background(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Detail, "1 deployments") {
		t.Errorf("detail %q", res.Detail)
	}
	fx := b.Build()
	o, ok := fx.Lookup(facts.ObjectKey{Kind: "Deployment", Namespace: "shop", Name: "api"})
	if !ok {
		t.Fatal("deployment not added")
	}
	if l, exact := o.Sources[0].FieldLine([]any{"spec", "replicas"}); !exact || l != 45 {
		t.Errorf("spec.replicas at line %d (exact %v), want 45", l, exact)
	}
	a = parsertest.Write(t, "other.txt", "Name:         x\nNamespace:    y\nWhatever:     z\n")
	if _, err := (Describe{}).Parse(context.Background(), a, facts.NewBuilder()); err == nil {
		t.Error("an unknown kind should be not applicable")
	}
}

func TestHostileInput(t *testing.T) {
	long := "Name:         web\nNamespace:    default\nLabels:       " + strings.Repeat("a=b,", 1<<18) + "\nContainers:\n  c:\n" + strings.Repeat("    Image:  x\n", 1000)
	res := readString(t, long)
	if res.Counts["Pod"] != 0 && res.Counts["Pod"] != 1 {
		t.Fatalf("counts %v", res.Counts)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "realworld", "pods-kubeadm-2022-flannel-coredns-etcd.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// CRLF endings and tabs in place of spaces read the same.
	crlf := strings.ReplaceAll(string(b), "\n", "\r\n")
	if got := readString(t, crlf).Counts; got["Pod"] != 3 || got["Event"] != 12 {
		t.Errorf("CRLF: %v", got)
	}
}

// kubectl 1.30+ prints a container port's name, probe thresholds by their
// field names and an event's fieldPath before its message (pkg/describe
// describeContainerPorts, DescribeProbe, DescribeEvents); text from
// tools/describetext (kubectl v0.37.2's describers).
func TestKubectl130Formats(t *testing.T) {
	text := "Name:             api-5d7f9c8b6-h6t9r\nNamespace:        shop\nStatus:           Running\nContainers:\n  api:\n" +
		"    Image:          ghcr.io/acme/shop-api:3.8.0\n" +
		"    Port:           8080/TCP (http)\n" +
		"    Host Port:      0/TCP (http)\n" +
		"    Liveness:       http-get http://:8081/healthz delay=5s timeout=1s period=10s successThreshold=1 failureThreshold=3\n" +
		"Events:\n" +
		"  Type     Reason     Age                   From     Message\n" +
		"  ----     ------     ----                  ----     -------\n" +
		"  Warning  Unhealthy  3m20s (x18 over 20m)  kubelet  spec.containers{api}: Liveness probe failed: Get \"http://10.244.1.52:8081/healthz\": dial tcp 10.244.1.52:8081: connect: connection refused\n"
	res := readString(t, text)
	pod := object(t, res, "Pod/shop/api-5d7f9c8b6-h6t9r")
	for path, want := range map[string]string{
		"spec.containers.0.ports.0.name": "http", "spec.containers.0.ports.0.containerPort": "8080",
		"spec.containers.0.livenessProbe.failureThreshold": "3", "spec.containers.0.livenessProbe.initialDelaySeconds": "5",
		"spec.containers.0.livenessProbe.httpGet.path": "/healthz", "spec.containers.0.livenessProbe.httpGet.port": "8081",
	} {
		if v, _ := at(pod.Body, path); str(v) != want {
			t.Errorf("%s = %q, want %q", path, str(v), want)
		}
	}
	ann := pod.Body["metadata"].(map[string]any)["annotations"].(map[string]any)
	if ns := str(ann[AnnotationNotShown]); ns == "" || strings.Contains(ns, "spec.containers[].ports[].name") {
		t.Errorf("port names are shown in this text, but not-shown says %q", ns)
	}
	for _, o := range res.Objects {
		if o.Body["kind"] != "Event" {
			continue
		}
		if v, _ := at(o.Body, "involvedObject.fieldPath"); str(v) != "spec.containers{api}" {
			t.Errorf("fieldPath = %q", str(v))
		}
		if v, _ := at(o.Body, "message"); !strings.HasPrefix(str(v), "Liveness probe failed: ") {
			t.Errorf("message = %q, want it without the fieldPath", str(v))
		}
	}
}

// Without any name printed (kubectl before 1.30, or only unnamed ports)
// the names stay unknown; with one printed, every port's name is shown.
func TestPortNamesWhenPrinted(t *testing.T) {
	pod := func(port string) string {
		return "Name:         api-1\nNamespace:    shop\nLabels:       app=api\nStatus:       Running\nIP:           10.244.7.10\nContainers:\n  api:\n    Image:          api:1\n    Port:           " + port + "\n    Host Port:      0/TCP\n    State:          Running\n    Ready:          True\n    Restart Count:  0\nConditions:\n  Type              Status\n  Ready             True \nEvents:            <none>\n"
	}
	res := readString(t, pod("80/TCP (http), 9102/TCP"))
	o := object(t, res, "Pod/shop/api-1")
	if v, ok := at(o.Body, "spec.containers.0.ports.1.containerPort"); !ok || str(v) != "9102" {
		t.Errorf("second port %v", v)
	}
	if ns, _ := at(o.Body, "metadata.annotations.[ktriage.io/not-shown]"); strings.Contains(str(ns), "ports[].name") {
		t.Errorf("names were printed, yet not-shown says %v", ns)
	}
	res = readString(t, pod("80/TCP"))
	o = object(t, res, "Pod/shop/api-1")
	if ns, _ := at(o.Body, "metadata.annotations.[ktriage.io/not-shown]"); !strings.Contains(str(ns), "spec.containers[].ports[].name") {
		t.Errorf("no name printed: the names stay not shown, got %v", ns)
	}
}
