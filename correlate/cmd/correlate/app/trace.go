package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/lookup"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/traces"
	"github.com/traceline/traceline/correlate/tracesource"
	"github.com/traceline/traceline/correlate/view"
)

// traceOptions are the settings of `correlate trace`.
type traceOptions struct {
	index                   lookupFlags
	jaeger, traceFile       string
	format, viewName, color string
	skew, exportDelay       time.Duration
	wait, timeout           time.Duration
	limit                   int
}

func newTraceCommand(e *Env) *cobra.Command {
	var o traceOptions
	cmd := &cobra.Command{
		Use:   "trace --data DIR [--jaeger URL | --trace-file FILE] TRACE_ID [--format text|json]",
		Short: "show a trace's spans as a waterfall with each span's log lines under it",
		Long: `Joins the trace's log lines from the index in DIR with its spans from Jaeger
(--jaeger, or $CORRELATE_JAEGER, or the Jaeger of the "correlate serve" that
holds DIR) or from a file (--trace-file: the Jaeger UI's JSON download, a
saved api/v3 answer, or OTLP JSON), and shows:

  --format text   the span tree as a waterfall, each span's lines under it
                  (colour on a terminal unless NO_COLOR is set)
  --format json   {"trace_id","spans":[{…,"logs":[line+"match"]}],"orphans":[line+"reason"]}
  --view merged   every line in time order with the span it belongs to
                  (a whole-second time beside millisecond ones is placed by
                  its span and file, marked "~"; JSON: "time_approx":true)

A line with a span id joins that span ("exact"); a line with only a trace id
joins the innermost span of its service that holds its time ("inferred"), or
is "ambiguous" and lists its candidates. Lines whose span is missing are
orphans with a reason: unsampled, trace unavailable, not yet exported (see
--wait), trace missing, dropped downstream, span missing. Spans in error
without a line and lines far outside their span (skewed) are marked.

When the trace source fails (down, slow, 5xx, garbage) the lines still show,
with the reason on stderr, and the exit status is 0. Exit 1 only when there
are neither lines nor a trace.`,
		Example: `  correlate trace --data idx --jaeger http://localhost:16686 4bf92f3577b34da6a3ce929d0e0e4736
  correlate trace 4bf92f3577b34da6a3ce929d0e0e4736 --data idx --trace-file trace.json --format json | jq '.orphans'
  correlate trace --data idx --jaeger http://localhost:16686 --wait 15s --view merged ID`,
	}
	fs := cmd.Flags()
	o.index.add(fs)
	fs.StringVar(&o.jaeger, "jaeger", "", "Jaeger query `URL`, e.g. http://localhost:16686 (default $CORRELATE_JAEGER)")
	fs.StringVar(&o.traceFile, "trace-file", "", "read the trace from this Jaeger JSON or OTLP JSON `FILE` instead of Jaeger")
	fs.StringVar(&o.format, "format", "text", "text or json")
	fs.StringVar(&o.viewName, "view", "tree", "tree (spans with their lines) or merged (all lines in time order)")
	fs.StringVar(&o.color, "color", "auto", "auto (on a terminal unless NO_COLOR is set), always or never")
	fs.DurationVar(&o.skew, "skew", join.DefaultSkewTolerance, "how far a line's time may lie outside its span before it is marked skewed")
	fs.DurationVar(&o.exportDelay, "export-delay", join.DefaultExportDelay, "lines younger than this whose span is missing are \"not yet exported\"")
	fs.DurationVar(&o.wait, "wait", 0, "wait up to this long for lines and spans not yet in the index or Jaeger, asking again each second")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "bound on the trace lookup, retries included")
	fs.IntVar(&o.limit, "limit", 0, "join only the oldest `N` lines of the trace (0: all)")
	cmd.MarkFlagDirname("data")
	cmd.MarkFlagFilename("trace-file", "json", "jsonl")
	for flag, values := range map[string][]string{"format": {"text", "json"}, "view": {"tree", "merged"}, "color": {"auto", "always", "never"}} {
		cmd.RegisterFlagCompletionFunc(flag, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
	}
	cmd.RunE = runE(func(ctx context.Context, args []string) error { return o.run(ctx, e, args) })
	return cmd
}

// validate fills what the flags leave empty from the environment, checks
// the command line, and returns the trace's ids.
func (o *traceOptions) validate(e *Env, args []string) ([]store.TraceID, error) {
	o.index.resolve(e)
	if o.jaeger == "" && o.traceFile == "" {
		o.jaeger = e.Getenv("CORRELATE_JAEGER")
	}
	switch {
	case len(args) != 1:
		return nil, usagef("want exactly one TRACE_ID, got %d arguments", len(args))
	case o.format != "text" && o.format != "json":
		return nil, usagef("--format must be text or json, not %q", o.format)
	case o.viewName != "tree" && o.viewName != "merged":
		return nil, usagef("--view must be tree or merged, not %q", o.viewName)
	case o.color != "auto" && o.color != "always" && o.color != "never":
		return nil, usagef("--color must be auto, always or never, not %q", o.color)
	case o.jaeger != "" && o.traceFile != "":
		return nil, usagef("give --jaeger or --trace-file, not both")
	case !o.hasIndex() && o.jaeger == "" && o.traceFile == "":
		return nil, usagef("nothing to look in: give --data DIR, and --jaeger URL or --trace-file FILE")
	}
	return traceIDArg(args[0])
}

func (o *traceOptions) hasIndex() bool { return o.index.data != "" || o.index.server != "" }

// run looks the trace up, waits for lines and spans still coming (--wait),
// and renders it.
func (o *traceOptions) run(ctx context.Context, e *Env, args []string) error {
	ids, err := o.validate(e, args)
	if err != nil {
		return err
	}
	var logs lookup.Logs
	if o.hasIndex() {
		r, closeFn, err := openReader(e, o.index)
		if err != nil {
			return err
		}
		defer closeFn()
		logs = r
		if rr, ok := r.(*remoteReader); ok && o.jaeger == "" && o.traceFile == "" {
			// the service's lines, joined with the service's Jaeger
			if o.jaeger, err = rr.Jaeger(ctx); err != nil {
				fmt.Fprintf(e.Stderr, "correlate trace: cannot learn the service's Jaeger: %v\n", err)
			}
		}
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
	if res, err = o.waitForMore(ctx, e, res, logs, src, ids, lo); err != nil {
		return err
	}
	if src == nil {
		// Say why there are no spans: none was asked for, not "missing".
		res.Trace = join.Join(traces.Trace{TraceID: res.TraceID}, res.Records,
			join.WithSkewTolerance(o.skew), join.WithExportDelay(o.exportDelay),
			join.WithSourceError(errors.New(noSource)))
	}
	if res.Empty() {
		return nothingFound(res, logs != nil, src != nil)
	}
	explainGaps(e.Stderr, res, logs != nil, src != nil)
	return o.render(e, res)
}

// noSource is why a trace has no spans when neither --jaeger nor
// --trace-file was given.
const noSource = "no trace source given (--jaeger URL or --trace-file FILE)"

// waitForMore looks the trace up again, once a second, while --wait has
// not run out and the answer may still grow: lines wait for spans still
// in an exporter's batch, the index has no line of the trace yet, or the
// last look found lines the one before did not (they are still being
// written or followed).
func (o *traceOptions) waitForMore(ctx context.Context, e *Env, res *lookup.Result, logs lookup.Logs, src tracesource.Source, ids []store.TraceID, lo lookup.Options) (*lookup.Result, error) {
	if o.wait <= 0 {
		return res, nil
	}
	deadline := time.Now().Add(o.wait)
	grew := false
	for time.Now().Before(deadline) {
		var why string
		switch {
		case res.Waiting() > 0:
			why = fmt.Sprintf("%d lines wait for their spans to be exported", res.Waiting())
		case logs != nil && len(res.Records) == 0:
			why = "no log line of the trace yet"
		case grew:
			why = "more log lines came"
		default:
			return res, nil
		}
		pause := min(time.Until(deadline), time.Second)
		fmt.Fprintf(e.Stderr, "correlate trace: %s; asking again in %v\n", why, pause.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(pause):
		}
		next := lookup.Trace(ctx, logs, src, ids, lo)
		if logs != nil && next.IndexFailed() {
			return res, fmt.Errorf("reading the index: %w", next.LogErr)
		}
		grew = len(next.Records) > len(res.Records)
		res = next
	}
	return res, nil
}

// nothingFound is the error for a trace with neither lines nor spans.
func nothingFound(res *lookup.Result, hasIndex, hasSource bool) error {
	why := noSource
	if res.SourceErr != nil {
		why = res.SourceErr.Error()
	} else if hasSource {
		why = "the trace source has no span of it"
	}
	lines := "no index given (--data DIR)"
	if res.LogErr != nil && hasIndex {
		lines = res.LogErr.Error()
	}
	return fmt.Errorf("nothing for trace %s: log lines: %s; trace: %s", res.TraceID, lines, why)
}

// explainGaps says on w why spans or lines are missing from what is shown.
func explainGaps(w io.Writer, res *lookup.Result, hasIndex, hasSource bool) {
	switch {
	case !hasSource:
		fmt.Fprintln(w, "correlate trace: no trace source (--jaeger URL or --trace-file FILE): showing the log lines only")
	case res.Fault() != nil:
		fmt.Fprintf(w, "correlate trace: %v: showing the log lines only\n", res.Fault())
	case res.SourceErr != nil:
		fmt.Fprintf(w, "correlate trace: the trace source has no span of %s: showing the log lines only\n", res.TraceID)
	}
	if len(res.Records) == 0 {
		why := "no index given"
		if res.LogErr != nil && hasIndex {
			why = res.LogErr.Error()
		}
		fmt.Fprintf(w, "correlate trace: no log line of trace %s (%s)\n", res.TraceID, why)
	}
}

// render writes the joined trace in the chosen format and view.
func (o *traceOptions) render(e *Env, res *lookup.Result) error {
	color := o.color == "always" || (o.color == "auto" && isTerminal(e.Stdout, e.Getenv))
	to := view.TextOptions{Color: color}
	switch {
	case o.format == "json" && o.viewName == "merged":
		return view.MergedJSONL(e.Stdout, res.Trace)
	case o.format == "json":
		return view.JSON(e.Stdout, res.Trace)
	case o.viewName == "merged":
		return view.Merged(e.Stdout, res.Trace, to)
	default:
		return view.Text(e.Stdout, res.Trace, to)
	}
}

// newTraceSource returns the trace source the flags name, nil for none,
// and its Close.
func newTraceSource(o *traceOptions) (tracesource.Source, func() error, error) {
	switch {
	case o.traceFile != "":
		src, err := tracesource.ReadFile(o.traceFile)
		if err != nil {
			return nil, nil, err
		}
		return src, func() error { return nil }, nil
	case o.jaeger != "":
		src, err := tracesource.NewJaeger(o.jaeger, tracesource.WithTimeout(0, o.timeout))
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
