package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ktriage/ktriage/internal/analyze"
	"github.com/ktriage/ktriage/internal/engine"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/redact"
	"github.com/ktriage/ktriage/internal/report"
	"github.com/ktriage/ktriage/rules"
)

type analyzeParams struct {
	format   string
	output   string
	failOn   string
	rules    ruleParams
	limits   loader.Limits
	tmpDir   string
	timeout  time.Duration
	maxFile  string
	maxTotal string
	minFree  string
	stats    bool
	redact   redactParams
	// redactOpts is what check makes of the redact flags.
	redactOpts redact.Options
}

// ruleParams are the flags every command that loads rules shares.
type ruleParams struct {
	dirs    []string
	enable  []string
	disable []string
}

func (rp *ruleParams) bind(fs *pflag.FlagSet) {
	fs.StringArrayVar(&rp.dirs, "rules", nil, "add the Rego rules in `DIR` (or one .rego file); repeatable")
	fs.StringSliceVar(&rp.enable, "enable", nil, "run only these rule `IDs` (comma-separated or repeated)")
	fs.StringSliceVar(&rp.disable, "disable", nil, "do not run these rule `IDs` (comma-separated or repeated); a symptom that would point at one of them keeps its own severity")
}

func (rp *ruleParams) options() engine.Options {
	return engine.Options{Builtin: rules.FS, Compiled: rules.Compiled(), UserDirs: rp.dirs, Enable: rp.enable, Disable: rp.disable}
}

// redactParams are the redaction flags analyze and facts share.
type redactParams struct {
	secrets bool
	ips     bool
	key     string
	keyFile string
}

func (rp *redactParams) bind(fs *pflag.FlagSet) {
	fs.BoolVar(&rp.secrets, "redact", false, "hide passwords, tokens, keys and credentials in everything the output quotes (docs/redaction.md)")
	fs.BoolVar(&rp.ips, "redact-ips", false, "also replace IP addresses with pseudonyms that keep subnets; implies --redact")
	fs.StringVar(&rp.key, "redact-key", "", "map addresses with `KEY` (16+ characters) so outputs agree across runs (default: a random key per run)")
	fs.StringVar(&rp.keyFile, "redact-key-file", "", "read the --redact-key from `FILE` (keeps it out of shell history and ps)")
}

// options checks the redaction flags. --redact-ips implies --redact: a
// report fit to leave the team with its addresses hidden but its
// passwords in clear is not a case worth a flag.
func (rp *redactParams) options() (redact.Options, error) {
	o := redact.Options{Secrets: rp.secrets || rp.ips, IPs: rp.ips}
	key := rp.key
	if rp.keyFile != "" {
		if rp.key != "" {
			return o, usageErr("give --redact-key or --redact-key-file, not both")
		}
		b, err := os.ReadFile(rp.keyFile)
		if err != nil {
			return o, usageErr("--redact-key-file: %v", err)
		}
		key = strings.TrimRight(string(b), "\r\n")
	}
	if key == "" {
		return o, nil
	}
	if !rp.ips {
		return o, usageErr("--redact-key seeds the address mapping: it needs --redact-ips")
	}
	if len(key) < redact.MinKeyLen {
		return o, usageErr("the redaction key is shorter than %d characters: whoever guesses it can undo the address mapping", redact.MinKeyLen)
	}
	o.Key = []byte(key)
	return o, nil
}

func newAnalyze(version string) *cobra.Command {
	p := &analyzeParams{}
	c := &cobra.Command{
		Use:   "analyze PATH...",
		Short: "Analyse a bundle and write the incident report",
		Long: `Analyse one or more bundles and write an incident report.

PATH is a directory, a .tar, .tar.gz/.tgz, .tar.bz2, .tar.xz/.txz,
.tar.zst/.tzst, .zip, .gz, .bz2, .xz or .zst file, or any nesting of those (a tarball holding per-node
tarballs is normal). A saved terminal session is split into one file per
command. Files are recognised by content, not by name. Archives are read as streams into a
private temp area that is removed afterwards (captures are analysed
straight from the stream, never written there); links and device entries are
never followed, and caps bound entries, sizes and nesting.

Before a report leaves the team, --redact hides secrets (passwords,
tokens, keys, credentials) in every line, message and detail it quotes,
and --redact-ips also replaces IP addresses with pseudonyms that are the
same throughout the report and keep its subnets: 10/8 stays in 10/8, an
address stays inside its network, network and broadcast addresses stay
such. Object, namespace and node names are kept (node names that embed an
address, such as ip-10-1-0-11, follow the address). The key is random per
run unless --redact-key-file gives one; docs/redaction.md has the details
and the limits.

Inputs holding files of several Kubernetes clusters (a folder of cases)
are analysed one cluster at a time, never merged: the report lists the
clusters and what tells them apart, then gives one section per cluster;
in JSON every finding carries its cluster.

Exit status: 0 when no finding is at or above --fail-on, 1 when one is,
2 for usage errors, an unreadable bundle or rules that do not compile,
3 when nothing could be judged (no file understood, or no rule could run;
the report says so on its first line), 130 when interrupted (the temp area
is removed first).`,
		Example: `  ktriage analyze bundle.tar.gz
  ktriage analyze --format json -o report.json ./dump-dir extra-objects.yaml
  ktriage analyze --rules ./our-rules --disable selector-mismatch bundle.tgz
  ktriage analyze --fail-on critical bundle.tgz   # CI: fail only on critical
  ktriage analyze --redact-ips --redact-key-file ~/.ktriage-key -o for-vendor.md bundle.tgz`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("analyze needs at least one PATH (see 'ktriage analyze --help')")
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error { return runAnalyze(c, p, args, version) },
	}
	bindAnalyzeFlags(c.Flags(), p)
	return c
}

// bindAnalyzeFlags declares analyze's flags; verify parses a fixture's
// args with the same set.
func bindAnalyzeFlags(fs *pflag.FlagSet, p *analyzeParams) {
	fs.StringVar(&p.format, "format", "md", "report format: "+report.FormatNames()+" (markdown is md; any case)")
	fs.StringVarP(&p.output, "output", "o", "", "write the report to `FILE` instead of stdout")
	fs.StringVar(&p.failOn, "fail-on", "high", "exit 1 when a finding is at or above this severity: critical|high|medium|low|info|none")
	p.rules.bind(fs)
	fs.IntVar(&p.limits.MaxEntries, "max-entries", loader.DefaultLimits.MaxEntries, "read at most `N` files and archive entries")
	fs.StringVar(&p.maxFile, "max-file-size", "2GiB", "cut any single file at this `SIZE`")
	fs.StringVar(&p.maxTotal, "max-total-size", "8GiB", "stop decompressing after this `SIZE` in total")
	fs.IntVar(&p.limits.MaxDepth, "max-depth", loader.DefaultLimits.MaxDepth, "open archives nested at most `N` levels deep")
	fs.StringVar(&p.minFree, "min-free-space", "512MiB", "stop unpacking when less than this `SIZE` would stay free where the temp area is")
	fs.StringVar(&p.tmpDir, "tmp-dir", "", "make the private temp area under `DIR` (default: $TMPDIR)")
	fs.DurationVar(&p.timeout, "timeout", 2*time.Minute, "time limit for each rule on the bundle (every rule has its own)")
	fs.BoolVar(&p.stats, "stats", false, "print timings and peak memory to stderr")
	p.redact.bind(fs)
}

// check validates flag values that pflag cannot.
func (p *analyzeParams) check() error {
	format := formatName(p.format)
	if _, ok := report.Formats[format]; !ok {
		return usageErr("unknown --format %q (want %s)", p.format, report.FormatNames())
	}
	p.format = format
	failOn := strings.ToLower(strings.TrimSpace(p.failOn))
	if failOn != "none" && !validSeverity(failOn) {
		return usageErr("unknown --fail-on %q (want critical, high, medium, low, info or none)", p.failOn)
	}
	p.failOn = failOn
	var err error
	if p.limits.MaxFileSize, err = parseSize(p.maxFile); err != nil {
		return usageErr("--max-file-size: %v", err)
	}
	if p.limits.MaxTotalSize, err = parseSize(p.maxTotal); err != nil {
		return usageErr("--max-total-size: %v", err)
	}
	if p.limits.MinFreeSpace, err = parseSize(p.minFree); err != nil {
		return usageErr("--min-free-space: %v", err)
	}
	if p.redactOpts, err = p.redact.options(); err != nil {
		return err
	}
	return nil
}

// formatName reads a --format value as people write it: any case, and
// "markdown" for md.
func formatName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "markdown" {
		return "md"
	}
	return s
}

// exitFor is the exit status of a finished analysis: ExitUnjudged when
// nothing could be judged, ExitFindings when a finding is at or above
// failOn, ExitOK otherwise ("none" never fails).
func exitFor(r *report.Report, failOn string) int {
	if r.Unjudged != "" {
		// before --fail-on none: "judged nothing" is not "found nothing"
		return ExitUnjudged
	}
	if failOn == "none" {
		return ExitOK
	}
	for _, f := range r.Findings {
		if report.AtOrAbove(f.Severity, failOn) {
			return ExitFindings
		}
	}
	return ExitOK
}

func runAnalyze(c *cobra.Command, p *analyzeParams, args []string, version string) error {
	if err := p.check(); err != nil {
		return err
	}
	if err := checkOutput(p.output, args); err != nil {
		return err
	}
	ctx := c.Context()
	t0 := time.Now()
	// The built-in rules' headers are read while the bundle is parsed (most
	// of a small bundle's run is fixed costs like these); a bad --enable or
	// --disable stops the parse at once. User rules are compiled whole
	// first, so their mistakes are reported before any input is read.
	pctx, cancelParse := context.WithCancel(ctx)
	defer cancelParse()
	var (
		eng       *engine.Engine
		engErr    error
		readRules time.Duration
	)
	engDone := make(chan struct{})
	readEngine := func() {
		defer close(engDone)
		if eng, engErr = engine.New(ctx, p.rules.options()); engErr != nil {
			cancelParse()
		}
		readRules = time.Since(t0)
	}
	if len(p.rules.dirs) > 0 {
		if readEngine(); engErr != nil {
			return usageErr("%v", engErr)
		}
	} else {
		go readEngine()
	}
	opts := analyze.Options{Inputs: args, Limits: p.limits, TempDir: p.tmpDir, EvalTimeout: p.timeout, Version: version}
	bar := newProgress(c.ErrOrStderr())
	if bar != nil {
		opts.Progress = bar
	}
	defer bar.Close() // also on error paths; a no-op once closed
	t1 := time.Now()
	parsed, err := analyze.Parse(pctx, opts)
	<-engDone
	if engErr != nil {
		if parsed != nil {
			parsed.Close()
		}
		return usageErr("%v", engErr)
	}
	if err != nil {
		var ce *analyze.ClustersError
		if errors.Is(err, loader.ErrUnreadable) || errors.As(err, &ce) {
			return usageErr("%v", err)
		}
		return err
	}
	defer parsed.Close()
	t2 := time.Now()
	r, err := analyze.Evaluate(ctx, parsed, eng, opts)
	bar.Close() // the report may go to the same terminal
	// The report holds everything it quotes: remove the temp area before
	// writing it, so a reader that goes away (| head, and the SIGPIPE that
	// follows) cannot leave spooled customer data behind.
	parsed.Close()
	if err != nil {
		return err
	}
	// Before any writer: every format gets the same redacted report.
	if err := redact.Report(r, p.redactOpts); err != nil {
		return err
	}
	if p.stats {
		// Rules are read at start and compiled during evaluation, beside
		// the conversion of the facts.
		printStats(c.ErrOrStderr(), parsed, r, readRules, eng.CompileTime(), t2.Sub(t1), time.Since(t2))
	}
	if err := writeOutput(c, p.output, func(f io.Writer) error { return analyze.WriteReport(f, r, p.format) }); err != nil {
		return err
	}
	if code := exitFor(r, p.failOn); code != ExitOK {
		return &exitError{code: code}
	}
	return nil
}

// writeOutput writes to -o FILE atomically (a half-written report is worse
// than none) or to stdout. A signal while writing stops it (D16: the first
// SIGTERM was ignored and a second left the hidden partial file, customer
// data, in the output directory): the partial file is removed, nothing is
// renamed into place and the context's error makes the exit 130.
func writeOutput(c *cobra.Command, path string, write func(io.Writer) error) error {
	ctx := c.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if path == "" || path == "-" {
		if f, ok := c.OutOrStdout().(*os.File); ok {
			return write(ctxWriter{w: f, ctx: ctx})
		}
		tmp, err := os.CreateTemp("", "ktriage-out-")
		if err != nil {
			return err
		}
		partial.Store(tmp.Name(), true)
		defer partial.Delete(tmp.Name())
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		if err := write(ctxWriter{w: tmp, ctx: ctx}); err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := tmp.Seek(0, 0); err != nil {
			return err
		}
		_, err = tmp.WriteTo(c.OutOrStdout())
		return err
	}
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		// /dev/null, a fifo: no atomic rename possible or needed.
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("write report: %w", err)
		}
		defer f.Close()
		return write(f)
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".ktriage-report-")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	// Registered before the first byte: Abort (a second signal, or the
	// grace period running out) removes it too.
	partial.Store(tmp.Name(), true)
	defer partial.Delete(tmp.Name())
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("write report: %w", err)
	}
	if err := write(ctxWriter{w: tmp, ctx: ctx}); err != nil {
		return fail(err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func validSeverity(s string) bool {
	for _, v := range report.Severities {
		if v == s {
			return true
		}
	}
	return false
}

// parseSize reads sizes such as 512MiB, 2GiB, 100MB or a plain byte count.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
	}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil && errors.Is(err, strconv.ErrRange) || err == nil && n > math.MaxInt64/mult {
		// n * mult would wrap (18014398509481985KiB became 1 KiB)
		return 0, fmt.Errorf("%q is too large (at most %d bytes, 8 EiB)", s, int64(math.MaxInt64))
	}
	if err != nil || n <= 0 || strconv.FormatInt(n, 10) != t {
		return 0, fmt.Errorf("%q is not a size such as 512MiB or 2GiB", s)
	}
	return n * mult, nil
}
