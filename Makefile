# ktriage: `make demo` runs the main job on a bundled sample, `make test`
# runs every test. Nothing else needs installing beyond Go.

GO       ?= go
BIN      := bin/ktriage
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
PKGS     := ./...
DEMO     ?= testdata/dumps/quota-limitrange-incident/bundle

.PHONY: all build test test-go test-rego demo bench fuzz lint fmt clean describe-twins precompile \
	cluster-up cluster-down controlplane-bin cluster-fixtures e2e

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/ktriage

## test: every test: Go unit and table tests, Rego rule tests (OPA tester),
## golden tests of the built binary over testdata/dumps, fuzz seed corpora,
## and the golden reports' kubectl commands parsed by kubectl's own command
## tree (tools/kubectlcheck, a module of its own so kubectl's dependencies
## stay out of go.mod; its first run downloads them), and the text twins
## rendered again by tools/describetext and compared with the committed ones.
## KTRIAGE_TODOC_CHECK=1 makes every parser's facts.ToDoc also take
## encoding/json's round trip and panic on a difference (internal/facts/todoc.go).
test: build
	$(GO) vet $(PKGS)
	@fmt_out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$fmt_out" ]; then echo "gofmt needed:"; echo "$$fmt_out"; exit 1; fi
	KTRIAGE_TODOC_CHECK=1 KTRIAGE_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 -timeout 30m $(PKGS)
	cd tools/kubectlcheck && $(GO) vet ./... && $(GO) test -count=1 ./...
	cd tools/describetext && $(GO) vet ./... && $(GO) test -count=1 ./...

## precompile: compile the built-in rules into rules/compiled.bin, which
## the binary embeds and reads instead of parsing and compiling the rules
## on every run. Run it after changing a rule (or OPA): `make test` fails
## while the file is stale, and a stale file is not used.
precompile:
	$(GO) test -count=1 -run '^TestPrecompiledIsCurrent$$' ./internal/engine -update-precompiled

## demo: analyse a bundled sample and print the Markdown report.
demo: build
	@echo "+ $(BIN) analyze $(DEMO)"
	@$(BIN) analyze $(DEMO) || test $$? -eq 1

## bench: benchmarks with side-by-side baselines (see docs/performance.md):
## ktriage on synthetic bundles against decoding their JSON, capture
## analysis against tshark and GNU cat, and issue 14's goals (start-up
## against `ktriage version`, captures end to end, a capture in a .tgz
## against `tar xzOf`), each printed as a GOAL line with its threshold and
## PASS/FAIL. Inputs are generated once (deterministic) into $(BENCHTMP);
## tshark is used when installed.
BENCHTMP ?= $(or $(TMPDIR),/tmp)
BENCH_PCAP_MB ?= 100
BENCH_PCAP_MB_LARGE ?= 1024
bench: build
	@for mb in $(BENCH_PCAP_MB) $(BENCH_PCAP_MB_LARGE); do \
	  f=$(BENCHTMP)/ktriage-bench-$${mb}MB.pcap; \
	  [ -f $$f ] || $(GO) run ./internal/parsers/pcap/pcapgen/cmd/mkpcap -mb $$mb -o $$f; \
	done
	KTRIAGE_BIN=$(CURDIR)/$(BIN) TMPDIR=$(BENCHTMP) KTRIAGE_BENCH_PCAP_MB=$(BENCH_PCAP_MB) KTRIAGE_BENCH_PCAP_MB_LARGE=$(BENCH_PCAP_MB_LARGE) \
	  $(GO) test -run '^$$' -bench . -benchtime 1x -timeout 60m ./internal/bench/

## fuzz: run each fuzz target for FUZZTIME (default 20s). A crasher stops
## the run; the failing input is saved under the package's testdata/fuzz/,
## where plain `go test` replays it from then on: commit it as the
## regression test. Minimising a large seed can stall a short run, hence
## the bound on minimisation.
FUZZTIME ?= 20s
FUZZMINIMIZETIME ?= 5s
fuzz: build
	@set -e; n=0; for pkg in $$($(GO) list ./...); do \
	  targets=$$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); \
	  for t in $$targets; do \
	    echo "fuzz $$pkg $$t ($(FUZZTIME))"; n=$$((n+1)); \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg; \
	  done; \
	done; echo "fuzz: $$n targets ran for $(FUZZTIME) each, no crasher"

## describe-twins: regenerate the text twins of JSON fixtures
## (testdata/dumps/*-describe-text from scripts/make-describe-twins.sh)
## with kubectl's own describers (tools/describetext -bundle, a module of
## its own); the golden tests require each twin to give its fixture's
## findings.
describe-twins:
	sh scripts/make-describe-twins.sh

## cluster-up / cluster-down: a throwaway control plane on 127.0.0.1
## (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, and kwok
## simulating two nodes), built once from tools/controlplane (a module of
## its own, pinned to one Kubernetes release) into .cache/controlplane/.
## The first build takes minutes (docs/testing.md). cluster-up prints the
## `export KUBECONFIG=...` line that points kubectl at it.
controlplane-bin:
	sh scripts/cluster-up.sh --build-only

cluster-up:
	sh scripts/cluster-up.sh

cluster-down:
	sh scripts/cluster-down.sh

## cluster-fixtures: the scenarios of test/e2e/scenarios/ applied to the
## running control plane and collected with ktriage-collect.sh, written to
## testdata/dumps/live-<scenario>/ (regenerate their goldens after).
cluster-fixtures:
	sh scripts/cluster-scenarios.sh fixtures

## e2e: the collector end to end against the running control plane
## (nodes included: kwok's have no kubelet, which the bundle must record),
## each bundle analysed and checked. Opt-in, not part of `make test` or CI:
## the control plane's first build takes minutes (docs/testing.md).
e2e:
	sh scripts/cluster-scenarios.sh e2e

lint:
	$(GO) vet $(PKGS)
	gofmt -l .

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
