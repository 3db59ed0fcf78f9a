package engine

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// RunTests runs the test_* rules of the embedded tree and the given
// directories with OPA's own tester, under the same sandbox the rules run
// in, so a test cannot pass by calling a builtin the analysis lacks.
func RunTests(ctx context.Context, builtin fs.FS, dirs []string, filter string) ([]*tester.Result, error) {
	mods, err := LoadModules(builtin, dirs, true)
	if err != nil {
		return nil, err
	}
	parsed, err := Parse(mods)
	if err != nil {
		return nil, err
	}
	if err := checkNamespaces(mods, parsed); err != nil {
		return nil, err
	}
	store := inmem.NewWithOpts(inmem.OptRoundTripOnWrite(false))
	r := tester.NewRunner().
		SetCompiler(NewCompiler()).
		SetStore(store).
		SetModules(parsed).
		SetTimeout(30 * time.Second).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true)
	if filter != "" {
		r = r.Filter(filter)
	}
	ch, err := r.RunTests(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("compile rule tests: %w", err)
	}
	var out []*tester.Result
	for res := range ch {
		out = append(out, res)
	}
	return out, nil
}
