package redact_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/cli"
)

// The command line, end to end: ktriage analyze and ktriage facts with
// the redaction flags, on the MTU incident fixture.

var fixture = filepath.Join("..", "..", "testdata", "dumps", "mtu-calico-ipip-incident", "bundle")

func ktriage(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Execute(context.Background(), args, &out, &errb, "test")
	return out.String(), errb.String(), code
}

func TestCLIAnalyzeRedactIPs(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("a-key-for-this-test-only\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	plain, _, code := ktriage(t, "analyze", "--format", "json", fixture)
	if code != cli.ExitFindings {
		t.Fatalf("exit %d", code)
	}
	args := []string{"analyze", "--format", "json", "--redact-ips", "--redact-key-file", keyFile, fixture}
	out, stderr, code := ktriage(t, args...)
	if code != cli.ExitFindings {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, a := range []string{"10.0.0.4", "10.0.0.5", "10.244.5.10", "10.244.4.10"} {
		if !strings.Contains(plain, a) {
			t.Fatalf("the plain report lacks %s: the test proves nothing", a)
		}
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(a) + `\b`).MatchString(out) {
			t.Errorf("%s survived --redact-ips", a)
		}
	}
	if !strings.Contains(out, "1440 + 20 (IPIP) = 1460 > eth0 1450") {
		t.Error("the finding's arithmetic was lost")
	}
	if !strings.Contains(out, `"redaction": "secrets and IP addresses (pseudonyms from a given key`) || strings.Contains(plain, `"redaction"`) {
		t.Error("the report must say it was redacted, and only then")
	}
	again, _, _ := ktriage(t, args...)
	if again != out {
		t.Error("the same key file gave two different reports")
	}
	random, _, _ := ktriage(t, "analyze", "--format", "json", "--redact-ips", fixture)
	if random == out {
		t.Error("no key gave the key file's report")
	}
	md, _, _ := ktriage(t, "analyze", "--redact-ips", "--redact-key-file", keyFile, fixture)
	if strings.Contains(md, "10.0.0.4") || !strings.Contains(md, "HIGH — Overlay MTU") {
		t.Error("the Markdown report is not redacted the same way")
	}
}

func TestCLIRedactFlagErrors(t *testing.T) {
	short := filepath.Join(t.TempDir(), "short")
	os.WriteFile(short, []byte("short\n"), 0o600)
	for _, args := range [][]string{
		{"analyze", "--redact-key", "0123456789abcdef0123", fixture},                          // no --redact-ips
		{"analyze", "--redact-ips", "--redact-key", "short", fixture},                         // guessable
		{"analyze", "--redact-ips", "--redact-key-file", short, fixture},                      // guessable
		{"analyze", "--redact-ips", "--redact-key-file", "/nonexistent/key", fixture},         // unreadable
		{"analyze", "--redact-ips", "--redact-key", "x", "--redact-key-file", short, fixture}, // both
		{"facts", "--redact-key", "0123456789abcdef0123", fixture},
	} {
		if _, stderr, code := ktriage(t, args...); code != cli.ExitUsage || stderr == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestCLIFactsRedact(t *testing.T) {
	out, stderr, code := ktriage(t, "facts", "--redact-ips", "--redact-key", "a-key-for-this-test-only", fixture)
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, a := range []string{"10.0.0.4", "10.0.0.5", "10.244.5.10", "10.244.4.10"} {
		if regexp.MustCompile(`\b` + regexp.QuoteMeta(a) + `\b`).MatchString(out) {
			t.Errorf("%s survived facts --redact-ips", a)
		}
	}
	if !strings.Contains(out, `"mtu": 1450`) || !strings.Contains(out, `"169.254.1.1"`) {
		t.Error("the facts lost their MTUs or the kept link-local gateway")
	}
}
