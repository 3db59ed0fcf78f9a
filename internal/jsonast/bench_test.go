package jsonast

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// benchItems reads the items of the Lists in KTRIAGE_JSONAST_BENCH (a
// dump directory, e.g. testdata/bench/bundle-20000pods) the way the kube
// stream parser frames them.
func benchItems(b *testing.B) [][]byte {
	dir := os.Getenv("KTRIAGE_JSONAST_BENCH")
	if dir == "" {
		b.Skip("set KTRIAGE_JSONAST_BENCH to a dump directory")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.json"))
	var items [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		var l struct{ Items []json.RawMessage }
		if json.Unmarshal(data, &l) != nil {
			continue
		}
		for _, it := range l.Items {
			items = append(items, it)
		}
	}
	return items
}

// BenchmarkItems compares, item by item: encoding/json into generic values
// then ast.InterfaceToValue (what the parser did), and this package.
func BenchmarkItems(b *testing.B) {
	items := benchItems(b)
	var size int64
	for _, it := range items {
		size += int64(len(it))
	}
	for _, convert := range []bool{true, false} {
		name := "encoding-json-only"
		if convert {
			name = "encoding-json+InterfaceToValue"
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(size)
			for b.Loop() {
				for _, it := range items {
					dec := json.NewDecoder(bytes.NewReader(it))
					dec.UseNumber()
					var v any
					if err := dec.Decode(&v); err != nil {
						b.Fatal(err)
					}
					if !convert {
						continue
					}
					if _, err := ast.InterfaceToValue(v); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
	b.Run("jsonast", func(b *testing.B) {
		b.SetBytes(size)
		var d Decoder
		for b.Loop() {
			for _, it := range items {
				if _, err := d.Decode(it); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
