package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/spf13/cobra"
)

// Run runs the command line args (without the program name) and returns
// the exit status: 0 ok, 1 a failure (one line on stderr), 2 a wrong
// command line.
func Run(ctx context.Context, args []string, e *Env) int {
	root := newRootCommand(e)
	root.SetArgs(goStyleFlags(root, args))
	cmd, err := root.ExecuteContextC(ctx)
	return exitCode(e.Stderr, cmd, err)
}

// newRootCommand builds the command tree. Building it only declares flags:
// no command does any work before it runs.
func newRootCommand(e *Env) *cobra.Command {
	// List the commands in the order of work (parse, index, logs, …),
	// not by name.
	keepCommandOrder.Do(func() { cobra.EnableCommandSorting = false })
	root := &cobra.Command{
		Use:   "correlate",
		Short: "find every log line of a trace, fast, in the log files of many services",
		Long: `correlate finds every log line of a trace, fast, in the log files of many services.

Flags may stand before or after the arguments. Run "correlate COMMAND --help"
for a command's flags and examples, and "correlate completion bash|zsh|fish"
for shell completion.

Exit status: 0 ok, 1 error (one line on stderr), 2 usage error.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Without a command: the usage on stderr, exit 2.
		RunE: func(c *cobra.Command, args []string) error {
			io.WriteString(e.Stderr, c.UsageString())
			return errUsageShown
		},
	}
	root.SetIn(e.Stdin)
	root.SetOut(e.Stdout)
	root.SetErr(e.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr{err.Error()} })
	root.AddCommand(
		newParseCommand(e),
		newIndexCommand(e),
		newLogsCommand(e),
		newTraceCommand(e),
		newSearchCommand(e),
		newFailuresCommand(e),
		newFindCommand(e),
		newCoverageCommand(e),
		newServeCommand(e),
		newJaegerUIConfigCommand(e),
	)
	return root
}

var keepCommandOrder sync.Once

// runE adapts a command's run to cobra: a usage error stays one (exit 2),
// any other error is the command's failure (exit 1).
func runE(run func(ctx context.Context, args []string) error) func(*cobra.Command, []string) error {
	return func(c *cobra.Command, args []string) error {
		err := run(c.Context(), args)
		var ue usageErr
		if err == nil || errors.As(err, &ue) {
			return err
		}
		return failure{err}
	}
}

// goStyleFlags rewrites the single-dash long flags the Go flag package
// accepts (-data DIR, -raw=false) into the double-dash form, for the
// command args select; "--" ends the flags.
func goStyleFlags(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil {
		return args
	}
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		out = append(out, a)
		if a == "--" {
			return append(out, args[i+1:]...)
		}
		if len(a) < 3 || a[0] != '-' {
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "help" {
			out[len(out)-1] = "--" + a[strings.IndexByte(a, 'h'):]
			continue
		}
		f := cmd.Flags().Lookup(name)
		if f == nil {
			f = cmd.InheritedFlags().Lookup(name)
		}
		if f == nil {
			continue
		}
		if a[1] != '-' {
			out[len(out)-1] = "-" + a
		}
		// A flag's value is never a flag: keep it as written.
		if !hasValue && f.NoOptDefVal == "" && i+1 < len(args) {
			i++
			out = append(out, args[i])
		}
	}
	return out
}

// usageErr is a wrong command line: exit status 2.
type usageErr struct{ msg string }

func (e usageErr) Error() string { return e.msg }

// usagef returns a usage error (exit status 2).
func usagef(format string, args ...any) error {
	return usageErr{fmt.Sprintf(format, args...)}
}

// failure is a command's error: exit status 1.
type failure struct{ err error }

func (f failure) Error() string { return f.err.Error() }
func (f failure) Unwrap() error { return f.err }

// errUsageShown: the usage is already on stderr (exit status 2).
var errUsageShown = errors.New("usage shown")

// exitCode prints err (one line) and returns the exit status for it.
func exitCode(w io.Writer, cmd *cobra.Command, err error) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, errUsageShown) {
		return 2
	}
	msg := strings.ReplaceAll(strings.TrimSpace(err.Error()), "\n", "; ")
	var f failure
	if errors.As(err, &f) {
		if errors.Is(err, context.Canceled) {
			msg = "interrupted"
		}
		fmt.Fprintf(w, "%s: %s\n", cmd.CommandPath(), msg)
		return 1
	}
	// A usage error of ours, or cobra's (unknown command or flag).
	if cmd == nil || !cmd.HasParent() {
		fmt.Fprintf(w, "correlate: %s\nRun 'correlate --help' for the commands.\n", msg)
		return 2
	}
	fmt.Fprintf(w, "%s: %s\nUsage: correlate %s (see %s --help)\n", cmd.CommandPath(), msg, cmd.Use, cmd.CommandPath())
	return 2
}
