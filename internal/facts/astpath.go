package facts

import "github.com/open-policy-agent/opa/v1/ast"

// The objects are held in OPA's form only (one representation for the
// facts and the rules' input); these read the few fields the facts
// themselves need.

// valueAt returns the value at path (object keys) in v, or nil.
func valueAt(v ast.Value, path ...string) ast.Value {
	for _, k := range path {
		o, ok := v.(ast.Object)
		if !ok {
			return nil
		}
		t := o.Get(ast.InternedTerm(k))
		if t == nil {
			return nil
		}
		v = t.Value
	}
	return v
}

// stringAt returns the string at path, or "".
func stringAt(v ast.Value, path ...string) string {
	s, _ := valueAt(v, path...).(ast.String)
	return string(s)
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
