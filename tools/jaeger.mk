# tools/jaeger.mk — builds the pinned Jaeger v2 all-in-one at bin/jaeger.
#
# Included by the top-level Makefile. The version is pinned in
# tools/jaeger/go.mod and verified by tools/jaeger/go.sum (committed), so a
# fresh machine needs only Go and the module proxy. bin/jaeger is rebuilt only
# when it is missing or when tools/jaeger/go.sum differs from the one it was
# built from (kept beside it as bin/.jaeger.go.sum); a cold build takes
# several minutes on two cores, a rebuild from a warm Go cache seconds.

JAEGER_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
JAEGER_BIN  := $(JAEGER_ROOT)/bin/jaeger
JAEGER_SUM  := $(JAEGER_ROOT)/bin/.jaeger.go.sum
GO          ?= go

DEPS += jaeger

.PHONY: jaeger jaeger-clean

jaeger:
	@if [ -x "$(JAEGER_BIN)" ] && cmp -s "$(JAEGER_ROOT)/tools/jaeger/go.sum" "$(JAEGER_SUM)"; then \
		echo "jaeger: $(JAEGER_BIN) is up to date"; \
	else \
		echo "jaeger: building $(JAEGER_BIN) (Jaeger v2, pinned in tools/jaeger/go.mod; cold build takes minutes)"; \
		mkdir -p "$(JAEGER_ROOT)/bin" && \
		cd "$(JAEGER_ROOT)/tools/jaeger" && \
		GOWORK=off $(GO) build -o "$(JAEGER_BIN).tmp" github.com/jaegertracing/jaeger/cmd/jaeger && \
		mv -f "$(JAEGER_BIN).tmp" "$(JAEGER_BIN)" && \
		cp "$(JAEGER_ROOT)/tools/jaeger/go.sum" "$(JAEGER_SUM)" && \
		echo "jaeger: built $(JAEGER_BIN)"; \
	fi

jaeger-clean:
	rm -f "$(JAEGER_BIN)" "$(JAEGER_BIN).tmp" "$(JAEGER_SUM)"
