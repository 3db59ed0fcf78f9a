package facts

import "github.com/open-policy-agent/opa/v1/ast"

// The objects are held in OPA's form only (one representation for the
// facts and the rules' input); these read the few fields the facts
// themselves and the index need.

// field follows object keys from t; nil when a step is missing or not an
// object.
func field(t *ast.Term, path ...string) *ast.Term {
	for _, k := range path {
		obj, ok := t.Value.(ast.Object)
		if !ok {
			return nil
		}
		if t = obj.Get(ast.InternedTerm(k)); t == nil {
			return nil
		}
	}
	return t
}

func termValue(t *ast.Term) ast.Value {
	if t == nil {
		return nil
	}
	return t.Value
}

func stringOf(t *ast.Term) (string, bool) {
	if t == nil {
		return "", false
	}
	s, ok := t.Value.(ast.String)
	return string(s), ok
}

// valueAt returns the value at path in v, or nil.
func valueAt(v ast.Value, path ...string) ast.Value {
	return termValue(field(&ast.Term{Value: v}, path...))
}

// stringAt returns the string at path, or "".
func stringAt(v ast.Value, path ...string) string {
	s, _ := stringOf(field(&ast.Term{Value: v}, path...))
	return s
}

// arrayAt returns the elements of the array at path.
func arrayAt(v ast.Value, path ...string) []*ast.Term {
	a, ok := valueAt(v, path...).(*ast.Array)
	if !ok {
		return nil
	}
	out := make([]*ast.Term, 0, a.Len())
	a.Foreach(func(t *ast.Term) { out = append(out, t) })
	return out
}
