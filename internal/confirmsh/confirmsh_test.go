package confirmsh

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func source(t *testing.T, script string) *Result {
	t.Helper()
	r, err := Source(t.TempDir(), script)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The stub hands back each argument whole, newlines, quotes and colons
// included.
func TestStubRecordsArgumentsIntact(t *testing.T) {
	r := source(t, "kubectl -n 'a b\nc:d' get pods 'it'\\''s' ''\nkubectl version | grep -F 'x;y'\n")
	if p := r.Check(); len(p) > 0 {
		t.Fatal(p)
	}
	want := map[string]bool{
		strings.Join([]string{"kubectl", "-n", "a b\nc:d", "get", "pods", "it's", ""}, "\x00"): true,
		strings.Join([]string{"kubectl", "version"}, "\x00"):                                   true,
		strings.Join([]string{"grep", "-F", "x;y"}, "\x00"):                                    true,
	}
	got := map[string]bool{}
	for _, c := range r.Calls {
		got[strings.Join(c, "\x00")] = true
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("calls %q", r.Calls)
	}
}

// The check can fail: an unquoted name runs what it carries.
func TestInjectionShows(t *testing.T) {
	for _, script := range []string{
		"kubectl -n shop;touch${IFS}PWNED;: get pods\n",
		"kubectl -n $(touch PWNED) get pods\n",
		// a name a'$(touch PWNED)'b wrapped in quotes without escaping its own
		"kubectl -n 'a'$(touch PWNED)'b' get pods\n",
	} {
		r := source(t, script)
		if len(r.Created) == 0 {
			t.Errorf("%q: injection not seen (%+v)", script, r)
		}
	}
	if r := source(t, "kubectl get pods <pod IP>\n"); r.Err == nil || r.Stderr == "" {
		t.Errorf("a placeholder that sh reads as a redirection passed: %+v", r)
	}
	if r := source(t, "nosuchcommand-ktriage\n"); r.Stderr == "" {
		t.Errorf("an unknown command passed: %+v", r)
	}
}

func TestShBlocks(t *testing.T) {
	md := "# x\n\n```sh\nkubectl get pods\nkubectl -n 'a\nb' get pods\n```\n\n```\nnot sh\n```\n```sh\nip link\n```\n"
	got := ShBlocks(md)
	want := []string{"kubectl get pods\nkubectl -n 'a\nb' get pods\n", "ip link\n"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q", got)
	}
}

// TestGoldenReports sources every confirm block of every golden report:
// each must run under sh without an error, an unknown command or a file
// created, and call only stubbed commands.
func TestGoldenReports(t *testing.T) {
	blocks, err := GoldenBlocks(filepath.Join("..", "..", "testdata", "dumps"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		r := source(t, b.Script)
		for _, p := range r.Check() {
			t.Errorf("%s, block %d: %s\n%s", b.File, b.Index, p, b.Script)
		}
		if len(r.Calls) == 0 {
			t.Errorf("%s, block %d: nothing ran\n%s", b.File, b.Index, b.Script)
		}
	}
}
