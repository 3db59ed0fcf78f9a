package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ktriage/ktriage/internal/analyze"
	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/redact"
	"github.com/ktriage/ktriage/internal/report"
	"github.com/ktriage/ktriage/internal/verify"
)

func newVerify(version string) *cobra.Command {
	rp := &ruleParams{}
	var tmpDir string
	c := &cobra.Command{
		Use:   "verify [--rules DIR]... FIXTURES...",
		Short: "Run rules over fixtures and check each fixture's expect.yaml",
		Long: `Run the rules (built-in plus --rules) over every fixture found under
FIXTURES and check what each fixture's expect.yaml says: the findings it
must and must not produce (rule, subjects, message parts, evidence files,
count), the exit status, what became of given inputs, and checks reported
as not run. A fixture is a directory holding expect.yaml and the bundle it
names under inputs; the project's own fixtures in testdata/dumps are the
examples (docs/writing-rules.md).

Exit status: 0 when every fixture passes, 1 when one fails, 2 for usage
errors or rules that do not compile.`,
		Example: `  ktriage verify --rules ./our-rules ./our-fixtures`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("verify needs at least one FIXTURES directory")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			out := c.OutOrStdout()
			var dirs []string
			for _, a := range args {
				found, err := verify.Find(a)
				if err != nil {
					return usageErr("%v", err)
				}
				dirs = append(dirs, found...)
			}
			if len(dirs) == 0 {
				return usageErr("no %s under %s", verify.FileName, strings.Join(args, ", "))
			}
			failed := 0
			for _, dir := range dirs {
				problems, err := verifyOne(c, rp, dir, tmpDir, version)
				switch {
				case err != nil:
					failed++
					fmt.Fprintf(out, "FAIL %s\n  - %v\n", dir, err)
				case len(problems) > 0:
					failed++
					fmt.Fprintf(out, "FAIL %s\n", dir)
					for _, p := range problems {
						fmt.Fprintf(out, "  - %s\n", p)
					}
				default:
					fmt.Fprintf(out, "ok   %s\n", dir)
				}
			}
			fmt.Fprintf(out, "%d fixture(s), %d failed\n", len(dirs), failed)
			if failed > 0 {
				return &exitError{code: ExitFindings}
			}
			return nil
		},
	}
	rp.bind(c.Flags())
	c.Flags().StringVar(&tmpDir, "tmp-dir", "", "make the private temp areas under `DIR`")
	return c
}

// verifyOne analyses one fixture as `ktriage analyze` would, with the
// fixture's args on top of the command line's rule flags.
func verifyOne(c *cobra.Command, rp *ruleParams, dir, tmpDir, version string) ([]string, error) {
	fx, err := verify.Load(dir)
	if err != nil {
		return nil, err
	}
	r, p, err := fixtureReport(c, rp, fx, tmpDir, version)
	if err != nil && errors.Is(err, loader.ErrUnreadable) && fx.Expect.Refused() {
		return verify.CheckRefusal(fx.Expect, ExitUsage, err.Error()), nil
	}
	if err != nil {
		if errors.Is(err, loader.ErrUnreadable) {
			return []string{fmt.Sprintf("exit status %d: %v", ExitUsage, err)}, nil
		}
		return nil, err
	}
	// Artifact paths in a report are relative to each input, so they read
	// the same as when analyze runs in the fixture's directory.
	problems := verify.Check(fx.Expect, r, exitFor(r, p.failOn))
	if fx.Expect.SameFindingsAs != "" {
		other := filepath.Join(dir, fx.Expect.SameFindingsAs)
		if filepath.Clean(other) == filepath.Clean(dir) {
			return nil, fmt.Errorf("same_findings_as names the fixture itself")
		}
		ofx, err := verify.Load(other)
		if err != nil {
			return nil, fmt.Errorf("same_findings_as: %w", err)
		}
		or, _, err := fixtureReport(c, rp, ofx, tmpDir, version)
		if err != nil {
			return nil, fmt.Errorf("same_findings_as %s: %w", fx.Expect.SameFindingsAs, err)
		}
		problems = append(problems, verify.CompareFindings(verify.FindingKeys(or), verify.FindingKeys(r), fx.Expect.SameFindingsAs)...)
	}
	return problems, nil
}

// fixtureReport analyses a fixture with its args on top of the command
// line's rule flags, and redacts the report when the args ask for it (a
// fixture may expect findings of a redacted report).
func fixtureReport(c *cobra.Command, rp *ruleParams, fx verify.Fixture, tmpDir, version string) (*report.Report, *analyzeParams, error) {
	p := &analyzeParams{rules: *rp}
	fs := pflag.NewFlagSet("expect.yaml args", pflag.ContinueOnError)
	bindAnalyzeFlags(fs, p)
	p.rules = *rp // the fixture's own --rules/--enable add to the command line's
	if err := fs.Parse(fx.Expect.Args); err != nil {
		return nil, nil, fmt.Errorf("args: %v", err)
	}
	if err := p.check(); err != nil {
		return nil, nil, fmt.Errorf("args: %v", err)
	}
	eng, err := engine.New(c.Context(), p.rules.options())
	if err != nil {
		return nil, nil, err
	}
	inputs := make([]string, len(fx.Expect.Inputs))
	for i, in := range fx.Expect.Inputs {
		inputs[i] = in
		if !filepath.IsAbs(in) {
			inputs[i] = filepath.Join(fx.Dir, in)
		}
	}
	opts := analyze.Options{Inputs: inputs, Limits: p.limits, TempDir: tmpDir, EvalTimeout: p.timeout, Version: version}
	parsed, err := analyze.Parse(c.Context(), opts)
	if err != nil {
		return nil, nil, err
	}
	defer parsed.Close()
	r, err := analyze.Evaluate(c.Context(), parsed, eng, opts)
	if err != nil {
		return nil, nil, err
	}
	if err := redact.Report(r, p.redactOpts); err != nil {
		return nil, nil, err
	}
	return r, p, nil
}
