// Command loggen writes synthetic log files of many loggers' formats with
// traces in them (see internal/loggen), for benchmarks and demos.
//
//	loggen --dir /tmp/logs --entries 10000000 --seed 1 [--truth truth.tsv]
//
// With --truth it writes the ground truth: one "trace_id<TAB>entries" line
// per trace.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/traceline/traceline/correlate/internal/loggen"
)

func main() {
	dir := flag.String("dir", "", "output `DIR` (required)")
	entries := flag.Int("entries", 1000000, "entries to write")
	seed := flag.Uint64("seed", 1, "random seed: same seed, same files")
	stacks := flag.Bool("stacks", true, "add stack traces under some error entries")
	truthPath := flag.String("truth", "", "write the ground truth (trace_id<TAB>entries) to `FILE`")
	flag.Parse()
	if *dir == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: loggen --dir DIR [--entries N] [--seed S] [--truth FILE]")
		os.Exit(2)
	}
	t, err := loggen.Generate(loggen.Config{Dir: *dir, Entries: *entries, Seed: *seed, Stacks: *stacks})
	if err != nil {
		fmt.Fprintln(os.Stderr, "loggen:", err)
		os.Exit(1)
	}
	if *truthPath != "" {
		f, err := os.Create(*truthPath)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loggen:", err)
			os.Exit(1)
		}
		w := bufio.NewWriter(f)
		for i, id := range t.TraceIDs {
			w.WriteString(id)
			w.WriteByte('\t')
			w.WriteString(strconv.Itoa(int(t.Count[i])))
			w.WriteByte('\n')
		}
		if err := w.Flush(); err != nil {
			fmt.Fprintln(os.Stderr, "loggen:", err)
			os.Exit(1)
		}
		f.Close()
	}
	fmt.Fprintf(os.Stderr, "loggen: %d entries (%d traced, %d traces), %d lines, %d bytes in %d files under %s\n",
		t.Entries, t.Traced, len(t.TraceIDs), t.Lines, t.Bytes, len(t.Files), *dir)
}
