package facts

import (
	"encoding/json"
	"math"
	"net"
	"net/netip"
	"reflect"
	"testing"
	"time"
)

type docInner struct {
	N float64 `json:"n"`
}

type docAll struct {
	S        string            `json:"s"`
	Bad      string            `json:"bad"`
	I        int               `json:"i"`
	I8       int8              `json:"i8"`
	U        uint64            `json:"u"`
	U16      uint16            `json:"u16"`
	F        float64           `json:"f"`
	Small    float64           `json:"small"`
	Big      float64           `json:"big"`
	F32      float32           `json:"f32"`
	NegZero  float64           `json:"neg_zero"`
	B        bool              `json:"b"`
	NilSlice []string          `json:"nil_slice"`
	Empty    []string          `json:"empty"`
	Arr      [2]uint8          `json:"arr"`
	NilMap   map[string]int    `json:"nil_map"`
	Map      map[string]any    `json:"map"`
	Ptr      *docInner         `json:"ptr"`
	NilPtr   *docInner         `json:"nil_ptr"`
	Inner    docInner          `json:"inner"`
	Any      any               `json:"any"`
	Omit     string            `json:"omit,omitempty"`
	OmitZero int               `json:"omit_zero,omitempty"`
	OmitMap  map[string]string `json:"omit_map,omitempty"`
	Kept     int               `json:"kept,omitempty"`
	Skip     string            `json:"-"`
	Dash     string            `json:"-,"`
	NoTag    string
	BadTag   string `json:"a\"b"`
	private  string
}

// ToDoc's walk gives what encoding/json's round trip gives, and whatever
// it cannot do exactly goes the round trip's way.
func TestToDocMatchesEncodingJSON(t *testing.T) {
	all := docAll{
		S: "x <&> \u2028", Bad: "a\xffb\xe2\x82", I: -3, I8: -128, U: math.MaxUint64, U16: 65535,
		F: 0.1, Small: 1e-7, Big: 1e21, F32: 3.14, NegZero: math.Copysign(0, -1), B: true,
		Empty: []string{}, Arr: [2]uint8{1, 2},
		Map: map[string]any{"k\xff": uint32(7), "n": nil, "l": []any{1.5, "a", false}},
		Ptr: &docInner{N: 2}, Inner: docInner{N: -0.000001}, Any: map[string]int{"z": 1},
		Kept: 1, Skip: "no", Dash: "yes", NoTag: "t", BadTag: "b", private: "p",
	}
	type embedded struct {
		docInner
		X int `json:"x"`
	}
	type stringOpt struct {
		N int `json:"n,string"`
	}
	// The tagged field wins the name (encoding/json's dominance rule).
	type twice struct {
		A int
		B int `json:"A"`
	}
	for name, v := range map[string]any{
		"every kind":             all,
		"a pointer to it":        &all,
		"nil":                    nil,
		"a nil pointer":          (*docAll)(nil),
		"a top-level slice":      []docInner{{1}, {2.5}},
		"a map of structs":       map[string]docInner{"a": {1}},
		"NaN (Marshal fails)":    docInner{N: math.NaN()},
		"bytes (base64)":         struct{ B []byte }{[]byte("hi")},
		"an IP (TextMarshaler)":  struct{ IP net.IP }{net.ParseIP("10.0.0.1")},
		"a netip.Addr":           map[string]netip.Addr{"a": netip.MustParseAddr("::1")},
		"a time (MarshalJSON)":   struct{ T time.Time }{time.Unix(1, 0).UTC()},
		"an embedded struct":     embedded{docInner{1}, 2},
		"a ,string field":        stringOpt{5},
		"two fields, one name":   twice{1, 2},
		"a map with int keys":    map[int]string{1: "a"},
		"keys made one by UTF-8": map[string]int{"\xff": 1, "\xfe": 2},
		"a channel":              struct{ C chan int }{},
		"json.Number values":     map[string]json.Number{"a": "12", "b": "", "c": "1e3"},
	} {
		got, want := ToDoc(v), toDocJSON(v)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nToDoc     %#v\nround trip %#v", name, got, want)
		}
	}
	if _, ok := walkDoc(reflect.ValueOf(all)); !ok {
		t.Error("the walk gave up on plain values")
	}
}
