// Package all lists every artifact parser in the order detection tries
// them: the most specific content signatures first, path-only guesses last.
package all

import (
	"github.com/ktriage/ktriage/internal/loader"
	"github.com/ktriage/ktriage/internal/parsers"
	"github.com/ktriage/ktriage/internal/parsers/collectlog"
	"github.com/ktriage/ktriage/internal/parsers/describe"
	"github.com/ktriage/ktriage/internal/parsers/ipaddr"
	"github.com/ktriage/ktriage/internal/parsers/iptables"
	"github.com/ktriage/ktriage/internal/parsers/kube"
	"github.com/ktriage/ktriage/internal/parsers/kubeletconfig"
	"github.com/ktriage/ktriage/internal/parsers/kubetable"
	"github.com/ktriage/ktriage/internal/parsers/netstat"
	"github.com/ktriage/ktriage/internal/parsers/pcap"
	"github.com/ktriage/ktriage/internal/parsers/resolvconf"
	"github.com/ktriage/ktriage/internal/parsers/ss"
	"github.com/ktriage/ktriage/internal/parsers/sysctl"
	"github.com/ktriage/ktriage/internal/parsers/verdicts"
)

// Registry is the detection order.
var Registry = []parsers.Parser{
	pcap.Capture{},
	verdicts.Analysis{},     // before kube.Stream: JSON, read by its name
	verdicts.Connectivity{}, // likewise
	kube.Stream{},
	describe.Describe{},    // before kube.YAML: a ConfigMap's data may hold "apiVersion:" lines
	kubeletconfig.Config{}, // before kube.YAML, after describe (which prints a kubelet-config ConfigMap's YAML at column 0)
	kube.YAML{},
	kubetable.Table{}, // kubectl get/top tables: a header line kubectl prints
	ipaddr.Addr{},
	ipaddr.Route{},
	iptables.Save{},
	iptables.IPVS{},
	netstat.Stats{},
	ss.Listen{},
	sysctl.Sysctl{},
	resolvconf.Resolv{},
	collectlog.Log{}, // before kube.Log, which takes any *.log
	kube.Log{},
}

// Detect returns the first parser that claims the artifact, or nil.
func Detect(a *loader.Artifact) parsers.Parser {
	for _, p := range Registry {
		if p.Detect(a) {
			return p
		}
	}
	return nil
}

// DetectStreaming is Detect for an artifact still in its archive's stream
// (no size, no file, only its names and Head): the stream parser Detect
// would pick, or nil. Only the parsers that lead the Registry can answer,
// and all of them stream: past the first one that does not, Detect's
// answer could depend on what is not known yet, so the artifact is
// spooled and detected as usual.
func DetectStreaming(a *loader.Artifact) parsers.StreamParser {
	for _, p := range Registry {
		sp, ok := p.(parsers.StreamParser)
		if !ok {
			return nil
		}
		if p.Detect(a) {
			return sp
		}
	}
	return nil
}
