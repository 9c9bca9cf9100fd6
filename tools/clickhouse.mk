# tools/clickhouse.mk — ClickHouse for the correlator's ClickHouse store tests
# (correlate/store/chstore, correlate/internal/clickhousetest). Included by
# the top-level Makefile.
#
# Installs Debian's clickhouse-server (18.16 on bookworm) when neither
# clickhouse-server nor the single `clickhouse` binary of current releases is
# found. The package's service is not started: the tests start their own
# servers with generated configs on free loopback ports.

APT_GET ?= $(shell if [ "$$(id -u)" = 0 ]; then echo apt-get; else echo sudo apt-get; fi)

DEPS += clickhouse

.PHONY: clickhouse

clickhouse:
	@if command -v clickhouse-server >/dev/null 2>&1 || [ -x /usr/sbin/clickhouse-server ] || command -v clickhouse >/dev/null 2>&1; then \
		echo "clickhouse: $$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)"; \
	else \
		echo "clickhouse: installing Debian package clickhouse-server"; \
		$(APT_GET) update -qq >/dev/null && \
		DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq clickhouse-server >/dev/null && \
		{ command -v clickhouse-server || ls /usr/sbin/clickhouse-server; }; \
	fi
