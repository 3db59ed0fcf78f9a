package engine

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSandboxReadsNoHostFiles: a user rule handing the JSON Schema
// builtins a schema whose $ref names a host file does not compile, so the
// file is never opened and nothing from it reaches the report.
func TestSandboxReadsNoHostFiles(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "secret.json")
	if err := os.WriteFile(secret, []byte(`{"canary-7f3a": true}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ref := `{"$ref": "file://` + filepath.ToSlash(secret) + `"}`
	for _, call := range []string{
		`json.verify_schema(` + ref + `)`,
		`json.match_schema({"a": 1}, ` + ref + `)`,
		`json.match_schema({"a": 1}, {"$ref": "file:///etc/passwd"})`,
	} {
		t.Run(call, func(t *testing.T) {
			src := strings.NewReplacer(`id: named`, `id: schema`, `["named"]`, `["schema"]`,
				`notices contains "a notice" if true`, `notices contains sprintf("%v", [x]) if x := `+call).Replace(okRule)
			dir := userDir(t, map[string]string{"schema.rego": src})
			_, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": okRule}), UserDirs: []string{dir}})
			if err == nil {
				t.Fatal("a rule resolving a schema $ref against the host compiled")
			}
			name := call[:strings.IndexByte(call, '(')]
			if !strings.Contains(err.Error(), "builtin "+name+" is not available to ktriage rules: its $ref reads host files") {
				t.Errorf("message %q", err)
			}
			if strings.Contains(err.Error(), "canary-7f3a") || strings.Contains(err.Error(), "root:") {
				t.Errorf("the message quotes the file: %q", err)
			}
		})
	}
}

// TestSandboxIsDeterministic: builtins whose answer changes from run to run
// (a fresh random signature, the current time in certificate checks) do not
// compile, so the same bundle always gives the same report (issue 10, D12).
func TestSandboxIsDeterministic(t *testing.T) {
	for call, why := range map[string]string{
		`io.jwt.encode_sign({"alg": "ES256"}, {}, {"kty": "EC"})`:         "it signs with a random nonce",
		`io.jwt.encode_sign_raw("{}", "{}", "{}")`:                        "it signs with a random nonce",
		`crypto.x509.parse_and_verify_certificates("x")`:                  "it reads the clock",
		`crypto.x509.parse_and_verify_certificates_with_options("x", {})`: "it reads the clock",
	} {
		t.Run(call, func(t *testing.T) {
			src := strings.Replace(okRule, `notices contains "a notice" if true`, `notices contains sprintf("%v", [x]) if x := `+call, 1)
			dir := userDir(t, map[string]string{"det.rego": strings.NewReplacer(`id: named`, `id: det`, `["named"]`, `["det"]`).Replace(src)})
			_, err := New(context.Background(), Options{Builtin: builtin(map[string]string{"test/named/named.rego": okRule}), UserDirs: []string{dir}})
			if err == nil {
				t.Fatal("compiled")
			}
			name := call[:strings.IndexByte(call, '(')]
			if !strings.Contains(err.Error(), "builtin "+name+" is not available to ktriage rules: "+why) {
				t.Errorf("message %q", err)
			}
		})
	}
}
