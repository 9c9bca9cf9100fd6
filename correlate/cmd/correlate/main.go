// Command correlate finds every log line of a trace in gigabytes of log
// files: it parses the lines of many loggers, indexes them by trace id in
// an embedded store, and joins them with the trace's spans.
//
// Run `correlate help` for the commands and `correlate COMMAND --help` for
// one command.
//
// This binary is small on purpose. It answers `correlate logs --data DIR
// TRACE_ID` itself, from the index's tables (package quicklogs), in a
// process that starts in a few milliseconds; every other command, and
// every lookup it cannot answer exactly as the engine would, it hands to
// correlate-engine (cmd/correlate-engine, the whole correlator), which it
// finds beside itself, through $CORRELATE_ENGINE, or on $PATH. Install
// both: `make correlate`, or `go install ./cmd/...` in the correlate module.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	// Huge pages for the start of the heap: on a VM where a fresh page
	// costs ~16 µs, a lookup touches a few hundred.
	_ "github.com/traceline/traceline/correlate/internal/hugeheap"
	"github.com/traceline/traceline/correlate/internal/quicklogs"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

func main() {
	args := os.Args[1:]
	if len(args) > 0 && args[0] == "logs" {
		if answered(args[1:]) {
			return
		}
	}
	engine, err := findEngine()
	if err != nil {
		fmt.Fprintf(os.Stderr, "correlate: %v\n", err)
		os.Exit(1)
	}
	err = runEngine(engine, args)
	fmt.Fprintf(os.Stderr, "correlate: run %s: %v\n", engine, err)
	os.Exit(1)
}

// answered prints the trace's lines and reports true when the lookup
// needs nothing but the tables; anything else (flags it does not know,
// --help, a service to ask, a trace not found) is the engine's.
func answered(args []string) bool {
	dir, id, raw, ok := logsArgs(args)
	if !ok || os.Getenv("CORRELATE_SERVER") != "" {
		return false
	}
	if dir == "" {
		if dir = os.Getenv("CORRELATE_DATA"); dir == "" {
			return false
		}
	}
	ids, err := store.ParseTraceID(id)
	if err != nil {
		return false
	}
	recs, err := quicklogs.Logs(dir, ids)
	if err != nil {
		if os.Getenv("CORRELATE_DEBUG") != "" {
			fmt.Fprintf(os.Stderr, "correlate: logs: %v; asking the engine\n", err)
		}
		return false
	}
	if err := parse.WriteJSONL(os.Stdout, recs, raw); err != nil {
		fmt.Fprintf(os.Stderr, "correlate: %v\n", err)
		os.Exit(1)
	}
	return true
}

// logsArgs reads the arguments of `logs` in the forms the engine's flag
// parsing accepts for --data and --raw, flags before or after the id.
func logsArgs(args []string) (dir, id string, raw, ok bool) {
	n := 0
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			id = a
			n++
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		switch name {
		case "data":
			if !hasVal {
				if i+1 == len(args) {
					return "", "", false, false
				}
				i++
				val = args[i]
			}
			if val == "" {
				return "", "", false, false
			}
			dir = val
		case "raw":
			raw = true
			if hasVal {
				v, err := strconv.ParseBool(val)
				if err != nil {
					return "", "", false, false
				}
				raw = v
			}
		default:
			return "", "", false, false
		}
	}
	return dir, id, raw, n == 1
}

// findEngine returns the path of correlate-engine.
func findEngine() (string, error) {
	if p := os.Getenv("CORRELATE_ENGINE"); p != "" {
		return p, nil
	}
	var beside string
	if self, err := os.Executable(); err == nil {
		beside = filepath.Join(filepath.Dir(self), "correlate-engine")
		if fi, err := os.Stat(beside); err == nil && !fi.IsDir() {
			return beside, nil
		}
	}
	if p, err := exec.LookPath("correlate-engine"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("correlate-engine, which runs every command but a plain lookup, is neither beside this binary (%s) nor on $PATH: build both with `make correlate`, or `go install ./cmd/...` in the correlate module", beside)
}
