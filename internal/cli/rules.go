package cli

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/rules"
)

func newRules() *cobra.Command {
	c := &cobra.Command{
		Use:   "rules",
		Short: "List, explain and test rules",
	}
	c.AddCommand(newRulesList(), newRulesExplain(), newRulesTest())
	return c
}

func newRulesList() *cobra.Command {
	rp := &ruleParams{}
	var asJSON bool
	c := &cobra.Command{
		Use:   "list",
		Short: "List the rules: id, category, severity, what they need",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			e, err := engine.New(c.Context(), rp.options())
			if err != nil {
				return usageErr("%v", err)
			}
			if asJSON {
				enc := json.NewEncoder(c.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(e.Rules())
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCATEGORY\tSEVERITY\tNEEDS\tTITLE")
			for _, r := range e.Rules() {
				needs := strings.Join(r.Needs, ",")
				if needs == "" {
					needs = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.ID, r.Category, r.Severity, needs, r.Title)
			}
			return tw.Flush()
		},
	}
	rp.bind(c.Flags())
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return c
}

func newRulesExplain() *cobra.Command {
	rp := &ruleParams{}
	c := &cobra.Command{
		Use:   "explain ID",
		Short: "Explain a rule from its METADATA",
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr("explain needs exactly one rule ID (see 'ktriage rules list')")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			e, err := engine.New(c.Context(), rp.options())
			if err != nil {
				return usageErr("%v", err)
			}
			for _, r := range e.Rules() {
				if r.ID == args[0] {
					fmt.Fprint(c.OutOrStdout(), ExplainText(r))
					return nil
				}
			}
			return usageErr("unknown rule id %q (see 'ktriage rules list')", args[0])
		},
	}
	rp.bind(c.Flags())
	return c
}

// ExplainText is a rule's documentation, as `rules explain` prints it and
// docs/rules/<id>.md holds it.
func ExplainText(r engine.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", r.ID)
	fmt.Fprintf(&b, "**%s**\n\n", r.Title)
	fmt.Fprintf(&b, "| | |\n|---|---|\n| Category | `%s` |\n| Severity | %s |\n", r.Category, r.Severity)
	needs := "nothing beyond the bundle"
	if len(r.Needs) > 0 {
		needs = "`" + strings.Join(r.Needs, "`, `") + "`"
		needs = strings.ReplaceAll(needs, "|", "` or `")
	}
	fmt.Fprintf(&b, "| Needs | %s |\n| Source | `%s` |\n\n", needs, r.File)
	fmt.Fprintf(&b, "## What it checks\n\n%s\n\n", wrapParagraph(r.Description))
	fmt.Fprintf(&b, "## How to fix\n\n%s\n\n", wrapParagraph(r.Remediation))
	if len(r.References) > 0 {
		fmt.Fprintf(&b, "## References\n\n")
		for _, ref := range r.References {
			fmt.Fprintf(&b, "- %s\n", ref)
		}
		fmt.Fprintln(&b)
	}
	return b.String()
}

func wrapParagraph(s string) string { return strings.Join(strings.Fields(s), " ") }

func newRulesTest() *cobra.Command {
	var filter string
	c := &cobra.Command{
		Use:   "test [DIR...]",
		Short: "Run Rego unit tests (test_* rules) of the built-in rules and of DIRs",
		Long: `Run the test_* rules in *_test.rego files with OPA's tester, under the
same sandbox analysis uses. Without DIR, the built-in rules are tested; with
DIRs, the tests in those directories are run and reported, with the
built-in rules and library (data.ktriage.lib) available to import.

Exit status: 0 when every test passes, 1 when one fails, 2 when the rules
or tests do not compile.`,
		RunE: func(c *cobra.Command, dirs []string) error {
			var builtin = rules.FS
			results, err := engine.RunTests(c.Context(), builtin, dirs, filter)
			if err != nil {
				return usageErr("%v", err)
			}
			failed, passed := 0, 0
			for _, r := range results {
				if len(dirs) > 0 && r.Location != nil && strings.HasPrefix(r.Location.File, "rules/") {
					continue
				}
				switch {
				case r.Error != nil:
					failed++
					fmt.Fprintf(c.OutOrStdout(), "ERROR %s.%s (%s): %v\n", r.Package, r.Name, r.Location, r.Error)
				case r.Fail:
					failed++
					fmt.Fprintf(c.OutOrStdout(), "FAIL  %s.%s (%s)\n", r.Package, r.Name, r.Location)
				default:
					passed++
				}
			}
			fmt.Fprintf(c.OutOrStdout(), "%d passed, %d failed\n", passed, failed)
			if failed > 0 {
				return &exitError{code: ExitFindings}
			}
			return nil
		},
	}
	c.Flags().StringVar(&filter, "run", "", "run only tests whose name matches this `REGEX`")
	return c
}
