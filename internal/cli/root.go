// Package cli is ktriage's command line: one file per subcommand, flags
// read into a params struct, no globals.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Execute runs the command line and returns what main should exit with.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer, version string) int {
	root := newRoot(stdout, stderr, version)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err != nil {
		var ee *exitError
		switch {
		case errors.Is(err, context.Canceled):
			fmt.Fprintln(stderr, "ktriage: interrupted; the temp area was removed")
		case !errors.As(err, &ee) || ee.err != nil:
			fmt.Fprintln(stderr, "ktriage:", err)
		}
	}
	return ExitCode(err)
}

func newRoot(stdout, stderr io.Writer, version string) *cobra.Command {
	root := &cobra.Command{
		Use:   "ktriage",
		Short: "Offline triage of Kubernetes support bundles",
		Long: `ktriage reads a support bundle offline (kubectl cluster-info dump, extra
kubectl get output, pasted kubectl describe text and kubectl get tables,
saved terminal sessions, sosreports, must-gathers, per-node network
artifacts, nodes' resolv.conf and kubelet configuration), turns every
file into normalized facts, evaluates Rego rules against them and writes
an incident report (Markdown, JSON, SARIF or JUnit): what is broken, the
file:line evidence, how to confirm it on the live cluster and how to fix
it.

  ktriage collect-script > collect.sh   # what a customer runs to make a bundle
  ktriage analyze bundle.tgz            # the report
  ktriage rules list                    # what it checks`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// --version and the version command print the same line.
	root.SetVersionTemplate("ktriage {{.Version}}\n")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErr("%v (see '%s --help')", err, c.CommandPath())
	})
	root.AddCommand(newAnalyze(version), newFacts(), newRules(), newVerify(version), newCollectScript(), newVersion(version))
	return root
}

func newVersion(version string) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			fmt.Fprintln(c.OutOrStdout(), "ktriage", version)
			return nil
		},
	}
}
