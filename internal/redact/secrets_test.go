package redact

import (
	"strings"
	"testing"
)

func TestSecretName(t *testing.T) {
	yes := []string{
		"DB_PASSWORD", "password", "PGPASSWORD", "MYSQL_ROOT_PASSWORD", "passwd", "REGISTRY_PASS",
		"clientSecret", "client-secret", "CLIENT_SECRET", "token", "--token", "ACCESSTOKEN",
		"x-auth-token", "api_key", "API_KEY", "apiKey", "APIKey", "X-Api-Key", "APIKEY",
		"aws_secret_access_key", "AWS_ACCESS_KEY", "private_key", "privateKey", "ssh-privatekey",
		"client-key-data", "tls.key", "id_rsa", "credentials", "GOOGLE_CREDENTIALS", "auth",
		"OAUTH2_TOKEN", "AccountKey", "SharedAccessKey", "Cookie", ".dockerconfigjson",
		"refresh-token", "id-token", "passphrase", "DB_PWD",
	}
	no := []string{
		"PWD", "OLDPWD", "secretName", "secretKeyRef", "secretRef", "token-ttl",
		"--token-auth-file", "--authorization-mode", "authorization", "author", "tokenizer",
		"passthrough", "bypass", "compass", "maxTokens", "password_min_length", "AUTH_TYPE",
		"key", "name", "value", "kind", "sessionAffinity", "client-certificate-data",
		"certificate-authority-data", "private_key_id", "token_url", "--service-account-key-file",
		"CALICO_IPV4POOL_IPIP", "FELIX_IPINIPMTU", "veth_mtu", "passwordless", "keyring",
	}
	for _, n := range yes {
		if !secretName(n) {
			t.Errorf("secretName(%q) = false, want true", n)
		}
	}
	for _, n := range no {
		if secretName(n) {
			t.Errorf("secretName(%q) = true, want false", n)
		}
	}
}

// Each form a secret takes in a quoted line, and look-alikes that are
// evidence and must stay.
func TestRedactSecrets(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJpc3MiOiJrdWJlcm5ldGVzIiwic3ViIjoic3lzdGVtIn0.c2lnbmF0dXJlLWJ5dGVzLWhlcmU"
	cases := []struct{ name, in, want string }{
		// Key and value on one line.
		{"env KEY=value", "DB_PASSWORD=hunter2", "DB_PASSWORD=[REDACTED]"},
		{"env in a message", "container app sets DB_PASSWORD=hunter2 and DEBUG=1", "container app sets DB_PASSWORD=[REDACTED] and DEBUG=1"},
		{"quoted KEY=value", `API_KEY="a b c"`, `API_KEY="[REDACTED]"`},
		{"yaml block", "  password: hunter2", "  password: [REDACTED]"},
		{"yaml list item", "- token: abc.def # from vault", "- token: [REDACTED] # from vault"},
		{"yaml quoted", `password: "p@ss word"`, `password: "[REDACTED]"`},
		{"yaml inline", "login failed, password: hunter2 user: bob", "login failed, password: [REDACTED] user: bob"},
		{"json", `"password": "hunter2",`, `"password": "[REDACTED]",`},
		{"json escaped", `{\"token\":\"abc123\"}`, `{\"token\":\"[REDACTED]\"}`},
		{"json number", `{"pin_password": 123456}`, `{"pin_password": [REDACTED]}`},
		{"json env pair", `{"name":"DB_PASSWORD","value":"hunter2"}`, `{"name":"DB_PASSWORD","value":"[REDACTED]"}`},
		{"json env pair spaced", `{"name": "STRIPE_API_KEY", "value": "abc"}`, `{"name": "STRIPE_API_KEY", "value": "[REDACTED]"}`},
		{"yaml flow env pair", `env: [{name: DB_PASSWORD, value: hunter2}]`, `env: [{name: DB_PASSWORD, value: [REDACTED]}]`},
		{"reverse env pair", `{"value":"hunter2","name":"DB_PASSWORD"}`, `{"value":"[REDACTED]","name":"DB_PASSWORD"}`},
		{"flag =", "kube-apiserver --token=abc123 --v=2", "kube-apiserver --token=[REDACTED] --v=2"},
		{"flag space", "mysql --password hunter2 --host db", "mysql --password [REDACTED] --host db"},
		{"query string", "GET /api?user=bob&api_key=abc123&x=1", "GET /api?user=bob&api_key=[REDACTED]&x=1"},
		{"connection string", "Server=db;User Id=sa;Password=hunter2;", "Server=db;User Id=sa;Password=[REDACTED];"},
		{"azure account key", "AccountName=x;AccountKey=c2VjcmV0;EndpointSuffix=core", "AccountName=x;AccountKey=[REDACTED];EndpointSuffix=core"},
		{"kubeconfig token", "    token: abcdef0123456789", "    token: [REDACTED]"},
		{"kubeconfig client-key-data", "    client-key-data: LS0tLS1CRUdJTg==", "    client-key-data: [REDACTED]"},
		{"secret data key", "  tls.key: LS0tLS1CRUdJTg==", "  tls.key: [REDACTED]"},
		{"header", "X-Api-Key: abc123", "X-Api-Key: [REDACTED]"},
		{"sysctl", "net.ipv6.conf.tunl0.stable_secret = 2091:acd3:419f:3223:23b1:3847:b2f0:3f4e", "net.ipv6.conf.tunl0.stable_secret = [REDACTED]"},
		{"ini", "aws_secret_access_key = q7Vx2Lk9Rb0W", "aws_secret_access_key = [REDACTED]"},
		// Shapes.
		{"authorization bearer", "Authorization: Bearer abc.def-ghi", "Authorization: Bearer [REDACTED]"},
		{"authorization curl", `curl -H "Authorization: Basic dXNlcjpwYXNz" https://x`, `curl -H "Authorization: Basic [REDACTED]" https://x`},
		{"bearer alone", "sent bearer abcdefghijkl0123 to the api", "sent bearer [REDACTED] to the api"},
		{"basic alone", "basic dXNlcjpwYXNz", "basic [REDACTED]"},
		{"jwt", "token in log: " + jwt + " end", "token in log: [REDACTED:jwt] end"},
		{"jwt without key", "x " + jwt, "x [REDACTED:jwt]"},
		{"pem", "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----[REDACTED:private-key]-----END RSA PRIVATE KEY-----"},
		{"pem escaped in json", `"key": "-----BEGIN PRIVATE KEY-----\nMIIEv\n-----END PRIVATE KEY-----\n"`, `"key": "-----BEGIN PRIVATE KEY-----[REDACTED:private-key]-----END PRIVATE KEY-----\n"`},
		{"pem cut short", `x: "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE`, `x: "-----BEGIN EC PRIVATE KEY-----[REDACTED:private-key]`},
		{"aws access key", "aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "aws_access_key_id = [REDACTED:aws-access-key]"},
		{"github token", "ghp_0123456789abcdefghijABCDEFGHIJ012345", "[REDACTED:github-token]"},
		{"slack token", "xoxb-123456789012-abcdefABCDEF", "[REDACTED:slack-token]"},
		{"url credentials", "postgres://app:s3cr3t@db.internal:5432/app", "postgres://app:[REDACTED]@db.internal:5432/app"},
		{"url credentials https", "pulling https://bob:pa55@registry.example.com/v2/", "pulling https://bob:[REDACTED]@registry.example.com/v2/"},
		{"high entropy", "blob Zm9vYmFyYmF6cXV4UVdFUlRZdWlvcGFzZGZnaGprbHp4Y3Zibm0xMjM0NTY3ODkw end", "blob [REDACTED:high-entropy] end"},

		// Evidence that must stay.
		{"values that are not secrets", "automountServiceAccountToken: false", "automountServiceAccountToken: false"},
		{"secret name reference", "secretName: db-creds", "secretName: db-creds"},
		{"secretKeyRef", `"secretKeyRef": {"name": "db", "key": "password"}`, `"secretKeyRef": {"name": "db", "key": "password"}`},
		{"env reference", "DB_PASSWORD=$(DB_PASSWORD_FROM_SECRET)", "DB_PASSWORD=$(DB_PASSWORD_FROM_SECRET)"},
		{"valueFrom", `- name: DB_PASSWORD`, `- name: DB_PASSWORD`},
		{"path value", "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key", "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key"},
		{"PWD", "PWD=/root", "PWD=/root"},
		{"token file flag", "--token-auth-file=/etc/tokens.csv", "--token-auth-file=/etc/tokens.csv"},
		{"authorization mode", "--authorization-mode=Node,RBAC", "--authorization-mode=Node,RBAC"},
		{"already redacted", "password: <redacted>", "password: <redacted>"},
		{"marker", "password: [REDACTED]", "password: [REDACTED]"},
		{"calico env", `"value": "Always"`, `"value": "Always"`},
		{"configmap", `veth_mtu: "1440"`, `veth_mtu: "1440"`},
		{"image digest", "image: nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31", "image: nginx@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31"},
		{"container id", "containerID: containerd://5f8a2c1e9b0d4f7a6c3e2b1d0f9e8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f", "containerID: containerd://5f8a2c1e9b0d4f7a6c3e2b1d0f9e8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f"},
		{"uid", `uid: 7c1e2f3a-1b2c-4d5e-8f90-1234567890ab`, `uid: 7c1e2f3a-1b2c-4d5e-8f90-1234567890ab`},
		{"resourceVersion", `resourceVersion: "123456789"`, `resourceVersion: "123456789"`},
		{"kubelet path", "/var/lib/kubelet/pods/7c1e2f3a-1b2c-4d5e-8f90-1234567890ab/volumes/kubernetes.io~projected/kube-api-access-x2k8p", "/var/lib/kubelet/pods/7c1e2f3a-1b2c-4d5e-8f90-1234567890ab/volumes/kubernetes.io~projected/kube-api-access-x2k8p"},
		{"camel identifiers", "KubeProxyIPTablesRestoreFailuresTotalForNode2Metric", "KubeProxyIPTablesRestoreFailuresTotalForNode2Metric"},
		{"url without credentials", "https://registry.example.com:5000/v2/", "https://registry.example.com:5000/v2/"},
		{"prose", "a Bearer token is required; basic auth is off", "a Bearer token is required; basic auth is off"},
		{"pem certificate header", "-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----"},
		{"ip addr line", "inet 10.0.0.4/24 brd 10.0.0.255 scope global eth0", "inet 10.0.0.4/24 brd 10.0.0.255 scope global eth0"},
		{"etcd embed", "client-cert-auth = true, crl-file = ", "client-cert-auth = true, crl-file = "},
		{"trailing comma", "DB_PASSWORD=hunter2, DEBUG=1", "DB_PASSWORD=[REDACTED], DEBUG=1"},
		{"empty values", "client-cert=, client-key=, trusted-ca=/etc/ca.crt", "client-cert=, client-key=, trusted-ca=/etc/ca.crt"},
		{"logger prefix", "W | auth: simple token is not cryptographically signed", "W | auth: simple token is not cryptographically signed"},
		{"etcd auth_revision", `username:\"kube-apiserver-etcd-client\" auth_revision:1 > txn`, `username:\"kube-apiserver-etcd-client\" auth_revision:1 > txn`},
		{"calico marks", "acceptMark=0x10000 passMark=0x20000", "acceptMark=0x10000 passMark=0x20000"},
		{"flags named auth", "--auth-local and --auth-host, the next time", "--auth-local and --auth-host, the next time"},
		{"help text", "      --kubelet-client-key string   Path to a client key file for TLS.", "      --kubelet-client-key string   Path to a client key file for TLS."},
		{"help metavar", "  --token TOKEN   bearer token", "  --token TOKEN   bearer token"},
		{"iptables", "-A KUBE-SVC-XYZ -m comment --comment \"default/web:http\" -j KUBE-SEP-ABC", "-A KUBE-SVC-XYZ -m comment --comment \"default/web:http\" -j KUBE-SEP-ABC"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := redactSecrets(c.in)
			if got != c.want {
				t.Errorf("redactSecrets(%q)\n got %q\nwant %q", c.in, got, c.want)
			}
			if again := redactSecrets(got); again != got {
				t.Errorf("not idempotent: %q → %q", got, again)
			}
		})
	}
}

func TestLooksRandom(t *testing.T) {
	random := []string{
		"Zm9vYmFyYmF6cXV4UVdFUlRZdWlvcGFzZGZnaGprbHp4Y3Zibm0xMjM0NTY3ODkw",
		"q7Vx2Lk9Rb0WmZ3pT8sYd1Hc5NfJgE4uAiK6oQwX",                         // an AWS secret key's shape
		"MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgHcTz6sE2I2yPB", // a PEM body line
	}
	for _, s := range random {
		if !looksRandom(s) {
			t.Errorf("looksRandom(%q) = false", s)
		}
	}
	plain := []string{
		"0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31",
		"/var/lib/kubelet/pods/7c1e2f3a-1b2c-4d5e-8f90-1234567890ab/volumes",
		"KubeProxyIPTablesRestoreFailuresTotalForNode2Metric",
		"io_k8s_api_core_v1_PodSpec_containers_resources_limits_memory",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA1a",
		"/home/User/Projects/MyApp2/src/main/java/Example",
	}
	for _, s := range plain {
		if looksRandom(s) {
			t.Errorf("looksRandom(%q) = true", s)
		}
	}
}

// A name line and a value line read together, as a rule that cites both
// lines of an env entry shows them.
func TestLearnLines(t *testing.T) {
	cases := []struct {
		name  string
		lines []string
		want  string // a value that must be learnt
	}{
		{"yaml env", []string{"- name: DB_PASSWORD", "  value: hunter2"}, "hunter2"},
		{"json env", []string{`"name": "API_TOKEN",`, `"value": "s3cr3t-value"`}, "s3cr3t-value"},
		{"block scalar", []string{"password: |", "  correct horse battery", "next: 1"}, "correct horse battery"},
		{"secret data", []string{"kind: Secret", "data:", "  username: YWRtaW4xMjM=", "metadata:"}, "YWRtaW4xMjM="},
		{"secret json", []string{`{"kind":"Secret","data":{"username":"YWRtaW4xMjM="}}`}, "YWRtaW4xMjM="},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &run{secrets: true, learned: map[string]bool{}}
			r.learnLines(c.lines)
			if !r.learned[c.want] {
				t.Errorf("learnt %v, want %q", r.learned, c.want)
			}
		})
	}
	r := &run{secrets: true, learned: map[string]bool{}}
	r.learnLines([]string{"kind: ConfigMap", "data:", "  veth_mtu: \"1440\"", "  mode: Always"})
	r.learnLines([]string{"- name: CALICO_IPV4POOL_IPIP", "  value: Always"})
	if len(r.learned) != 0 {
		t.Errorf("learnt %v from a ConfigMap and a plain env entry", r.learned)
	}
}

func TestReplaceLearned(t *testing.T) {
	r := &run{secrets: true, learned: map[string]bool{}}
	r.learn("hunter2")
	for _, w := range []string{"Always", "password", "true", "1234", "<redacted>"} {
		r.learn(w) // words, booleans, short numbers, markers: not learnt
	}
	r.start()
	got := r.replaceLearned("value: hunter2; hunter22 xhunter2 (hunter2) Always password true 1234")
	want := "value: [REDACTED]; hunter22 xhunter2 ([REDACTED]) Always password true 1234"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if strings.Contains(redactSecrets(got), "hunter2)") {
		t.Error("learnt value survived")
	}
}
