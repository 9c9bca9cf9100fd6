#!/usr/bin/env bash
# bench-correlate.sh ENTRIES WORKDIR — the correlator's corpus benchmark (docs/BENCHMARKS.md):
# generate ENTRIES log entries (loggen), then measure parse throughput,
# index throughput, index size, peak RSS, in-process lookup latency,
# `correlate logs` as a whole process, and grep -F / rg -F on the same files.
# Run from the correlate module: internal/loggen/bench-correlate.sh 10000000 /tmp/bench10m
set -euo pipefail
N=${1:-1000000}
W=${2:-/tmp/correlate-bench-$N}
mod=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$W"
cd "$mod"
go build -o "$W/correlate" ./cmd/correlate
go build -o "$W/loggen" ./cmd/loggen
cd "$W"
if [ ! -f truth.tsv ]; then
  rm -rf logs
  ./loggen --dir logs --entries "$N" --seed 1 --truth truth.tsv
fi
raw=$(du -sb logs | cut -f1)
lines=$(cat $(find logs -type f) | wc -l)
echo "corpus: $N entries, $lines lines, $raw bytes in $(find logs -type f | wc -l) files"
files=$(find logs -type f | sort)
/usr/bin/time -f "%U %S %e %M" -o parse.time ./correlate parse --all $files > /dev/null
read pu ps pe pm < parse.time
echo "parse (--all, JSONL to /dev/null): wall ${pe}s, user ${pu}s => $(python3 -c "print(f'{$lines/$pu:,.0f}')") lines/s per core (user time), $(python3 -c "print(f'{$lines/$pe:,.0f}')") lines/s wall"
rm -rf idx
/usr/bin/time -f "%U %S %e %M" -o index.time ./correlate index --data idx logs 2> index.out || { cat index.out; exit 1; }
read iu is ie im < index.time
size=$(du -sb idx | cut -f1)
cat index.out
echo "index: wall ${ie}s => $(python3 -c "print(f'{$lines/$ie:,.0f}')") lines/s; cpu user ${iu}s sys ${is}s; peak RSS $((im/1024)) MB; size $size bytes = $(python3 -c "print(f'{100*$size/$raw:.1f}')")% of raw"
(cd "$mod" && CORRELATE_BENCH_DATA="$W/idx" CORRELATE_BENCH_TRUTH="$W/truth.tsv" go test -count=1 -run LookupLatency -v ./store/pebblestore | grep 'lookups:')
# whole-process `correlate logs`, and grep/rg, on 20 random trace ids (warm cache)
cat $files > /dev/null
shuf -n 20 --random-source=<(yes) truth.tsv | cut -f1 > ids.txt
# t CMD...: CMD's wall time in µs, as a whole process (fork, exec, run, wait).
# With hyperfine, the median of 3 runs started without a shell (each after
# dropping the page cache when COLD=1); otherwise one run timed by bash's
# clock, which adds a fork of bash (~2.5 ms here).
t() {
  if command -v hyperfine >/dev/null; then
    local prep=()
    # (-N runs the prepare command without a shell too: hence sh -c)
    if [ "${COLD:-}" = 1 ]; then prep=(--prepare "sh -c 'sync; echo 1 > /proc/sys/vm/drop_caches'"); fi
    hyperfine -N -i -r 3 "${prep[@]}" --style none --export-json ht.json "$(printf '%q ' "$@")" >/dev/null 2>ht.err || { cat ht.err >&2; return 1; }
    python3 -c 'import json; print(round(json.load(open("ht.json"))["results"][0]["median"]*1e6))'
  else
    if [ "${COLD:-}" = 1 ]; then sync; echo 1 > /proc/sys/vm/drop_caches; fi
    local s e; s=$EPOCHREALTIME; "$@" > /dev/null 2>&1 || true; e=$EPOCHREALTIME; echo $(( ${e/./} - ${s/./} ))
  fi
}
# lookup TOOL ID: one whole-process lookup of ID's lines, its time in µs
lookup() {
  case $1 in
    logs) t ./correlate logs --data idx "$2" ;;
    grep) t grep -rF "$2" logs ;;
    rg) if command -v rg >/dev/null; then t rg -F "$2" logs; fi ;;
  esac
}
# measure IDS SUFFIX COLD AWK: each tool over the ids in file IDS into TOOL.SUFFIXus,
# dropping the page cache before each run when COLD is "cold", summarised by AWK
measure() {
  for tool in logs grep rg; do
    out="$tool$2us"
    : > "$out"
    while read -r id; do
      if [ "$3" = cold ]; then COLD=1 lookup "$tool" "$id" >> "$out"; else lookup "$tool" "$id" >> "$out"; fi
    done < "$1"
    if [ -s "$out" ]; then
      sort -n "$out" | awk -v tool="$tool" "$4"
    fi
  done
}
# what any process costs here, timed the same way: the floor under `correlate logs`
mkdir -p hello && printf 'package main\n\nfunc main() { println("hi") }\n' > hello/main.go
[ -f hello/go.mod ] || printf 'module hello\n\ngo 1.21\n' > hello/go.mod
(cd hello && go build -o ../hello-go .)
./correlate logs --data idx "$(head -1 ids.txt)" > /dev/null || { echo "correlate logs failed" >&2; exit 1; }
echo "floor: /bin/true $(t /bin/true) µs; Go hello world $(t ./hello-go) µs; correlate --help $(t ./correlate --help) µs (median of 3)"
measure ids.txt . warm '{a[NR]=$1} END {printf "%-6s p50 %.1f ms  p90 %.1f ms  max %.1f ms (20 ids, whole process, warm cache)\n", tool, a[int(NR*0.5)+1]/1000, a[int(NR*0.9)]/1000, a[NR]/1000}'
# the same on a cold page cache (5 ids, caches dropped before each run), where the machine allows it
if sync && echo 1 > /proc/sys/vm/drop_caches 2>/dev/null; then
  head -5 ids.txt > ids5.txt
  measure ids5.txt .cold. cold '{a[NR]=$1} END {printf "%-6s p50 %.1f ms  max %.1f ms (5 ids, whole process, cold cache)\n", tool, a[int(NR*0.5)+1]/1000, a[NR]/1000}'
else
  echo "cold cache: skipped (cannot write /proc/sys/vm/drop_caches)"
fi
# one id, every tool in the same hyperfine run (warm cache), and the start-up of `correlate --help`
if command -v hyperfine >/dev/null; then
  id=$(head -1 ids.txt)
  cmds=("./correlate logs --data idx $id" "grep -rF $id logs")
  if command -v rg >/dev/null; then cmds+=("rg -F $id logs"); fi
  hyperfine -N -i -w 3 -r 20 --style basic --export-markdown compare.md "${cmds[@]}" "./correlate --help" > /dev/null 2>&1
  cat compare.md
fi
