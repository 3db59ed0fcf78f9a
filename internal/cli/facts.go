package cli

import (
	"encoding/json"
	"errors"
	"io"

	"github.com/spf13/cobra"

	"github.com/ktriage/ktriage/internal/analyze"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/redact"
)

func newFacts() *cobra.Command {
	var output, tmpDir string
	var rp redactParams
	c := &cobra.Command{
		Use:   "facts PATH...",
		Short: "Print the facts document rules evaluate (for writing and testing rules)",
		Long: `Print the facts document that rules see as input, as JSON (schema in
docs/facts.md of the ktriage repository). Use it to write a rule against a
real bundle:

  ktriage facts bundle.tgz > facts.json
  ktriage rules test ./my-rules                # the rule's own _test.rego
  ktriage analyze --rules ./my-rules bundle.tgz

or, with OPA's own CLI, from a clone of the ktriage repository (rules/lib
holds the helpers rules import):

  opa eval -d rules/lib -d ./my-rules -i facts.json 'data.ktriage.rules'

--redact and --redact-ips work as for analyze (docs/redaction.md), so a
facts document can go with a rule to whoever helps write it. The document
holds far more than a report (every object, every log line kept): review
it before it leaves.`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("facts needs at least one PATH")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			ro, err := rp.options()
			if err != nil {
				return err
			}
			if err := checkOutput(output, args); err != nil {
				return err
			}
			// one facts document is one cluster's: several are refused
			parsed, err := analyze.Parse(c.Context(), analyze.Options{Inputs: args, TempDir: tmpDir, OneCluster: true})
			if err != nil {
				var ce *analyze.ClustersError
				if errors.Is(err, loader.ErrUnreadable) || errors.As(err, &ce) {
					return usageErr("%v", err)
				}
				return err
			}
			doc := parsed.Document()
			// Nothing below reads the bundle: remove the temp area before
			// writing, so a reader that goes away (| head) cannot leave it.
			parsed.Close()
			if err := redact.Document(doc, ro); err != nil {
				return err
			}
			return writeOutput(c, output, func(f io.Writer) error {
				enc := json.NewEncoder(f)
				enc.SetEscapeHTML(false)
				enc.SetIndent("", "  ")
				return enc.Encode(doc)
			})
		},
	}
	c.Flags().StringVarP(&output, "output", "o", "", "write to `FILE` instead of stdout")
	c.Flags().StringVar(&tmpDir, "tmp-dir", "", "make the private temp area under `DIR`")
	rp.bind(c.Flags())
	return c
}
