# Traceline — `make demo` shows it working, `make test` runs every test.
#
# Everything a fresh machine lacks (Jaeger, Chromium, ClickHouse, ripgrep,
# hyperfine) is built or installed by the targets below; nothing else needs
# to be set up.

SHELL := /bin/bash
GO    ?= go
ROOT  := $(abspath .)
BIN   := $(ROOT)/bin
export PATH := $(BIN):$(PATH)

# Every Go module of the repository except the pinned tool builds.
MODULES := $(sort $(patsubst ./%,%,$(patsubst %/go.mod,%,$(shell find . -name go.mod -not -path './tools/*' -not -path './bin/*' -not -path '*/testdata/*'))))
# Modules whose tests also run under the race detector: the library and the correlator.
RACE_MODULES := . correlate adapters/logxbridge

-include tools/*.mk

.PHONY: all demo test test-unit test-race test-matrix release-check lint deps bench bench-adapters bench-correlate bench-corpus correlate help

help:
	@echo "make demo   — build everything and run the end-to-end demo"
	@echo "make test   — install what is missing, then run every module's tests (plain and -race)"
	@echo "make bench  — the benchmarks written up in docs/BENCHMARKS.md"

# deps: real components the tests need. Each target is idempotent.
deps: $(DEPS)

test: deps lint test-unit test-race tracelint-examples test-matrix release-check
	@echo "make test: all modules passed"

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	@set -e; for m in $(MODULES); do echo "== go vet ($$m)"; (cd $$m && $(GO) vet ./...); done

# Allocation pins run here (they are built with !race).
test-unit:
	@set -e; for m in $(MODULES); do echo "== go test ($$m)"; (cd $$m && $(GO) test -count=1 ./...); done

# The adapters against the oldest and newest supported zap, zerolog,
# OpenTelemetry and go-zero (tools/matrix/matrix.sh lists the rows).
test-matrix:
	tools/matrix/matrix.sh

# The modules as a user outside the repository gets them: a file-system module
# proxy holding every module at the next release's version, `go get` and
# `go install` from it in a fresh module (tools/releasecheck).
release-check:
	cd tools/releasecheck && GOWORK=off $(GO) run . -version v0.1.0

test-race:
	@set -e; for m in $(RACE_MODULES); do echo "== go test -race ($$m)"; (cd $$m && $(GO) test -race -count=1 ./...); done

# The correlator's command, at bin/correlate: one binary with every command.
correlate:
	mkdir -p $(BIN) && cd correlate && $(GO) build -o $(BIN)/correlate ./cmd/correlate

# Benchmarks written up in docs/BENCHMARKS.md. Run them on a quiet machine.
bench: bench-adapters bench-correlate

bench-adapters:
	cd bench && TRACELINE_BURSTS=1 $(GO) test -count=1 -run 'ZapBursts|SlogBursts|ZerologBursts|FloorBursts' -v . | tee $(ROOT)/bench/last-bursts.txt
	cd bench && $(GO) test -run '^$$' -bench . -benchmem -count 5 ./... | tee $(ROOT)/bench/last-run.txt

# The 10 M-line corpus beside grep and ripgrep: ~10 minutes, ~8 GB in /tmp/bench10m.
bench-corpus: ripgrep hyperfine
	cd correlate && internal/loggen/bench-correlate.sh 10000000 /tmp/bench10m

bench-correlate:
	cd correlate && GOMAXPROCS=1 $(GO) test ./parse -run '^$$' -bench . -benchmem -count 3
	cd correlate && $(GO) test -run '^$$' -bench . -benchmem ./join ./view
	cd correlate && CORRELATE_BENCH=1 CORRELATE_BENCH_RUNS=30 $(GO) test -count=1 -run TraceLatency -v ./cmd/correlate/app/
	cd correlate && CORRELATE_MEASURE=1 $(GO) test -count=1 -run TestMeasureBigTrace -v ./server

# The demo needs only Jaeger (built from the module proxy); it builds the
# services and the correlator itself. DEMO_FLAGS=--keep keeps it running.
demo: jaeger
	cd examples && $(GO) run ./cmd/demo $(DEMO_FLAGS)
