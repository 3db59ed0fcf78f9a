# ktriage: `make demo` runs the main job on a bundled sample, `make test`
# runs every test. Nothing else needs installing beyond Go.

GO       ?= go
BIN      := bin/ktriage
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
PKGS     := ./...
DEMO     ?= testdata/dumps/quota-limitrange-incident/bundle

.PHONY: all build test test-go test-rego demo bench fuzz lint fmt clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/ktriage

## test: every test: Go unit and table tests, Rego rule tests (OPA tester),
## golden tests of the built binary over testdata/dumps, fuzz seed corpora.
test: build
	$(GO) vet $(PKGS)
	@fmt_out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$fmt_out" ]; then echo "gofmt needed:"; echo "$$fmt_out"; exit 1; fi
	KTRIAGE_BIN=$(CURDIR)/$(BIN) $(GO) test -count=1 $(PKGS)

## demo: analyse a bundled sample and print the Markdown report.
demo: build
	@echo "+ $(BIN) analyze $(DEMO)"
	@$(BIN) analyze $(DEMO) || test $$? -eq 1

## bench: benchmarks with side-by-side baselines (see docs/performance.md).
bench: build
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x ./internal/bench/

## fuzz: run each fuzz target for FUZZTIME (default 20s).
FUZZTIME ?= 20s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$t"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

lint:
	$(GO) vet $(PKGS)
	gofmt -l .

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
