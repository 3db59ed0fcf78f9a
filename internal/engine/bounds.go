package engine

import (
	"fmt"
	"math/big"
	"net"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
	"github.com/open-policy-agent/opa/v1/topdown/builtins"
)

// MaxRangeNumbers bounds the array numbers.range and numbers.range_step
// build, and MaxCIDRExpandBits the host bits net.cidr_expand expands (a
// /16 of IPv4: 65,536 addresses). OPA builds the whole answer before the
// rule sees it and only checks for cancellation between elements, so
// numbers.range(1, 2e9) or net.cidr_expand("10.0.0.0/4") ran the process
// out of memory before any time budget ended. A million numbers cost
// about 100 MB; no rule about one cluster needs more.
const (
	MaxRangeNumbers   = 1_000_000
	MaxCIDRExpandBits = 16
)

// OPA prefixes a builtin's error with its name. The bounds wrap OPA's own implementations, so within them the answers
// are OPA's. They are registered for the whole process: ktriage's rules
// and their tests are the only Rego it evaluates.
func init() {
	for _, name := range []string{ast.NumbersRange.Name, ast.NumbersRangeStep.Name} {
		name, orig := name, topdown.GetBuiltin(name)
		topdown.RegisterBuiltinFunc(name, func(bctx topdown.BuiltinContext, ops []*ast.Term, iter func(*ast.Term) error) error {
			if err := checkRange(name, ops); err != nil {
				return err
			}
			return orig(bctx, ops, iter)
		})
	}
	orig := topdown.GetBuiltin(ast.NetCIDRExpand.Name)
	topdown.RegisterBuiltinFunc(ast.NetCIDRExpand.Name, func(bctx topdown.BuiltinContext, ops []*ast.Term, iter func(*ast.Term) error) error {
		if s, err := builtins.StringOperand(ops[0].Value, 1); err == nil {
			if _, n, err := net.ParseCIDR(string(s)); err == nil {
				ones, bits := n.Mask.Size()
				if host := bits - ones; host > MaxCIDRExpandBits {
					size := fmt.Sprint(uint64(1) << host)
					if host >= 63 {
						size = fmt.Sprintf("2^%d", host)
					}
					return fmt.Errorf("%s holds %s addresses, over the %d a rule may expand (test membership with net.cidr_contains instead)", string(s), size, 1<<MaxCIDRExpandBits)
				}
			}
		}
		return orig(bctx, ops, iter)
	})
}

func checkRange(name string, ops []*ast.Term) error {
	x, err := builtins.BigIntOperand(ops[0].Value, 1)
	if err != nil {
		return nil // OPA reports the bad operand
	}
	y, err := builtins.BigIntOperand(ops[1].Value, 2)
	if err != nil {
		return nil
	}
	step := big.NewInt(1)
	// ops may carry the output term after the inputs: the step is read
	// only for range_step.
	if name == ast.NumbersRangeStep.Name {
		if step, err = builtins.BigIntOperand(ops[2].Value, 3); err != nil || step.Sign() <= 0 {
			return nil
		}
	}
	n := new(big.Int).Sub(y, x)
	n.Abs(n)
	n.Quo(n, step)
	n.Add(n, big.NewInt(1))
	if n.Cmp(big.NewInt(MaxRangeNumbers)) > 0 {
		return fmt.Errorf("the range has %s numbers, over the %d a rule may build", n, MaxRangeNumbers)
	}
	return nil
}
