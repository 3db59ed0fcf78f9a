package kubeletconfig

import (
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestForms(t *testing.T) {
	kubeadm, err := os.ReadFile("testdata/kubeadm-config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	configz, err := os.ReadFile("testdata/configz.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, in string
		n        int // configurations read
		source   string
		dns      []any
		resolv   any // nil: not set
		lines    map[string]int
		first    int
		api      string
		warnings int
	}{
		{
			name: "kubeadm's /var/lib/kubelet/config.yaml", in: string(kubeadm), n: 1, source: "file",
			dns: []any{"10.96.0.10"}, resolv: "/run/systemd/resolve/resolv.conf",
			lines: map[string]int{"clusterDNS": 16, "resolvConf": 38, "kind": 28}, first: 1, api: "kubelet.config.k8s.io/v1beta1",
		},
		{
			name: "configz on one line", in: string(configz), n: 1, source: "configz",
			dns: []any{"10.96.0.10"}, resolv: "/etc/resolv.conf", lines: map[string]int{"clusterDNS": 1, "resolvConf": 1}, first: 1,
		},
		{
			name: "configz pretty-printed (jq), kind and apiVersion present", n: 1, source: "configz",
			in:  "{\n  \"kubeletconfig\": {\n    \"clusterDomain\": \"cluster.local\",\n    \"clusterDNS\": [\n      \"169.254.20.10\"\n    ],\n    \"resolvConf\": \"/run/systemd/resolve/resolv.conf\",\n    \"kind\": \"KubeletConfiguration\",\n    \"apiVersion\": \"kubelet.config.k8s.io/v1beta1\"\n  }\n}\n",
			dns: []any{"169.254.20.10"}, resolv: "/run/systemd/resolve/resolv.conf", lines: map[string]int{"clusterDNS": 4, "resolvConf": 7}, first: 2,
			api: "kubelet.config.k8s.io/v1beta1",
		},
		{
			name: "kubeadm init config: only the KubeletConfiguration document is read", n: 1, source: "file",
			in:  "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking:\n  serviceSubnet: 10.96.0.0/12\n---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS: [\"10.32.0.10\"]\n",
			dns: []any{"10.32.0.10"}, lines: map[string]int{"clusterDNS": 8, "kind": 7}, first: 6, api: "kubelet.config.k8s.io/v1beta1",
		},
		{
			name: "JSON KubeletConfiguration file without resolvConf (the default applies)", n: 1, source: "file",
			in:  `{"kind":"KubeletConfiguration","apiVersion":"kubelet.config.k8s.io/v1beta1","clusterDNS":["10.100.0.10"]}`,
			dns: []any{"10.100.0.10"}, first: 1, api: "kubelet.config.k8s.io/v1beta1", lines: map[string]int{"clusterDNS": 1},
		},
		{
			name: "a broken document is a warning, the good one is read", n: 1, source: "file", warnings: 1,
			in:  "kind: KubeletConfiguration\nclusterDNS: [10.0.0.10\n---\nkind: KubeletConfiguration\nclusterDNS: [10.0.0.10]\n",
			dns: []any{"10.0.0.10"}, first: 4, lines: map[string]int{"clusterDNS": 5},
		},
		{name: "OpenShift's KubeletConfig CR is a cluster object, not this", in: "apiVersion: machineconfiguration.openshift.io/v1\nkind: KubeletConfig\nmetadata:\n  name: x\n"},
		{name: "a ConfigMap holding the configuration is not this", in: "apiVersion: v1\nkind: ConfigMap\ndata:\n  kubelet: |\n    kind: KubeletConfiguration\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			es, warnings, err := Read(strings.NewReader(tc.in), "f")
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != tc.n || len(warnings) != tc.warnings {
				t.Fatalf("%d configurations, warnings %q; want %d, %d", len(es), warnings, tc.n, tc.warnings)
			}
			if tc.n == 0 {
				return
			}
			e := es[0]
			if e.Source != tc.source || e.Line != tc.first || e.APIVersion != tc.api {
				t.Errorf("source %q line %d api %q, want %q %d %q", e.Source, e.Line, e.APIVersion, tc.source, tc.first, tc.api)
			}
			if got := e.Config["clusterDNS"]; !reflect.DeepEqual(got, tc.dns) {
				t.Errorf("clusterDNS %#v, want %#v", got, tc.dns)
			}
			if got := e.Config["resolvConf"]; got != tc.resolv {
				t.Errorf("resolvConf %#v, want %#v", got, tc.resolv)
			}
			for k, l := range tc.lines {
				if e.Lines[k] != l {
					t.Errorf("line of %s: %d, want %d", k, e.Lines[k], l)
				}
			}
		})
	}
}

func TestDetect(t *testing.T) {
	yes := []string{
		`{"kubeletconfig":{"clusterDNS":["10.96.0.10"]}}`,
		"  {\n \"kubeletconfig\" : {}}",
		"apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
		"kind: \"KubeletConfiguration\"\r\nclusterDNS: []\r\n",
		`{"apiVersion":"kubelet.config.k8s.io/v1beta1","kind":"KubeletConfiguration"}`,
	}
	no := []string{
		"",
		`{"kind":"ConfigMap","data":{"kubelet":"kind: KubeletConfiguration\n"}}`,
		`{"apiVersion":"v1","items":[{"kind":"KubeletConfiguration","apiVersion":"kubelet.config.k8s.io/v1beta1"}]}`,
		"apiVersion: v1\nkind: ConfigMap\ndata:\n  kubelet: |\n    kind: KubeletConfiguration\n",
		"kind: ClusterConfiguration\n---\nkind: KubeletConfiguration\n",
		"apiVersion: machineconfiguration.openshift.io/v1\nkind: KubeletConfig\n",
		`{"configz":{}}`,
	}
	for _, s := range yes {
		if !detect([]byte(s)) {
			t.Errorf("detect(%q) = false", s)
		}
	}
	for _, s := range no {
		if detect([]byte(s)) {
			t.Errorf("detect(%q) = true", s)
		}
	}
}
