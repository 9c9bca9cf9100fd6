package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/traceline/traceline/correlate/failures"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
	"github.com/traceline/traceline/correlate/tracesource"
)

// failuresOptions are the settings of `correlate failures`.
type failuresOptions struct {
	index    lookupFlags
	window   windowFlags
	services []string
	limit    int
	format   string
	jaeger   string
	timeout  time.Duration
}

func newFailuresCommand(e *Env) *cobra.Command {
	var o failuresOptions
	cmd := &cobra.Command{
		Use:   "failures [--since 15m | --from T --to T] [--service S]... [--format text|json] [--data DIR | --server URL] [--jaeger URL]",
		Short: "list the requests that failed: traces with an error line or an error span, newest first",
		Long: `Lists the traces that, in the window (the last 15 minutes unless --since or
--from/--to say otherwise), logged a line at level error or above, or (with
--jaeger) have a span in error status in Jaeger. Newest first, by the time
of the first error; for each: its services, the first error, its lines and
spans, its duration, and whether it was sampled. A failure whose spans
Jaeger lacks is listed too, as not sampled.

With --server (or while "correlate serve" holds the data folder) the
service answers, with its own --jaeger. When nothing failed, the reason
goes to stderr and the exit status is 1.`,
		Example: `  correlate failures --data idx --since 1h
  correlate failures --data idx --jaeger http://localhost:16686 --service worker
  correlate failures --server http://127.0.0.1:8089 --format json | jq '.failures[].trace_id'`,
	}
	o.index.add(cmd.Flags())
	o.window.add(cmd, "15m")
	fs := cmd.Flags()
	fs.Var(listFlag{&o.services}, "service", "only failures with an error in this `SERVICE` (repeatable)")
	fs.IntVar(&o.limit, "limit", failures.DefaultLimit, fmt.Sprintf("list at most `N` failures (at most %d)", failures.MaxLimit))
	fs.StringVar(&o.format, "format", "text", "text or json")
	fs.StringVar(&o.jaeger, "jaeger", "", "Jaeger query `URL`, for error spans and sampling (default $CORRELATE_JAEGER)")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "give up on Jaeger after this `DURATION`")
	cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	cmd.MarkFlagDirname("data")
	cmd.RunE = runE(func(ctx context.Context, args []string) error { return o.run(ctx, e, args) })
	return cmd
}

// validate checks the command line and returns the list's parameters, as
// GET /api/v1/failures takes them.
func (o *failuresOptions) validate(e *Env, args []string) (url.Values, failures.Query, error) {
	o.index.resolve(e)
	if o.jaeger == "" {
		o.jaeger = e.Getenv("CORRELATE_JAEGER")
	}
	if err := o.index.requireData(); err != nil {
		return nil, failures.Query{}, err
	}
	if len(args) > 0 {
		return nil, failures.Query{}, usagef("failures takes no arguments, got %q", args[0])
	}
	if o.format != "text" && o.format != "json" {
		return nil, failures.Query{}, usagef("--format must be text or json, not %q", o.format)
	}
	if o.limit < 1 {
		return nil, failures.Query{}, usagef("--limit must be at least 1")
	}
	v := url.Values{}
	o.window.values(v)
	for _, s := range o.services {
		v.Add("service", s)
	}
	v.Set("limit", strconv.Itoa(o.limit))
	q, err := failures.ParseQuery(v, time.Now())
	if err != nil {
		return nil, q, usagef("%s", flagError(err))
	}
	return v, q, nil
}

// run prints the failures.
func (o *failuresOptions) run(ctx context.Context, e *Env, args []string) error {
	v, q, err := o.validate(e, args)
	if err != nil {
		return err
	}
	var res failures.Result
	var stats *store.Stats // when nothing failed
	err = withIndex(e, o.index, func(r *remoteReader) error {
		if err := r.getJSON(ctx, "/api/v1/failures?"+v.Encode(), &res); err != nil {
			return err
		}
		stats = statsIfEmpty(ctx, r, len(res.Failures))
		return nil
	}, func(st *pebblestore.Store) error {
		var src failures.Source
		if o.jaeger != "" {
			j, err := tracesource.NewJaeger(o.jaeger, tracesource.WithTimeout(0, o.timeout))
			if err != nil {
				return usagef("--jaeger: %v", err)
			}
			defer j.Close()
			src = j
		}
		res, err = failures.List(ctx, st, src, q)
		if err != nil {
			return err
		}
		stats = statsIfEmpty(ctx, st, len(res.Failures))
		return nil
	})
	if err != nil {
		return err
	}
	if o.format == "json" {
		if err := writeJSONTo(e.Stdout, res); err != nil {
			return err
		}
	} else {
		printFailures(e.Stdout, res.Failures)
	}
	if res.Jaeger == failures.JaegerUnreachable {
		fmt.Fprintf(e.Stderr, "correlate failures: Jaeger did not answer, so spans are unknown: %s\n", res.JaegerError)
	}
	if len(res.Failures) == 0 {
		why := "no request failed in the window: no line at level error or above"
		if res.Jaeger == failures.JaegerOK {
			why += " and no error span in Jaeger"
		}
		return errors.New(whyNothing(stats, res.Window.From, res.Window.To, why, true))
	}
	return nil
}

// printFailures writes two lines per failure: when, where and what; then
// the trace and its counts.
func printFailures(w io.Writer, fs []failures.Failure) {
	for _, f := range fs {
		fe := f.FirstError
		fmt.Fprintf(w, "%s  %s  %s: %s\n", fe.Time.Format("2006-01-02T15:04:05.000Z07:00"), fe.Service, fe.Level, oneLine(fe.Msg))
		var b strings.Builder
		fmt.Fprintf(&b, "    trace %s  %s  %d lines (%d error), %d spans (%d error), %.1f ms", f.TraceID, strings.Join(f.Services, ","),
			f.Lines, f.ErrorLines, f.Spans, f.ErrorSpans, f.DurationMS)
		if f.Reason != "" {
			b.WriteString("  [" + f.Reason + "]")
		}
		fmt.Fprintln(w, b.String())
	}
}
