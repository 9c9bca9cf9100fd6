package app

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/traceline/traceline/correlate/coverage"
)

// coverageOptions are the settings of `correlate coverage`.
type coverageOptions struct {
	index  lookupFlags
	format string
	top    int
	slack  time.Duration
}

func newCoverageCommand(e *Env) *cobra.Command {
	var o coverageOptions
	cmd := &cobra.Command{
		Use:   "coverage --data DIR [--format text|json] [--top N] [--slack DUR]",
		Short: "find the call sites that drop the trace context (goroutines without ctx)",
		Long: `Finds where services drop the trace context: the call sites that write log
lines without a trace id while their process (service and log file) is
serving a traced request, that is, while the line's time lies between the
first and last traced line of some trace of the same process (--slack widens
that). Sites are ranked by how many such lines they wrote. A site also seen
WITH trace ids is the sharpest signal (marked): some path to it loses the
ctx, typically a goroutine started without it.

A site is the caller file:line when the logger writes it, else the message
template (numbers, ids and quoted values replaced). The report names the
services that write no caller and how to turn callers on:
  zerolog: zerolog.New(w).With().Caller().Logger()
  slog:    slog.HandlerOptions{AddSource: true}
  zap:     zap.New(core, zap.AddCaller())

It reads the untraced lines the index keeps (compact form: time, level,
service, caller, message cut to 512 bytes).`,
		Example: `  correlate coverage --data idx
  correlate coverage --data idx --format json | jq '.sites[] | select(.traced > 0)'`,
	}
	fs := cmd.Flags()
	o.index.add(fs)
	fs.StringVar(&o.format, "format", "text", "text or json")
	fs.IntVar(&o.top, "top", 20, "show this many call sites (0: all)")
	fs.DurationVar(&o.slack, "slack", 0, "widen each request by this much on both sides (a goroutine logging just after the response still counts)")
	cmd.MarkFlagDirname("data")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.RunE = runE(func(ctx context.Context, args []string) error { return o.run(ctx, e, args) })
	return cmd
}

// validate checks the command line.
func (o *coverageOptions) validate(e *Env, args []string) error {
	o.index.resolve(e)
	if err := o.index.requireData(); err != nil {
		return err
	}
	if len(args) != 0 {
		return usagef("coverage takes no arguments, got %q", args)
	}
	if o.format != "text" && o.format != "json" {
		return usagef("--format must be text or json, not %q", o.format)
	}
	return nil
}

// run prints the report.
func (o *coverageOptions) run(ctx context.Context, e *Env, args []string) error {
	if err := o.validate(e, args); err != nil {
		return err
	}
	r, closeFn, err := openReader(e, o.index)
	if err != nil {
		return err
	}
	defer closeFn()
	rep, err := coverage.Analyze(ctx, coverage.StoreSource(r), coverage.WithSlack(o.slack))
	if err != nil {
		return fmt.Errorf("reading the index: %w", err)
	}
	if o.format == "json" {
		return rep.WriteJSON(e.Stdout)
	}
	return rep.WriteText(e.Stdout, o.top)
}
