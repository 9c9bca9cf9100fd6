// Package lookup answers "show me this trace with its logs": it reads the
// trace's lines from the index, asks the trace source for its spans within
// the lines' time window, and joins the two. The command line (`correlate
// trace`) and the service (/api/v1/traces/{id}) both go through it, so they
// give the same answer.
package lookup

import (
	"context"
	"errors"
	"time"

	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/traces"
	"github.com/traceline/traceline/correlate/tracesource"
)

// Logs is what a lookup needs of the index.
type Logs interface {
	Logs(ctx context.Context, ids ...store.TraceID) ([]parse.Record, error)
}

// Options tune one lookup. The zero value uses the join's defaults and no
// extra bound on the trace source.
type Options struct {
	Skew        time.Duration // join.WithSkewTolerance; 0 for the default
	ExportDelay time.Duration // join.WithExportDelay; 0 for the default
	Timeout     time.Duration // backstop on the trace source (it bounds itself too); 0 for none
	// Limit, when positive, reads one page of at most Limit lines,
	// starting after After (store.ReadPage), and joins it with the
	// trace's spans; Result.Next and More say where the next page
	// starts. Zero reads every line.
	Limit int
	After store.Cursor
}

// Result is a joined trace and what went wrong on the way.
type Result struct {
	TraceID string         // the id asked of the trace source (the full id the lines carry)
	Records []parse.Record // the trace's lines, in time order
	Trace   *join.Trace
	// LogErr is why there are no lines: nil, or an error wrapping
	// store.ErrNotFound, store.ErrEmpty, or the index's own failure.
	LogErr error
	// Next is the cursor of the next page of lines; More says there is
	// one (Options.Limit).
	Next store.Cursor
	More bool
	// SourceErr is the trace source's answer when it gave no trace:
	// tracesource.ErrTraceNotFound, or a fault (Jaeger down, slow, garbage).
	SourceErr error
}

// Fault reports the trace source's failure, nil when it answered (a trace
// it does not have is an answer, not a fault).
func (r *Result) Fault() error { return Fault(r.SourceErr) }

// Empty reports whether neither the index nor the source had anything.
func (r *Result) Empty() bool { return len(r.Records) == 0 && len(r.Trace.Spans) == 0 }

// IndexFailed reports whether reading the index failed (as opposed to
// finding nothing).
func (r *Result) IndexFailed() bool {
	return r.LogErr != nil && !errors.Is(r.LogErr, store.ErrNotFound) && !errors.Is(r.LogErr, store.ErrEmpty)
}

// Waiting counts the lines whose spans are probably still in an exporter's
// batch: asking again shortly may place them.
func (r *Result) Waiting() int {
	n := 0
	for _, o := range r.Trace.Orphans {
		if o.Reason == join.ReasonNotYetExported {
			n++
		}
	}
	return n
}

// Trace looks up one trace. logs or src may be nil (no index, no trace
// source); the result then says so through LogErr or an empty trace.
func Trace(ctx context.Context, logs Logs, src tracesource.Source, ids []store.TraceID, o Options) *Result {
	r := &Result{}
	if logs == nil {
		r.LogErr = errors.New("no index given")
	} else if o.Limit > 0 {
		var pg store.Page
		pg, r.LogErr = store.ReadPage(ctx, logs, ids, o.After, o.Limit)
		r.Records, r.Next, r.More = pg.Records, pg.Next, pg.More
	} else {
		r.Records, r.LogErr = logs.Logs(ctx, ids...)
	}
	// a line without a service (go-zero's access line) takes its file's
	parse.FillServices(r.Records)
	r.TraceID = ID(ids, r.Records)
	r.refetch(ctx, src, o)
	return r
}

func (r *Result) refetch(ctx context.Context, src tracesource.Source, o Options) {
	var tr traces.Trace
	tr, r.SourceErr = Fetch(ctx, src, r.TraceID, Window(r.Records), o.Timeout)
	var opts []join.Option
	if o.Skew > 0 {
		opts = append(opts, join.WithSkewTolerance(o.Skew))
	}
	if o.ExportDelay > 0 {
		opts = append(opts, join.WithExportDelay(o.ExportDelay))
	}
	opts = append(opts, join.WithSourceError(Fault(r.SourceErr)))
	r.Trace = join.Join(tr, r.Records, opts...)
}

// ReadingOrder prepares a page of a trace's lines for reading, as
// `correlate logs` and GET /api/v1/traces/{id}/logs show them: a line
// without a service takes its file's (parse.FillServices), and the lines
// go in reading order (join.Order: a whole-second time among millisecond
// ones keeps its file's order). approx[i] reports that line i's time is
// coarser than its place says; approx is nil when no time is.
func ReadingOrder(recs []parse.Record) (approx []bool) {
	parse.FillServices(recs)
	return join.Order(recs)
}

// ID is the id to ask the trace source for: the full id the log lines
// carry when the user gave only part of it (a 64-bit id), else the id as
// given.
func ID(ids []store.TraceID, recs []parse.Record) string {
	for i := range recs {
		if recs[i].TraceID != "" {
			return recs[i].TraceID
		}
	}
	return ids[len(ids)-1].String()
}

// Window is the time range of the records, the trace source's search hint.
func Window(recs []parse.Record) tracesource.Window {
	var w tracesource.Window
	for i := range recs {
		t := recs[i].Time
		if t.IsZero() {
			continue
		}
		if w.Start.IsZero() || t.Before(w.Start) {
			w.Start = t
		}
		if t.After(w.End) {
			w.End = t
		}
	}
	return w
}

// Fetch asks src for the trace; a nil src gives an empty trace. The source
// bounds its own lookup (tracesource.WithTimeout); timeout plus a grace period
// is a backstop for any other Source.
func Fetch(ctx context.Context, src tracesource.Source, id string, hint tracesource.Window, timeout time.Duration) (traces.Trace, error) {
	if src == nil {
		return traces.Trace{TraceID: id}, nil
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout+2*time.Second)
		defer cancel()
	}
	tr, err := src.Trace(ctx, id, hint)
	if tr.TraceID == "" {
		tr.TraceID = id
	}
	return tr, err
}

// Fault is err unless it only says the source has no such trace.
func Fault(err error) error {
	if err == nil || errors.Is(err, tracesource.ErrTraceNotFound) {
		return nil
	}
	return err
}
