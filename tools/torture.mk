# tools/torture.mk — `make torture`: the long reliability run of the
# correlator (correlate/internal/torture, docs/RELIABILITY.md).
#
# Included by the top-level Makefile; not a dependency of `make test`, whose
# `go test ./...` already runs the short version (~5 kills, 20k lines).
# TORTURE=long writes 400k lines in every log format into rotating files
# (rename+create, copytruncate, gzip) while a follower child is killed with
# SIGKILL at least 30 times; the index must then hold every line once,
# under its trace id. TORTURE_SEED=N replays a run's writer.
# It also runs the long load test (50k lookups, 64 workers, 1M lines) and
# the Jaeger fault test with a stalled connection.

TORTURE_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
GO           ?= go

.PHONY: torture
torture:
	cd $(TORTURE_ROOT)/correlate && TORTURE=long $(GO) test -count=1 -timeout 20m -run 'TestTorture|TestLoad|TestJaegerFaults' -v ./internal/torture
