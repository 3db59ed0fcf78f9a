package pcap

import (
	"context"
	"fmt"
	"io"

	"github.com/ktriage/ktriage/internal/facts"
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
)

// Capture reads pcap and pcapng files. The zero value uses the defaults.
type Capture struct {
	// MaxFlows bounds the live flow table (default 200,000); the least
	// recently seen flow is evicted into the evidence when it is full.
	MaxFlows int
	// TopN bounds each evidence list of flows (default 50).
	TopN int
}

const (
	defaultMaxFlows = 200_000
	defaultTopN     = 50
)

func (c Capture) withDefaults() Capture {
	if c.MaxFlows <= 0 {
		c.MaxFlows = defaultMaxFlows
	}
	if c.TopN <= 0 {
		c.TopN = defaultTopN
	}
	return c
}

// Kind implements parsers.Parser.
func (Capture) Kind() string { return "pcap" }

// Detect claims pcap (micro- or nanosecond, either byte order) and pcapng
// files by their magic number alone.
func (Capture) Detect(a *loader.Artifact) bool { return sniffFormat(a.Head) != "" }

// Parse analyses the capture and adds one capture document to the node
// section "captures". A capture that ends early or turns corrupt keeps
// everything read before that point and says where reading stopped.
func (c Capture) Parse(ctx context.Context, a *loader.Artifact, b *facts.Builder) (parsers.Result, error) {
	format := sniffFormat(a.Head)
	if format == "" {
		return parsers.Result{}, parsers.NotApplicable("no pcap or pcapng magic number")
	}
	f, err := a.Open()
	if err != nil {
		return parsers.Result{}, &parsers.ParseError{File: a.Path, Err: fmt.Errorf("open capture: %w", err)}
	}
	defer f.Close()
	return c.parse(ctx, a, f, a.Size, format, b, false)
}

// ParseStream implements parsers.StreamParser: a capture is read front to
// back once, so one inside a compressed archive is analysed as it is
// decompressed.
func (c Capture) ParseStream(ctx context.Context, a *loader.Artifact, r io.Reader, b *facts.Builder) (parsers.Result, error) {
	format := sniffFormat(a.Head)
	if format == "" {
		return parsers.Result{}, parsers.NotApplicable("no pcap or pcapng magic number")
	}
	return c.parse(ctx, a, r, 0, format, b, true)
}

// parse analyses r, the artifact's content (size bytes, 0 if not known).
// A stream is read to its end even when the analysis stopped early:
// whether the loader cut it is known only there.
func (c Capture) parse(ctx context.Context, a *loader.Artifact, r io.Reader, size int64, format string, b *facts.Builder, stream bool) (parsers.Result, error) {
	an, doc, res, err := c.analyze(ctx, r, size, format, a.Path)
	if stream && ctx.Err() == nil {
		io.Copy(io.Discard, r)
	}
	if an == nil {
		return res, &parsers.ParseError{File: a.Path, Err: err}
	}
	if a.Truncated {
		res.Warnings = append(res.Warnings, "the file was cut at the loader's size cap; frames after the cut were not read")
	}
	b.AddNode(facts.NodeFacts{
		File: a.Path, Inner: a.Inner, Containers: a.Containers, Kind: "pcap",
		Addresses: localAddresses(doc),
		Sections:  map[string]any{"captures": []any{facts.ToDoc(doc)}},
	})
	return res, err
}

// localAddresses names the addresses a capture was most likely taken at:
// those in at least 90% of its packets (a node's own address on its
// interface, a pod's on its veth). Attribution matches them against Node
// and pod addresses; traffic between two nodes gives both, and then the
// path must decide.
func localAddresses(doc captureDoc) []string {
	total := doc.Summary["packets"]
	n, ok := total.(uint64)
	if !ok || n == 0 {
		return nil
	}
	var out []string
	for _, a := range doc.Addresses {
		if a.Packets*10 >= n*9 {
			out = append(out, a.Address)
		}
	}
	return out
}

// analyze runs the analysis over r (size bytes long, 0 if unknown). It
// returns a nil analyzer only when the file header could not be read;
// otherwise err is a cancellation.
func (c Capture) analyze(ctx context.Context, r io.Reader, size int64, format, file string) (*analyzer, captureDoc, parsers.Result, error) {
	src, err := openSource(r, format, size)
	if err != nil {
		return nil, captureDoc{}, parsers.Result{}, err
	}
	defer src.close()
	an := newAnalyzer(c)
	runErr := an.run(ctx, src)
	an.finish()
	ifNames := src.interfaces()
	sum := an.summary(format)
	res := parsers.Result{Detail: an.detail(format), Summary: sum}
	if w := an.c.describeStop(); w != "" {
		res.Warnings = append(res.Warnings, w)
	}
	if n := an.c.unsupported; n > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d frames on a link type ktriage does not decode were counted but not analysed", n))
	}
	if n := an.flows.evicted; n > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("more than %d flows were live at once: %d were evicted early; totals stay exact and an evicted flow's evidence is kept, but one seen again starts its analysis afresh", an.opts.MaxFlows, n))
	}
	if runErr != nil {
		runErr = fmt.Errorf("analyse capture: %w", runErr)
	}
	return an, an.document(file, format, ifNames, sum), res, runErr
}
