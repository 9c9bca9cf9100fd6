// Command correlate-engine is the whole correlator: it finds every log line
// of a trace in gigabytes of log files, parses the lines of many loggers,
// indexes them by trace id in an embedded store, and joins them with the
// trace's spans.
//
// Users run it as `correlate`: the small launcher in cmd/correlate answers
// plain lookups (`correlate logs`) from the index's tables itself and
// hands every other command to this binary, installed beside it. Run
// `correlate help` for the commands and `correlate COMMAND --help` for one
// command.
//
// # Adding a command
//
// Each command lives in its own file and registers itself from init:
//
//	func init() {
//		register(command{
//			Name: "trace", Args: "--data DIR TRACE_ID", Summary: "…", Help: "…",
//			Flags: func(fs *flag.FlagSet) runFunc {
//				data := dataFlag(fs)
//				return func(ctx context.Context, e *env, args []string) error { … }
//			},
//		})
//	}
//
// Return usagef(…) for a usage error (exit 2) and any other error for a
// failure (exit 1, one line on stderr). Shared helpers are in common.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"

	// Huge pages for the start of the heap: several milliseconds off a
	// short command on a VM where page faults are dear.
	_ "github.com/traceline/traceline/correlate/internal/hugeheap"
)

// command is one subcommand of correlate.
type command struct {
	Name    string // as typed: "logs"
	Args    string // the synopsis after the name: "--data DIR TRACE_ID"
	Summary string // one line for the command list
	Help    string // what --help prints after the synopsis and before the flags
	// Flags declares the command's flags on fs and returns the function
	// that runs it with the remaining arguments.
	Flags func(fs *flag.FlagSet) runFunc
	// Main, instead of Flags, runs a command that parses its own flags
	// (and prints its own --help) and returns the exit status.
	Main func(ctx context.Context, e *env, args []string) int
	// Order places the command in the list (lower first; then by name).
	Order int
}

// runFunc runs a command. Errors made with usagef exit 2, others 1.
type runFunc func(ctx context.Context, e *env, args []string) error

// env is what a command reads and writes, so tests can run it in-process.
type env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// StderrFile is os.Stderr when it is the process's (for terminal
	// detection); nil in tests.
	StderrFile *os.File
	Getenv     func(string) string
}

var commands = map[string]command{}

// register adds a command; call it from an init func.
func register(c command) {
	if _, dup := commands[c.Name]; dup {
		panic("correlate: command registered twice: " + c.Name)
	}
	commands[c.Name] = c
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// CORRELATE_CPUPROFILE=FILE writes a CPU profile of the whole command
	// (for the benchmarks in docs/BENCHMARKS.md).
	if f := os.Getenv("CORRELATE_CPUPROFILE"); f != "" {
		if out, err := os.Create(f); err == nil {
			if pprof.StartCPUProfile(out) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	code := runMain(ctx, os.Args[1:], &env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, StderrFile: os.Stderr, Getenv: os.Getenv})
	stop()
	if code != 0 {
		pprof.StopCPUProfile()
		os.Exit(code)
	}
}

// runMain runs the command line args and returns the exit code.
func runMain(ctx context.Context, args []string, e *env) int {
	if len(args) == 0 {
		printUsage(e.Stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok && c.Main != nil {
				return c.Main(ctx, e, []string{"--help"})
			} else if ok {
				printCommandHelp(e.Stdout, c, newFlagSet(c))
				return 0
			}
		}
		printUsage(e.Stdout)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(e.Stderr, "correlate: unknown command %q\n\n", name)
		printUsage(e.Stderr)
		return 2
	}
	if c.Main != nil {
		return c.Main(ctx, e, args[1:])
	}
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	run := c.Flags(fs)
	rest, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		printCommandHelp(e.Stdout, c, fs)
		return 0
	}
	if err == nil {
		err = run(ctx, e, rest)
	}
	return exitCode(e.Stderr, c, err)
}

func newFlagSet(c command) *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if c.Flags != nil {
		c.Flags(fs)
	}
	return fs
}

// parseInterspersed parses flags that stand before, between or after the
// arguments; "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%v", err)
		}
		left := fs.Args()
		if n := len(args) - len(left); n > 0 && args[n-1] == "--" {
			return append(rest, left...), nil
		}
		if len(left) == 0 {
			return rest, nil
		}
		// Parse stopped at a positional argument ("-" for stdin included)
		rest = append(rest, left[0])
		args = left[1:]
	}
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `correlate finds every log line of a trace, fast, in the log files of many services.

Usage:
  correlate COMMAND [FLAGS] [ARGS]

Commands:
`)
	var cs []command
	for _, c := range commands {
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool {
		if cs[i].Order != cs[j].Order {
			return cs[i].Order < cs[j].Order
		}
		return cs[i].Name < cs[j].Name
	})
	for _, c := range cs {
		fmt.Fprintf(w, "  %-18s %s\n", c.Name, c.Summary)
	}
	fmt.Fprint(w, `
Flags may stand before or after the arguments. Run "correlate COMMAND --help"
for a command's flags and examples.

Exit status: 0 ok, 1 error (one line on stderr), 2 usage error.
`)
}

func printCommandHelp(w io.Writer, c command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: correlate %s %s\n\n%s\n", c.Name, c.Args, strings.TrimSpace(c.Help))
	var flags []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
	if len(flags) > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		for _, f := range flags {
			name, usage := flag.UnquoteUsage(f)
			line := "  --" + f.Name
			if name != "" {
				line += " " + name
			}
			fmt.Fprintf(w, "%-26s %s", line, usage)
			if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" {
				fmt.Fprintf(w, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(w)
		}
	}
}
