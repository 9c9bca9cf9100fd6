package torture

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/traceline/traceline/correlate/store"
)

// Result is what Check found. Lost, Duplicated, WrongID and LookupMismatch
// must all be 0.
type Result struct {
	Written int // lines the Writer wrote
	Indexed int // entries in the store
	// Lost counts lines written but not in the store; Duplicated, entries
	// beyond the number of times their line was written (or whose text
	// was never written).
	Lost, Duplicated int
	// WrongID counts entries whose trace id is not the one in their text.
	WrongID int
	// Misplaced counts entries whose file, line number or offset is not
	// where their line was written.
	Misplaced int
	// LookupMismatch counts traces for which Logs returns another number
	// of entries than the ground truth has.
	LookupMismatch int
	// Examples holds a few of the faults, for the test's message.
	Examples []string
	// Extra holds the first few entries counted as duplicated, so that a
	// test can show the file around them.
	Extra []store.Entry
}

// OK reports whether nothing was lost, duplicated or misfiled.
func (r Result) OK() bool {
	return r.Lost == 0 && r.Duplicated == 0 && r.WrongID == 0 && r.Misplaced == 0 && r.LookupMismatch == 0
}

func (r Result) String() string {
	return fmt.Sprintf("written %d, indexed %d, lost %d, duplicated %d, wrong id %d, misplaced %d, lookup mismatches %d",
		r.Written, r.Indexed, r.Lost, r.Duplicated, r.WrongID, r.Misplaced, r.LookupMismatch)
}

func (r *Result) example(format string, args ...any) {
	if len(r.Examples) < 10 {
		r.Examples = append(r.Examples, fmt.Sprintf(format, args...))
	}
}

// Check compares the store with everything w wrote. Call it once w.Step
// has returned false and the indexer has read everything.
func Check(ctx context.Context, st store.Reader, w *Writer) (Result, error) {
	res := Result{Written: w.written}
	places := w.places()
	left := make(map[string]int, len(w.lines))
	for k, n := range w.lines {
		left[k] = n
	}
	err := st.Range(ctx, time.Time{}, time.Time{}, func(e *store.Entry) bool {
		res.Indexed++
		n, ok := left[e.Raw]
		if !ok || n == 0 {
			res.Duplicated++
			res.example("extra entry %s:%d (offset %d, %d lines, problems %v, trace %q) %q", e.File, e.Line, e.Offset, e.Lines, e.Problems, e.TraceID, e.Raw)
			if len(res.Extra) < 5 {
				res.Extra = append(res.Extra, *e)
			}
			return true
		}
		left[e.Raw] = n - 1
		if !placed(places[e.Raw], e) {
			res.Misplaced++
			res.example("entry %s:%d (offset %d) is not where its line was written: %v", e.File, e.Line, e.Offset, places[e.Raw])
			if len(res.Extra) < 5 {
				res.Extra = append(res.Extra, *e)
			}
		}
		want := w.ids[e.Raw]
		got := e.TraceID
		if e.TraceIDLow != "" { // 64 bits known: the high half is zero
			got = e.TraceIDLow
			want = want[16:]
		}
		if got != want {
			res.WrongID++
			res.example("entry %s:%d has trace %q, want %q", e.File, e.Line, got, want)
		}
		return true
	})
	if err != nil {
		return res, err
	}
	for k, n := range left {
		if n > 0 {
			res.Lost += n
			res.example("lost %q", k)
		}
	}
	for i, id := range w.truth.TraceIDs {
		ids, err := store.ParseTraceID(id)
		if err != nil {
			return res, err
		}
		recs, err := st.Logs(ctx, ids...)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return res, err
		}
		if len(recs) != int(w.truth.Count[i]) {
			res.LookupMismatch++
			res.example("trace %s: %d entries, want %d", id, len(recs), w.truth.Count[i])
		}
	}
	return res, nil
}

// placed reports whether e's file, line and offset are one of ps.
func placed(ps []place, e *store.Entry) bool {
	for _, p := range ps {
		if p.line == e.Line && p.offset == e.Offset && p.names(e.File) {
			return true
		}
	}
	return false
}
