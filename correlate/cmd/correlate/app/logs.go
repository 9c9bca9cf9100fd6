package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/traceline/traceline/correlate/lookup"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// logsOptions are the settings of `correlate logs`.
type logsOptions struct {
	index lookupFlags
	raw   bool
	limit int
}

func newLogsCommand(e *Env) *cobra.Command {
	var o logsOptions
	cmd := &cobra.Command{
		Use:   "logs --data DIR TRACE_ID",
		Short: "print every indexed log line of one trace, as JSONL in time order",
		Long: `Looks the trace up in the index that "correlate index" built in DIR and prints
its lines, one JSON object per line, oldest first:

  {"file":"a.log","line":12,"trace_id":"<32 hex>","span_id":"<16 hex>","time":"…","level":"info","msg":"…","service":"…"}

The lines come from the index, so they are found even after their file was
rotated, compressed or deleted. A time written in whole seconds beside
millisecond ones (zerolog's default) cannot place its line by itself: the
line goes by its file's order, at the middle of its second, and carries
"time_approx":true. A line that names no service takes its file's.

TRACE_ID may be 32 hex digits (any case), a W3C traceparent, or a 64-bit id
as 16 hex digits or as a decimal number (Datadog, B3): a 64-bit id finds
every trace whose low 64 bits it is, and a 128-bit id also finds lines that
logged only its low 64 bits.

The lines are read and printed a page at a time, so a trace of millions
of lines takes no more memory than a page; --limit N stops after N lines.

When nothing is found the reason goes to stderr and the exit status is 1.`,
		Example: `  correlate logs --data /var/lib/correlate 4bf92f3577b34da6a3ce929d0e0e4736
  correlate logs 11803532876627986230 --data idx --raw | jq .msg`,
	}
	o.index.add(cmd.Flags())
	cmd.Flags().BoolVar(&o.raw, "raw", false, `add the line as written under "raw"`)
	cmd.Flags().IntVar(&o.limit, "limit", 0, "print at most `N` lines, the oldest (0: all)")
	cmd.MarkFlagDirname("data")
	cmd.RunE = runE(func(ctx context.Context, args []string) error { return o.run(ctx, e, args) })
	return cmd
}

// validate checks the command line and returns the trace's ids.
func (o *logsOptions) validate(e *Env, args []string) ([]store.TraceID, error) {
	o.index.resolve(e)
	if err := o.index.requireData(); err != nil {
		return nil, err
	}
	if len(args) != 1 {
		return nil, usagef("want exactly one TRACE_ID, got %d arguments", len(args))
	}
	return traceIDArg(args[0])
}

// run prints the trace's lines.
func (o *logsOptions) run(ctx context.Context, e *Env, args []string) error {
	ids, err := o.validate(e, args)
	if err != nil {
		return err
	}
	r, closeFn, err := openReader(e, o.index)
	if err != nil {
		return err
	}
	defer closeFn()
	err = printLogs(ctx, e.Stdout, r, ids, o.limit, o.raw)
	switch {
	case errors.Is(err, store.ErrEmpty) && o.index.server != "":
		return fmt.Errorf("the service at %s has indexed nothing yet", o.index.server)
	case errors.Is(err, store.ErrEmpty):
		return fmt.Errorf("the index in %s is empty: run `correlate index --data %s PATH...` first", o.index.data, o.index.data)
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("no such trace in the index: %s%s", args[0], indexHint(ctx, r))
	}
	return err
}

// logsPageLines is how many lines `logs` reads at once.
var logsPageLines = store.DefaultPageLines

// printLogs writes the trace's lines (at most limit when limit > 0) as
// JSONL, page by page when r reads in pages.
func printLogs(ctx context.Context, w io.Writer, r store.LogsReader, ids []store.TraceID, limit int, raw bool) error {
	if _, paged := r.(store.Pager); !paged {
		recs, err := r.Logs(ctx, ids...)
		if err != nil {
			return err
		}
		if limit > 0 && len(recs) > limit {
			recs = recs[:limit]
		}
		return writeLogs(w, recs, raw)
	}
	after := store.Cursor{}
	for printed := 0; ; {
		size := logsPageLines
		if limit > 0 {
			size = min(size, limit-printed)
		}
		pg, err := store.ReadPage(ctx, r, ids, after, size)
		if err != nil {
			return err
		}
		if err := writeLogs(w, pg.Records, raw); err != nil {
			return err
		}
		printed += len(pg.Records)
		if !pg.More || limit > 0 && printed >= limit {
			return nil
		}
		after = pg.Next
	}
}

// writeLogs writes recs as JSONL in reading order (lookup.ReadingOrder: a
// whole-second time among millisecond ones goes by its file's order and
// carries "time_approx":true), each line without a service given its
// file's.
func writeLogs(w io.Writer, recs []parse.Record, raw bool) error {
	approx := lookup.ReadingOrder(recs)
	bw := bufio.NewWriterSize(w, 64<<10)
	buf := make([]byte, 0, 4096)
	for i := range recs {
		if raw {
			buf = recs[i].AppendJSONRaw(buf[:0])
		} else {
			buf = recs[i].AppendJSON(buf[:0])
		}
		if approx != nil && approx[i] {
			buf = append(buf[:len(buf)-1], `,"time_approx":true}`...)
		}
		if _, err := bw.Write(append(buf, '\n')); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// indexHint says what the index holds, for a lookup that found nothing.
func indexHint(ctx context.Context, r store.Reader) string {
	st, err := r.Stats(ctx)
	if err != nil {
		return ""
	}
	s := fmt.Sprintf(" (the index holds %d files", st.Files)
	if !st.Oldest.IsZero() {
		s += fmt.Sprintf(", entries from %s to %s", st.Oldest.Format("2006-01-02"), st.Newest.Format("2006-01-02 15:04:05"))
	}
	return s + ")"
}
