package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

func init() {
	register(command{
		Name:    "logs",
		Args:    "--data DIR TRACE_ID",
		Summary: "print every indexed log line of one trace, as JSONL in time order",
		Order:   30,
		Help: `Looks the trace up in the index that "correlate index" built in DIR and prints
its lines, one JSON object per line, oldest first:

  {"file":"a.log","line":12,"trace_id":"<32 hex>","span_id":"<16 hex>","time":"…","level":"info","msg":"…","service":"…"}

The lines come from the index, so they are found even after their file was
rotated, compressed or deleted.

TRACE_ID may be 32 hex digits (any case), a W3C traceparent, or a 64-bit id
as 16 hex digits or as a decimal number (Datadog, B3): a 64-bit id finds
every trace whose low 64 bits it is, and a 128-bit id also finds lines that
logged only its low 64 bits.

The lines are read and printed a page at a time, so a trace of millions
of lines takes no more memory than a page; --limit N stops after N lines.

When nothing is found the reason goes to stderr and the exit status is 1.

Examples:
  correlate logs --data /var/lib/correlate 4bf92f3577b34da6a3ce929d0e0e4736
  correlate logs 11803532876627986230 --data idx --raw | jq .msg`,
		Flags: func(fs *flag.FlagSet) runFunc {
			data := dataFlag(fs)
			raw := fs.Bool("raw", false, `add the line as written under "raw"`)
			limit := fs.Int("limit", 0, "print at most `N` lines, the oldest (0: all)")
			return func(ctx context.Context, e *env, args []string) error {
				dir, err := dataDir(e, *data)
				if err != nil {
					return err
				}
				if len(args) != 1 {
					return usagef("want exactly one TRACE_ID, got %d arguments", len(args))
				}
				ids, err := traceIDArg(args[0])
				if err != nil {
					return err
				}
				r, closeFn, err := openReader(ctx, dir)
				if err != nil {
					return err
				}
				defer closeFn()
				err = printLogs(ctx, e.Stdout, r, ids, *limit, *raw)
				switch {
				case errors.Is(err, store.ErrEmpty):
					return fmt.Errorf("the index in %s is empty: run `correlate index --data %s PATH...` first", dir, dir)
				case errors.Is(err, store.ErrNotFound):
					return fmt.Errorf("no such trace in the index: %s%s", args[0], indexHint(ctx, r))
				}
				return err
			}
		},
	})
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
		return parse.WriteJSONL(w, recs, raw)
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
		if err := parse.WriteJSONL(w, pg.Records, raw); err != nil {
			return err
		}
		printed += len(pg.Records)
		if !pg.More || limit > 0 && printed >= limit {
			return nil
		}
		after = pg.Next
	}
}
