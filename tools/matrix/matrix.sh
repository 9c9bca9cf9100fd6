#!/usr/bin/env bash
# tools/matrix/matrix.sh — runs the adapters' tests against the oldest and the
# newest supported version of each logging and tracing dependency, so that a
# release of zap, zerolog, OpenTelemetry or go-zero that breaks an adapter
# fails `make test`, not a user.
#
# Each row is: module folder, then one or more module@version pins. The
# module's go.mod is copied to a scratch go.mod (-modfile), the pins are
# applied there with `go get` (or, written =module@version, as a replace:
# for a version lower than another requirement asks for), and the module's
# tests run outside the workspace (GOWORK=off); nothing in the repository
# changes. A nested module's scratch go.mod points the root module at this
# checkout.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
GO=${GO:-go}
ROWS=(
	". go.uber.org/zap@v1.27.0"
	". go.uber.org/zap@v1.28.0"
	". github.com/rs/zerolog@v1.33.0"
	". github.com/rs/zerolog@v1.35.1"
	". go.opentelemetry.io/otel@v1.28.0 go.opentelemetry.io/otel/trace@v1.28.0"
	". go.opentelemetry.io/otel@v1.47.0 go.opentelemetry.io/otel/trace@v1.47.0"
	# go-zero v1.5.0's zrpc resolver builds only against the Kubernetes
	# client it was released with; v1.10.3's graph would raise it.
	"adapters/logxbridge =github.com/zeromicro/go-zero@v1.5.0 =k8s.io/api@v0.26.2 =k8s.io/apimachinery@v0.26.2 =k8s.io/client-go@v0.26.2 =k8s.io/kube-openapi@v0.0.0-20221012153701-172d655c2280 =k8s.io/utils@v0.0.0-20230115233650-391b47cb4029"
	"adapters/logxbridge github.com/zeromicro/go-zero@v1.10.3"
)
if [ $# -gt 0 ]; then ROWS=("$@"); fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0
for row in "${ROWS[@]}"; do
	read -r dir pins <<<"$row"
	mod="$scratch/$(echo "$row" | tr -c 'A-Za-z0-9.\n' _)"
	mkdir -p "$mod"
	cp "$ROOT/$dir/go.mod" "$mod/go.mod"
	cp "$ROOT/$dir/go.sum" "$mod/go.sum"
	if [ "$dir" != . ]; then
		echo "replace github.com/traceline/traceline v0.1.0 => $ROOT" >>"$mod/go.mod"
	fi
	echo "== matrix: $dir with $pins"
	(
		cd "$ROOT/$dir"
		export GOWORK=off GOFLAGS=-mod=mod
		gets=()
		for p in $pins; do
			case $p in
			=*) x=${p#=}; $GO mod edit -replace="${x%@*}=$x" "$mod/go.mod" ;;
			*) gets+=("$p") ;;
			esac
		done
		if [ ${#gets[@]} -gt 0 ]; then
			$GO get -modfile="$mod/go.mod" "${gets[@]}" >/dev/null 2>"$mod/get.log" || { cat "$mod/get.log"; exit 1; }
		fi
		for p in $pins; do
			p=${p#=}
			p=${p%%@*}@${p#*@}
			got=$($GO list -modfile="$mod/go.mod" -m -f '{{with .Replace}}{{.Version}}{{else}}{{.Version}}{{end}}' "${p%@*}")
			[ "$got" = "${p#*@}" ] || { echo "matrix: $p resolved to $got (another requirement raises it)"; exit 1; }
		done
		$GO test -modfile="$mod/go.mod" -count=1 -vet=off ./...
	) || failed=1
done
if [ $failed != 0 ]; then echo "matrix: some rows failed"; exit 1; fi
echo "matrix: all rows passed"
