package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/lookup"
	"github.com/traceline/traceline/correlate/traces"
	"github.com/traceline/traceline/correlate/tracesrc"
	"github.com/traceline/traceline/correlate/view"
)

func init() {
	register(command{
		Name:    "trace",
		Args:    "--data DIR [--jaeger URL | --trace-file FILE] TRACE_ID [--format text|json]",
		Summary: "show a trace's spans as a waterfall with each span's log lines under it",
		Order:   40,
		Help: `Joins the trace's log lines from the index in DIR with its spans from Jaeger
(--jaeger, or $CORRELATE_JAEGER) or from a file (--trace-file: the Jaeger UI's
JSON download, a saved api/v3 answer, or OTLP JSON), and shows:

  --format text   the span tree as a waterfall, each span's lines under it
                  (colour on a terminal unless NO_COLOR is set)
  --format json   {"trace_id","spans":[{…,"logs":[line+"match"]}],"orphans":[line+"reason"]}
  --view merged   every line in time order with the span it belongs to

A line with a span id joins that span ("exact"); a line with only a trace id
joins the innermost span of its service that holds its time ("inferred"), or
is "ambiguous" and lists its candidates. Lines whose span is missing are
orphans with a reason: unsampled, trace unavailable, not yet exported (see
--wait), trace missing, dropped downstream, span missing. Spans in error
without a line and lines far outside their span (skewed) are marked.

When the trace source fails (down, slow, 5xx, garbage) the lines still show,
with the reason on stderr, and the exit status is 0. Exit 1 only when there
are neither lines nor a trace.

Examples:
  correlate trace --data idx --jaeger http://localhost:16686 4bf92f3577b34da6a3ce929d0e0e4736
  correlate trace 4bf92f3577b34da6a3ce929d0e0e4736 --data idx --trace-file trace.json --format json | jq '.orphans'
  correlate trace --data idx --jaeger http://localhost:16686 --wait 15s --view merged ID`,
		Flags: traceFlags,
	})
}

// traceOptions are the settings of `correlate trace`.
type traceOptions struct {
	data, jaeger, traceFile string
	format, viewName, color string
	skew, exportDelay       time.Duration
	wait, timeout           time.Duration
	limit                   int
}

func traceFlags(fs *flag.FlagSet) runFunc {
	var o traceOptions
	data := dataFlag(fs)
	fs.StringVar(&o.jaeger, "jaeger", "", "Jaeger query `URL`, e.g. http://localhost:16686 (default $CORRELATE_JAEGER)")
	fs.StringVar(&o.traceFile, "trace-file", "", "read the trace from this Jaeger JSON or OTLP JSON `FILE` instead of Jaeger")
	fs.StringVar(&o.format, "format", "text", "text or json")
	fs.StringVar(&o.viewName, "view", "tree", "tree (spans with their lines) or merged (all lines in time order)")
	fs.StringVar(&o.color, "color", "auto", "auto (on a terminal unless NO_COLOR is set), always or never")
	fs.DurationVar(&o.skew, "skew", join.DefaultSkewTolerance, "how far a line's time may lie outside its span before it is marked skewed")
	fs.DurationVar(&o.exportDelay, "export-delay", join.DefaultExportDelay, "lines younger than this whose span is missing are \"not yet exported\"")
	fs.DurationVar(&o.wait, "wait", 0, "wait up to this long for spans not yet exported, asking again each second")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "bound on the trace lookup, retries included")
	fs.IntVar(&o.limit, "limit", 0, "join only the oldest `N` lines of the trace (0: all)")
	return func(ctx context.Context, e *env, args []string) error {
		o.data = *data
		if o.data == "" {
			o.data = e.Getenv("CORRELATE_DATA")
		}
		if o.jaeger == "" && o.traceFile == "" {
			o.jaeger = e.Getenv("CORRELATE_JAEGER")
		}
		return runTrace(ctx, e, o, args)
	}
}

func runTrace(ctx context.Context, e *env, o traceOptions, args []string) error {
	switch {
	case len(args) != 1:
		return usagef("want exactly one TRACE_ID, got %d arguments", len(args))
	case o.format != "text" && o.format != "json":
		return usagef("--format must be text or json, not %q", o.format)
	case o.viewName != "tree" && o.viewName != "merged":
		return usagef("--view must be tree or merged, not %q", o.viewName)
	case o.color != "auto" && o.color != "always" && o.color != "never":
		return usagef("--color must be auto, always or never, not %q", o.color)
	case o.jaeger != "" && o.traceFile != "":
		return usagef("give --jaeger or --trace-file, not both")
	case o.data == "" && o.jaeger == "" && o.traceFile == "":
		return usagef("nothing to look in: give --data DIR, and --jaeger URL or --trace-file FILE")
	}
	ids, err := traceIDArg(args[0])
	if err != nil {
		return err
	}
	var logs lookup.Logs
	if o.data != "" {
		r, closeFn, err := openReader(ctx, o.data)
		if err != nil {
			return err
		}
		defer closeFn()
		logs = r
	}
	src, closeSrc, err := newTraceSource(o)
	if err != nil {
		return err
	}
	defer closeSrc()

	lo := lookup.Options{Skew: o.skew, ExportDelay: o.exportDelay, Timeout: o.timeout, Limit: o.limit}
	res := lookup.Trace(ctx, logs, src, ids, lo)
	if logs != nil && res.IndexFailed() {
		return fmt.Errorf("reading the index: %w", res.LogErr)
	}
	// Spans still in an exporter's batch: ask again until they arrive or
	// --wait runs out.
	if o.wait > 0 && src != nil {
		deadline := time.Now().Add(o.wait)
		for res.Waiting() > 0 && time.Now().Before(deadline) {
			pause := min(time.Until(deadline), time.Second)
			fmt.Fprintf(e.Stderr, "correlate trace: %d lines wait for their spans to be exported; asking again in %v\n",
				res.Waiting(), pause.Round(time.Millisecond))
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(pause):
			}
			res.Again(ctx, src, lo)
		}
	}

	if src == nil {
		// Say why there are no spans: none was asked for, not "missing".
		res.Trace = join.Join(traces.Trace{TraceID: res.TraceID}, res.Records,
			join.WithSkewTolerance(o.skew), join.WithExportDelay(o.exportDelay),
			join.WithSourceError(errors.New("no trace source given (--jaeger URL or --trace-file FILE)")))
	}
	if res.Empty() {
		why := "no trace source given (--jaeger URL or --trace-file FILE)"
		if res.SourceErr != nil {
			why = res.SourceErr.Error()
		} else if src != nil {
			why = "the trace source has no span of it"
		}
		lines := "no index given (--data DIR)"
		if res.LogErr != nil && logs != nil {
			lines = res.LogErr.Error()
		}
		return fmt.Errorf("nothing for trace %s: log lines: %s; trace: %s", res.TraceID, lines, why)
	}
	switch {
	case src == nil:
		fmt.Fprintln(e.Stderr, "correlate trace: no trace source (--jaeger URL or --trace-file FILE): showing the log lines only")
	case res.Fault() != nil:
		fmt.Fprintf(e.Stderr, "correlate trace: %v: showing the log lines only\n", res.Fault())
	case res.SourceErr != nil:
		fmt.Fprintf(e.Stderr, "correlate trace: the trace source has no span of %s: showing the log lines only\n", res.TraceID)
	}
	if len(res.Records) == 0 {
		why := "no index given"
		if res.LogErr != nil && logs != nil {
			why = res.LogErr.Error()
		}
		fmt.Fprintf(e.Stderr, "correlate trace: no log line of trace %s (%s)\n", res.TraceID, why)
	}

	color := o.color == "always" || (o.color == "auto" && isTerminal(e.Stdout, e.Getenv))
	to := view.TextOptions{Color: color}
	switch {
	case o.format == "json" && o.viewName == "merged":
		err = view.MergedJSONL(e.Stdout, res.Trace)
	case o.format == "json":
		err = view.JSON(e.Stdout, res.Trace)
	case o.viewName == "merged":
		err = view.Merged(e.Stdout, res.Trace, to)
	default:
		err = view.Text(e.Stdout, res.Trace, to)
	}
	return err
}

// newTraceSource returns the trace source the flags name, nil for none,
// and its Close.
func newTraceSource(o traceOptions) (tracesrc.Source, func() error, error) {
	switch {
	case o.traceFile != "":
		src, err := tracesrc.ReadFile(o.traceFile)
		if err != nil {
			return nil, nil, err
		}
		return src, func() error { return nil }, nil
	case o.jaeger != "":
		src, err := tracesrc.NewJaeger(o.jaeger, tracesrc.WithTimeout(0, o.timeout))
		if err != nil {
			return nil, nil, err
		}
		return src, src.Close, nil
	}
	return nil, func() error { return nil }, nil
}

// isTerminal reports whether w is a terminal that takes colour (NO_COLOR
// unset).
func isTerminal(w io.Writer, getenv func(string) string) bool {
	f, ok := w.(*os.File)
	return ok && getenv("NO_COLOR") == "" && view.IsColorTerminal(f)
}
