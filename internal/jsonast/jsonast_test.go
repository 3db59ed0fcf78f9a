package jsonast

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// reference is what the package replaces: encoding/json with UseNumber,
// then ast.InterfaceToValue.
func reference(data []byte) (ast.Value, error) {
	if !json.Valid(data) {
		return nil, errors.New("invalid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return ast.InterfaceToValue(v)
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	cases := []struct {
		name, in string
		bad      bool
	}{
		{"empty object", `{}`, false},
		{"empty array", ` [ ] `, false},
		{"scalars", `{"a":"x","b":1,"c":-2.5e3,"d":true,"e":false,"f":null,"g":0}`, false},
		{"nested", `{"metadata":{"name":"p","labels":{"app":"web"}},"spec":{"containers":[{"name":"c","ports":[{"containerPort":80}]}]}}`, false},
		{"escapes", `{"s":"a\"b\\c\/d\u00e9\n\t\ud83d\ude00"}`, false},
		{"lone surrogate", `"\ud800x"`, false},
		{"invalid utf8", "\"a\xffb\"", false},
		{"utf8", `"grüße ✓"`, false},
		{"duplicate keys: last wins", `{"a":1,"b":2,"a":3}`, false},
		{"many duplicate keys", `{"k0":0,"k1":1,"k2":2,"k3":3,"k4":4,"k5":5,"k6":6,"k7":7,"k8":8,"k9":9,"k10":10,"k11":11,"k12":12,"k13":13,"k14":14,"k15":15,"k16":16,"k3":"again"}`, false},
		{"big number", `123456789012345678901234567890`, false},
		{"interned ints", `[0,1,-1,100,512]`, false},
		{"white space", " \t\n{ \"a\" : [ 1 , 2 ] }\r\n", false},
		{"trailing text", `{} x`, true},
		{"two values", `1 2`, true},
		{"unterminated", `{"a":`, true},
		{"leading zero", `01`, true},
		{"bare minus", `-`, true},
		{"bad literal", `tru`, true},
		{"control char", "\"a\x01\"", true},
		{"missing colon", `{"a" 1}`, true},
		{"trailing comma", `[1,]`, true},
		{"empty", ``, true},
		{"huge exponent", `1e999999999999`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var d Decoder
			got, err := d.Decode([]byte(c.in))
			want, werr := reference([]byte(c.in))
			if c.bad {
				if err == nil || werr == nil {
					t.Fatalf("want both to refuse %q: got %v (err %v), reference err %v", c.in, got, err, werr)
				}
				return
			}
			if err != nil || werr != nil {
				t.Fatalf("decode %q: err %v, reference err %v", c.in, err, werr)
			}
			if ast.Compare(got, want) != 0 {
				t.Fatalf("decode %q:\n got %v\nwant %v", c.in, got, want)
			}
		})
	}
}

func TestSkipDropsMembersUnbuilt(t *testing.T) {
	in := `{"metadata":{"name":"p","managedFields":[{"manager":"kubectl","fieldsV1":{"f:spec":{}}}],"labels":{"managedFields":"kept: not under metadata"}},"spec":{"managedFields":"kept: other parent"}}`
	d := Decoder{MaxSkipDepth: 2, Skip: func(path []string, key string) bool {
		return len(path) == 1 && path[0] == "metadata" && key == "managedFields"
	}}
	got, err := d.Decode([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := ast.MustParseTerm(`{"metadata":{"name":"p","labels":{"managedFields":"kept: not under metadata"}},"spec":{"managedFields":"kept: other parent"}}`).Value
	if ast.Compare(got, want) != 0 {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestDeepNestingRefused(t *testing.T) {
	in := bytes.Repeat([]byte("["), maxDepth+2)
	var d Decoder
	if _, err := d.Decode(in); err == nil {
		t.Fatal("nesting deeper than encoding/json allows was accepted")
	}
}

// The decoder is reused for every item of a List: nothing of one value may
// leak into the next.
func TestDecoderReuse(t *testing.T) {
	var d Decoder
	for _, in := range []string{`{"a":[1,{"b":2}]}`, `[{"c":3},[]]`, `{"a":1}`} {
		got, err := d.Decode([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		want, _ := reference([]byte(in))
		if ast.Compare(got, want) != 0 {
			t.Fatalf("decode %s after others: got %v want %v", in, got, want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,"x",null,true]}`, `"\u00e9"`, `{"a":1,"a":2}`, `[1e5,-0.5]`} {
		f.Add([]byte(s))
	}
	if m, _ := filepath.Glob("../../testdata/dumps/*/cluster-info/*.json"); len(m) > 0 {
		for _, p := range m[:min(len(m), 5)] {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<16 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d Decoder
		got, err := d.Decode(data)
		want, werr := reference(data)
		if (err == nil) != (werr == nil) {
			t.Fatalf("decode %q: err %v, reference err %v", data, err, werr)
		}
		if err == nil && ast.Compare(got, want) != 0 {
			t.Fatalf("decode %q:\n got %v\nwant %v", data, got, want)
		}
	})
}
