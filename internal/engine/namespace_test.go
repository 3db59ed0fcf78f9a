package engine

import (
	"context"
	"strings"
	"testing"
)

// TestUserModulesStayOutOfTheBuiltinNamespace: a user module that declares
// a built-in rule's package (or a library's, or a package above one, from
// where a ref head reaches into it) would add findings the report puts
// under the built-in rule; it is refused (issue 10, D13).
func TestUserModulesStayOutOfTheBuiltinNamespace(t *testing.T) {
	lib := "package ktriage.lib.x\n\nf(a) := a\n"
	builtins := builtin(map[string]string{"test/named/named.rego": okRule, "lib/x.rego": lib})
	for name, src := range map[string]string{
		"same package":    "package ktriage.rules.test[\"named\"]\n\nfindings contains {\"message\": \"planted\"} if true\n",
		"package above":   "package ktriage.rules.test\n\nnamed.findings contains {\"message\": \"planted\"} if true\n",
		"the root":        "package ktriage.rules\n\ntest.named.findings contains {\"message\": \"planted\"} if true\n",
		"inside a rule":   "package ktriage.rules.test[\"named\"].deeper\n\nx := 1\n",
		"a library":       "package ktriage.lib.x\n\ng(a) := a\n",
		"above a library": "package ktriage.lib\n\nx.g(a) := a\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := userDir(t, map[string]string{"evil.rego": src})
			_, err := New(context.Background(), Options{Builtin: builtins, UserDirs: []string{dir}})
			if err == nil {
				t.Fatal("a user module in the built-in namespace was accepted")
			}
			if !strings.Contains(err.Error(), "evil.rego") || !strings.Contains(err.Error(), "built-in") {
				t.Errorf("message %q", err)
			}
			if _, err := RunTests(context.Background(), builtins, []string{dir}, ""); err == nil || !strings.Contains(err.Error(), "built-in") {
				t.Errorf("rules test: %v", err)
			}
		})
	}
	// Beside the built-in ones, in the same family, is fine.
	mine := strings.NewReplacer(`id: named`, `id: mine`, `["named"]`, `["mine"]`).Replace(okRule)
	dir := userDir(t, map[string]string{"mine.rego": mine, "lib.rego": "package ktriage.lib.mine\n\nf(a) := a\n"})
	if _, err := New(context.Background(), Options{Builtin: builtins, UserDirs: []string{dir}}); err != nil {
		t.Fatal(err)
	}
}
