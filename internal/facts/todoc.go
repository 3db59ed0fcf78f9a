package facts

import (
	"encoding"
	"encoding/json"
	"math"
	"os"
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// toDocCheck makes ToDoc compare its walk with encoding/json's round trip
// on every call and panic on a difference (KTRIAGE_TODOC_CHECK=1: `make
// test` sets it, so every parser's result in every test, the golden runs
// of the binary included, is checked).
var toDocCheck = os.Getenv("KTRIAGE_TODOC_CHECK") == "1"

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
	jsonNumber    = reflect.TypeFor[json.Number]()
)

// walkDoc is encoding/json's Marshal then Decode(UseNumber) of v, walked
// directly; ok is false where that cannot be done exactly here.
func walkDoc(v reflect.Value) (out any, ok bool) {
	if !v.IsValid() {
		return nil, true
	}
	t := v.Type()
	// json.Number is written as the number it holds (or "0", or an
	// error): the round trip's business.
	if t == jsonNumber || t.Implements(jsonMarshaler) || t.Implements(textMarshaler) ||
		reflect.PointerTo(t).Implements(jsonMarshaler) || reflect.PointerTo(t).Implements(textMarshaler) {
		return nil, false
	}
	switch v.Kind() {
	case reflect.Interface, reflect.Pointer:
		if v.IsNil() {
			return nil, true
		}
		return walkDoc(v.Elem())
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return json.Number(strconv.FormatInt(v.Int(), 10)), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return json.Number(strconv.FormatUint(v.Uint(), 10)), true
	case reflect.Float32, reflect.Float64:
		return floatNumber(v.Float(), t.Bits())
	case reflect.String:
		return JSONString(v.String()), true
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return nil, false // base64
		}
		if v.IsNil() {
			return nil, true
		}
		return walkList(v)
	case reflect.Array:
		return walkList(v)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, false
		}
		if v.IsNil() {
			return nil, true
		}
		m := make(map[string]any, v.Len())
		it := v.MapRange()
		for it.Next() {
			k := JSONString(it.Key().String())
			if _, dup := m[k]; dup {
				return nil, false // two keys made one by the UTF-8 repair
			}
			x, ok := walkDoc(it.Value())
			if !ok {
				return nil, false
			}
			m[k] = x
		}
		return m, true
	case reflect.Struct:
		m := map[string]any{}
		names := map[string]bool{}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Anonymous {
				return nil, false
			}
			if !f.IsExported() {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			omitEmpty := false
			for opts != "" {
				var o string
				o, opts, _ = strings.Cut(opts, ",")
				switch o {
				case "omitempty":
					omitEmpty = true
				case "":
				default:
					return nil, false // ",string", ",omitzero", …
				}
			}
			if name == "" || !validTagName(name) {
				name = f.Name
			}
			if names[name] {
				return nil, false // encoding/json drops both
			}
			names[name] = true
			fv := v.Field(i)
			if omitEmpty && emptyValue(fv) {
				continue
			}
			x, ok := walkDoc(fv)
			if !ok {
				return nil, false
			}
			m[name] = x
		}
		return m, true
	}
	return nil, false // channels, functions, complex numbers: Marshal fails
}

func walkList(v reflect.Value) (any, bool) {
	out := make([]any, v.Len())
	for i := range out {
		x, ok := walkDoc(v.Index(i))
		if !ok {
			return nil, false
		}
		out[i] = x
	}
	return out, true
}

// floatNumber is encoding/json's float encoding (floatEncoder.encode).
func floatNumber(f float64, bits int) (any, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil, false
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b := strconv.AppendFloat(nil, f, format, -1, bits)
	if format == 'e' {
		// clean up e-09 to e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return json.Number(b), true
}

// emptyValue is encoding/json's isEmptyValue, for omitempty.
func emptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}

// validTagName is encoding/json's isValidTag.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// JSONString is s after encoding/json's Marshal and Unmarshal: each byte
// that is not part of valid UTF-8 becomes U+FFFD.
func JSONString(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
