// Package kubectlcheck checks that ktriage's confirm commands are commands
// kubectl accepts, against kubectl's real command tree (k8s.io/kubectl's
// cobra commands, the code the kubectl binary runs), in process and without
// executing anything: the subcommand is looked up as kubectl looks it up,
// its flags parsed by its own flag set, and its positional arguments
// checked the way the command's Complete and Validate check them.
//
// It is its own Go module so that kubectl's dependencies (client-go, the
// API types, cli-runtime) stay out of the product's go.mod; `make test`
// runs it.
package kubectlcheck

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/kubectl/pkg/cmd"
)

// Check returns why kubectl would refuse args (the words after "kubectl"),
// or nil. It never runs the command.
func Check(args []string) error {
	root := cmd.NewKubectlCommand(cmd.KubectlOptions{
		IOStreams: genericiooptions.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
	})
	// Find resolves the subcommand past global flags (-n ns) as kubectl's
	// Execute does, and reports "unknown command" for the root.
	c, rest, err := root.Find(args)
	if err != nil {
		return err
	}
	if err := c.ParseFlags(rest); err != nil {
		return fmt.Errorf("%s: %w", c.CommandPath(), err)
	}
	if c == root {
		return fmt.Errorf("no kubectl subcommand in %q", args)
	}
	positional := c.Flags().Args()
	// A group (kubectl rollout) run without one of its subcommands only
	// prints its help: Find stops there without an error.
	switch {
	case !c.Runnable():
		return fmt.Errorf("%s cannot run", c.CommandPath())
	case c.HasSubCommands() && len(positional) > 0:
		return fmt.Errorf("unknown command %q for %q", positional[0], c.CommandPath())
	case c.HasSubCommands():
		return fmt.Errorf("unknown command: %s needs a subcommand", c.CommandPath())
	}
	if err := c.ValidateArgs(positional); err != nil {
		return fmt.Errorf("%s: %w", c.CommandPath(), err)
	}
	if err := c.ValidateRequiredFlags(); err != nil {
		return fmt.Errorf("%s: %w", c.CommandPath(), err)
	}
	if err := c.ValidateFlagGroups(); err != nil {
		return fmt.Errorf("%s: %w", c.CommandPath(), err)
	}
	rule, ok := argRules[c.CommandPath()]
	if !ok {
		return fmt.Errorf("%s: no argument rule in kubectlcheck for this command: add one that mirrors its Complete/Validate", c.CommandPath())
	}
	if err := rule(c, positional); err != nil {
		return fmt.Errorf("error: arguments: %s: %w", c.CommandPath(), err)
	}
	return checkOutput(c)
}

// kubectl commands declare no cobra Args validator; each checks its
// arguments in Complete or Validate, which need a cluster connection to
// run. The rules below restate those checks for the commands confirm
// commands use (paths into k8s.io/kubectl v0.37.2, pkg/cmd/).
var argRules = map[string]func(c *cobra.Command, args []string) error{
	// get/get.go, Complete: "arguments may not be passed when --raw is
	// specified"; Validate: --raw excludes -o and the request's filters and
	// must be a URL path; otherwise "You must specify the type of resource
	// to get".
	"kubectl get": func(c *cobra.Command, args []string) error {
		if !changed(c, "raw") {
			return needResource(c, args)
		}
		raw := c.Flag("raw").Value.String()
		switch {
		case len(args) > 0:
			return fmt.Errorf("arguments may not be passed when --raw is specified")
		case changed(c, "output"):
			return fmt.Errorf("--raw and --output are mutually exclusive")
		case changed(c, "watch") || changed(c, "watch-only") || changed(c, "selector"):
			return fmt.Errorf("--raw may not be specified with other flags that filter the server request or alter the output")
		case !strings.HasPrefix(raw, "/"):
			return fmt.Errorf("--raw must be a valid URL path: %q", raw)
		}
		return nil
	},
	// describe/describe.go, Complete: "You must specify the type of resource to describe".
	"kubectl describe": needResource,
	// rollout/rollout_history.go, Complete: "Required resource not specified".
	"kubectl rollout history": needResource,
	// logs/logs.go, Complete: POD or TYPE/NAME and an optional container,
	// or a selector and nothing else.
	"kubectl logs": func(c *cobra.Command, args []string) error {
		sel := changed(c, "selector")
		switch {
		case len(args) == 0 && !sel:
			return fmt.Errorf("expected POD or TYPE/NAME, or -l selector")
		case len(args) == 1 && sel:
			return fmt.Errorf("only a selector (-l) or a POD name is allowed")
		case len(args) > 2:
			return fmt.Errorf("at most POD and CONTAINER, got %q", args)
		}
		return nil
	},
	// exec/exec.go, Complete and Validate: one POD before "--", a command after it.
	"kubectl exec": func(c *cobra.Command, args []string) error {
		dash := c.ArgsLenAtDash()
		if dash < 0 {
			return fmt.Errorf("exec [POD] [COMMAND] is not supported anymore: use exec POD -- COMMAND")
		}
		if dash != 1 && !changed(c, "filename") {
			return fmt.Errorf("one POD before --, got %q", args[:dash])
		}
		if len(args) == dash {
			return fmt.Errorf("you must specify at least one command for the container")
		}
		return nil
	},
	// debug/debug.go, Validate: a target NAME; --image unless --copy-to
	// or --container names an existing one.
	"kubectl debug": func(c *cobra.Command, args []string) error {
		targets := args
		if dash := c.ArgsLenAtDash(); dash >= 0 {
			targets = args[:dash]
		}
		if len(targets) == 0 && !changed(c, "filename") {
			return fmt.Errorf("NAME or filename is required for debug")
		}
		if !changed(c, "image") && !changed(c, "copy-to") && !changed(c, "container") {
			return fmt.Errorf("you must specify --image when not using --copy-to")
		}
		if changed(c, "image") && strings.TrimSpace(c.Flag("image").Value.String()) == "" {
			return fmt.Errorf("--image is empty")
		}
		return nil
	},
}

func needResource(c *cobra.Command, args []string) error {
	if len(args) == 0 && !changed(c, "filename") && !changed(c, "kustomize") {
		return fmt.Errorf("you must specify the type of resource")
	}
	return nil
}

func changed(c *cobra.Command, name string) bool {
	f := c.Flags().Lookup(name)
	return f != nil && f.Changed
}

// checkOutput refuses an -o value no kubectl printer takes (a typo would
// pass the flag parser and fail only against a cluster).
func checkOutput(c *cobra.Command) error {
	f := c.Flags().Lookup("output")
	if f == nil || !f.Changed {
		return nil
	}
	v := f.Value.String()
	for _, ok := range []string{"json", "yaml", "wide", "name", "kyaml"} {
		if v == ok {
			return nil
		}
	}
	for _, prefix := range []string{"jsonpath=", "jsonpath-file=", "jsonpath-as-json=", "custom-columns=", "custom-columns-file=", "go-template=", "go-template-file=", "template="} {
		if strings.HasPrefix(v, prefix) {
			return nil
		}
	}
	return fmt.Errorf("%s: unknown output format %q", c.CommandPath(), v)
}
