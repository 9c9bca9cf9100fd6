# tools/apt.mk — Debian packages the tests and benchmarks use, installed when
# missing (CI runs as root; elsewhere sudo is tried). Included by the Makefile.

APT_GET := $(shell if [ "$$(id -u)" = 0 ]; then echo apt-get; else echo sudo apt-get; fi)

DEPS += chromium

.PHONY: chromium ripgrep hyperfine

# apt_install NAME COMMAND: install Debian package NAME unless COMMAND is on PATH.
define apt_install
	@if command -v $(2) >/dev/null 2>&1; then echo "$(1): $$(command -v $(2))"; else \
		echo "$(1): installing Debian package $(1)"; \
		$(APT_GET) update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $(APT_GET) install -y -qq $(1) >/dev/null && command -v $(2); fi
endef

chromium:
	$(call apt_install,chromium,chromium)

ripgrep:
	$(call apt_install,ripgrep,rg)

# Times whole processes (fork, exec, run, wait) without a shell in between:
# bench-correlate.sh's `correlate logs` / grep / rg figures.
hyperfine:
	$(call apt_install,hyperfine,hyperfine)
