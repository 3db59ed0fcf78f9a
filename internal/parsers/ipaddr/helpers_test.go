package ipaddr

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

const (
	realDir = "../../../testdata/realworld/ip-addr"
	genDir  = "testdata/generated"
)

// got is what one file parsed into.
type got struct {
	ifs       map[string]Interface
	order     []Interface
	routes    []RouteEntry
	warnings  []string
	hostnames []string
	addresses []string
	res       parsers.Result
	err       error
}

// scanText runs the scanner over content, as Parse does.
func scanText(t testing.TB, content string) got {
	t.Helper()
	s := newScanner(context.Background(), "test.txt", strings.NewReader(content))
	err := s.run()
	ifs, rts := s.result()
	g := got{ifs: map[string]Interface{}, order: ifs, routes: rts, warnings: s.allWarnings(), hostnames: s.hostnames, addresses: s.addresses(), err: err}
	for _, it := range ifs {
		if _, dup := g.ifs[it.Name]; !dup {
			g.ifs[it.Name] = it
		}
	}
	return g
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// parseContent writes content to a file and runs p.Parse on it.
func parseContent(t testing.TB, p parsers.Parser, inner, content string) (parsers.Result, error, *facts.Facts) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, filepath.FromSlash(inner))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := loader.FromFile(path, inner, inner)
	if err != nil {
		t.Fatal(err)
	}
	b := facts.NewBuilder()
	res, perr := p.Parse(context.Background(), a, b)
	return res, perr, b.Build()
}

func artifact(t testing.TB, content string) *loader.Artifact {
	t.Helper()
	path := filepath.Join(t.TempDir(), "capture.txt")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := loader.FromFile(path, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func (g got) iface(t *testing.T, name string) Interface {
	t.Helper()
	it, ok := g.ifs[name]
	if !ok {
		var names []string
		for _, x := range g.order {
			names = append(names, x.Name)
		}
		t.Fatalf("no interface %q; have %v", name, names)
	}
	return it
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// detail compares a details value by its printed form, so a test need not
// spell int64(1) for 1.
func detail(t *testing.T, it Interface, key string, want any) {
	t.Helper()
	v, ok := it.Details[key]
	if !ok {
		t.Errorf("%s: no details[%q]; details = %v", it.Name, key, it.Details)
		return
	}
	if fmt.Sprint(v) != fmt.Sprint(want) {
		t.Errorf("%s: details[%q] = %v (%T), want %v", it.Name, key, v, v, want)
	}
}

func slaveDetail(t *testing.T, it Interface, slave, key string, want any) {
	t.Helper()
	m, ok := it.Details[slave].(map[string]any)
	if !ok {
		t.Errorf("%s: no details[%q]", it.Name, slave)
		return
	}
	if fmt.Sprint(m[key]) != fmt.Sprint(want) {
		t.Errorf("%s: details[%q][%q] = %v, want %v", it.Name, slave, key, m[key], want)
	}
}

func kind(t *testing.T, it Interface, k, source string) {
	t.Helper()
	if it.Kind != k || it.KindSource != source {
		t.Errorf("%s: kind = %q (%q), want %q (%q)", it.Name, it.Kind, it.KindSource, k, source)
	}
}

func netnsid(t *testing.T, it Interface, want *int) {
	t.Helper()
	switch {
	case want == nil && it.LinkNetnsID != nil:
		t.Errorf("%s: link_netnsid = %d, want unset", it.Name, *it.LinkNetnsID)
	case want != nil && (it.LinkNetnsID == nil || *it.LinkNetnsID != *want):
		t.Errorf("%s: link_netnsid = %v, want %d", it.Name, it.LinkNetnsID, *want)
	}
}

func intp(i int) *int { return &i }

// addr finds an address of an interface.
func addr(t *testing.T, it Interface, address string) Address {
	t.Helper()
	for _, a := range it.Addresses {
		if a.Address == address {
			return a
		}
	}
	t.Fatalf("%s has no address %s; has %v", it.Name, address, it.Addresses)
	return Address{}
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

func rx(t *testing.T, it Interface, dir, key string, want uint64) {
	t.Helper()
	if it.Stats == nil {
		t.Errorf("%s: no stats", it.Name)
		return
	}
	m := it.Stats.RX
	if dir == "tx" {
		m = it.Stats.TX
	}
	v, ok := m[key]
	if !ok || v != want {
		t.Errorf("%s: stats.%s.%s = %d (present %v), want %d", it.Name, dir, key, v, ok, want)
	}
}

// route finds the first route with the given table and destination.
func (g got) route(t *testing.T, table, dst string) RouteEntry {
	t.Helper()
	for _, r := range g.routes {
		if r.Table == table && r.Dst == dst {
			return r
		}
	}
	t.Fatalf("no route %s in table %s", dst, table)
	return RouteEntry{}
}

func noWarnings(t *testing.T, g got) {
	t.Helper()
	if len(g.warnings) > 0 {
		t.Errorf("unexpected warnings: %q", g.warnings)
	}
}

func warned(t *testing.T, warnings []string, sub string) {
	t.Helper()
	for _, w := range warnings {
		if strings.Contains(w, sub) {
			return
		}
	}
	t.Errorf("no warning containing %q in %q", sub, warnings)
}

func names(ifs []Interface) string {
	var b bytes.Buffer
	for i, it := range ifs {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(it.Name)
	}
	return b.String()
}
