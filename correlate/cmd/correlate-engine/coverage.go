package main

import (
	"context"
	"flag"
	"fmt"

	"github.com/traceline/traceline/correlate/coverage"
)

func init() {
	register(command{
		Name:    "coverage",
		Args:    "--data DIR [--format text|json] [--top N] [--slack DUR]",
		Summary: "find the call sites that drop the trace context (goroutines without ctx)",
		Order:   50,
		Help: `Finds where services drop the trace context: the call sites that write log
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
service, caller, message cut to 512 bytes).

Examples:
  correlate coverage --data idx
  correlate coverage --data idx --format json | jq '.sites[] | select(.traced > 0)'`,
		Flags: func(fs *flag.FlagSet) runFunc {
			data := dataFlag(fs)
			format := fs.String("format", "text", "text or json")
			top := fs.Int("top", 20, "show this many call sites (0: all)")
			slack := fs.Duration("slack", 0, "widen each request by this much on both sides (a goroutine logging just after the response still counts)")
			return func(ctx context.Context, e *env, args []string) error {
				dir, err := dataDir(e, *data)
				if err != nil {
					return err
				}
				if len(args) != 0 {
					return usagef("coverage takes no arguments, got %q", args)
				}
				if *format != "text" && *format != "json" {
					return usagef("--format must be text or json, not %q", *format)
				}
				r, closeFn, err := openReader(ctx, dir)
				if err != nil {
					return err
				}
				defer closeFn()
				rep, err := coverage.Analyze(ctx, coverage.StoreSource(r), coverage.WithSlack(*slack))
				if err != nil {
					return fmt.Errorf("reading the index: %w", err)
				}
				if *format == "json" {
					return rep.WriteJSON(e.Stdout)
				}
				return rep.WriteText(e.Stdout, *top)
			}
		},
	})
}
