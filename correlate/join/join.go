package join

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/traces"
)

// Match says how a record was placed under its span; its text is the
// "match" value of the JSON view.
type Match string

// Matches of a placed record.
const (
	MatchExact     Match = "exact"     // the record's span id is the span's
	MatchInferred  Match = "inferred"  // placed by service and time
	MatchAmbiguous Match = "ambiguous" // several spans fit; see Line.Candidates
)

// Reason says why a record could not be placed; its text is the "reason"
// value of the JSON view.
type Reason string

// Reasons of an orphan, in the order Join tries them.
const (
	ReasonUnsampled         Reason = "unsampled"
	ReasonTraceUnavailable  Reason = "trace unavailable"
	ReasonNotYetExported    Reason = "not yet exported"
	ReasonTraceMissing      Reason = "trace missing"
	ReasonDroppedDownstream Reason = "dropped downstream"
	ReasonSpanMissing       Reason = "span missing"
)

// Trace is a trace with its log records placed under its spans.
type Trace struct {
	TraceID string
	// Spans are in start order (ties by span id); Span.Parent indexes here.
	Spans []Span
	// Orphans are the records no span could take, in reading order.
	Orphans []Orphan
	// SourceError is the trace source's failure given by WithSourceError.
	SourceError string
	// SilentErrors counts the spans marked SilentError.
	SilentErrors int
}

// Span is a span of the trace and the records placed under it.
type Span struct {
	traces.Span
	// Parent is the index of the parent span in Trace.Spans, -1 for a root
	// (or a span whose parent is not in the trace).
	Parent int
	// Depth is 0 for a root, its parent's depth + 1 otherwise.
	Depth int
	// Logs are the records placed under the span, in reading order (time
	// order, approximate times placed by span and file; records without a
	// time last, in input order).
	Logs []Line
	// SilentError is set for a span in error with no record under it,
	// unless it is a client (or producer) span one of whose children holds
	// records: the callee's lines tell what failed.
	SilentError bool
}

// Line is a record placed under a span.
type Line struct {
	Record *parse.Record // points into the slice given to Join
	Match  Match
	// Candidates are the span ids an ambiguous record may belong to (the
	// span it is placed under included), at most MaxCandidates.
	Candidates []string
	// Skewed is set when the record's time lies outside its span by more
	// than the skew tolerance; Skew is the distance (negative before the
	// span's start, positive after its end, zero inside).
	Skewed bool
	Skew   time.Duration
	// Approx is set when the record's time is too coarse to order it among
	// the trace's other records (whole seconds beside milliseconds): it
	// is ordered by its span and its file instead (see Order).
	Approx bool
	// Pos is the record's place in the trace's reading order, counted
	// over every Line and Orphan: the merged view's order.
	Pos int
}

// Orphan is a record no span of the trace could take.
type Orphan struct {
	Record *parse.Record // points into the slice given to Join
	Reason Reason
	Approx bool // as Line.Approx
	Pos    int  // as Line.Pos
}

// placement is where one record goes, decided before any Line is built so
// all Lines of the trace live in one allocation.
type placement struct {
	span   int32 // -1: orphan
	match  Match
	cands  []string
	skew   time.Duration
	reason Reason
}

// Join places recs (the records of tr's trace, any order) under the spans
// of tr. It does not change tr or recs; the result points into recs. tr may
// have no spans (the trace is missing or its source failed): every record is
// then an orphan.
func Join(tr traces.Trace, recs []parse.Record, opts ...Option) *Trace {
	c := newConfig(opts)
	t := &Trace{TraceID: tr.TraceID, SourceError: c.sourceErr}
	ix := newIndex(t, tr.Spans)

	// Records in time order; records without a time go last in input order.
	keyed := make([]recKey, len(recs))
	for i := range recs {
		k := int64(math.MaxInt64)
		if t := recs[i].Time; !t.IsZero() {
			k = t.UnixNano()
		}
		keyed[i] = recKey{k, int32(i)}
	}
	slices.SortFunc(keyed, func(a, b recKey) int {
		if a.at != b.at {
			return cmp.Compare(a.at, b.at)
		}
		return cmp.Compare(a.i, b.i)
	})
	order := make([]int32, len(recs))
	for i := range keyed {
		order[i] = keyed[i].i
	}

	place := make([]placement, len(recs))
	var now time.Time
	if c.delay > 0 {
		now = c.now()
	}
	orphan := func(i int32) {
		place[i] = placement{span: -1, reason: c.reason(&recs[i], len(t.Spans) > 0, now)}
	}
	// Exact matches and lost spans first, in input order (the records are
	// large; walk them in memory order); trace-only records then go to the
	// sweep of their service's spans, in time order.
	const pending = -2
	for i := range recs {
		r := &recs[i]
		if r.SpanID != "" {
			if s, ok := ix.byID[r.SpanID]; ok {
				place[i] = placement{span: s, match: MatchExact, skew: skewOf(r, &t.Spans[s].Span)}
			} else {
				orphan(int32(i))
			}
			continue
		}
		if _, ok := ix.services[r.Service]; !ok {
			orphan(int32(i))
			continue
		}
		place[i].span = pending
	}
	groups := make(map[string][]int32)
	for _, i := range order {
		if place[i].span == pending {
			svc := recs[i].Service
			groups[svc] = append(groups[svc], i)
		}
	}
	for svc, g := range groups {
		ix.sweep(svc, g, recs, place)
	}

	// Build Lines: one backing array, sliced per span.
	counts := make([]int32, len(t.Spans))
	norphans := 0
	for i := range place {
		if place[i].span < 0 {
			norphans++
		} else {
			counts[place[i].span]++
		}
	}
	lines := make([]Line, len(recs)-norphans)
	off := 0
	for s := range t.Spans {
		n := int(counts[s])
		t.Spans[s].Logs = lines[off : off : off+n]
		off += n
	}
	if norphans > 0 {
		t.Orphans = make([]Orphan, 0, norphans)
	}
	// Lines and orphans in reading order: an approximate time goes by its
	// span and its file.
	at, approx := readingOrder(recs, func(i int) (time.Time, time.Time, bool) {
		if s := place[i].span; s >= 0 {
			return t.Spans[s].Start, t.Spans[s].End(), true
		}
		return time.Time{}, time.Time{}, false
	})
	if approx != nil {
		order = sortByReading(at)
	}
	for pos, i := range order {
		p := &place[i]
		ap := approx != nil && approx[i]
		if p.span < 0 {
			t.Orphans = append(t.Orphans, Orphan{Record: &recs[i], Reason: p.reason, Approx: ap, Pos: pos})
			continue
		}
		l := Line{Record: &recs[i], Match: p.match, Candidates: p.cands, Skew: p.skew, Approx: ap, Pos: pos}
		l.Skewed = p.skew > c.skew || -p.skew > c.skew
		sp := &t.Spans[p.span]
		sp.Logs = append(sp.Logs, l)
	}
	// A failed call whose callee holds lines told what happened there: the
	// client span itself says nothing, by design.
	calleeSpoke := make([]bool, len(t.Spans))
	for c := range t.Spans {
		if p := t.Spans[c].Parent; p >= 0 && len(t.Spans[c].Logs) > 0 {
			calleeSpoke[p] = true
		}
	}
	for s := range t.Spans {
		sp := &t.Spans[s]
		if sp.Error && len(sp.Logs) == 0 && !(calleeSpoke[s] && (sp.Kind == "client" || sp.Kind == "producer")) {
			sp.SilentError = true
			t.SilentErrors++
		}
	}
	return t
}

// recKey orders records by time, then input order.
type recKey struct {
	at int64 // UnixNano; MaxInt64 when the record has no time
	i  int32
}

// reason picks the orphan reason of r; haveSpans says whether the trace has
// any span.
func (c *config) reason(r *parse.Record, haveSpans bool, now time.Time) Reason {
	sampled, known := flags(r.TraceFlags)
	switch {
	case known && !sampled:
		return ReasonUnsampled
	case c.sourceErr != "":
		return ReasonTraceUnavailable
	case c.delay > 0 && !r.Time.IsZero() && now.Sub(r.Time) < c.delay:
		return ReasonNotYetExported
	case !haveSpans:
		return ReasonTraceMissing
	case known && sampled:
		return ReasonDroppedDownstream
	}
	return ReasonSpanMissing
}

// flags reads W3C trace flags: sampled is bit 0; known is false when the
// line wrote none (or garbage).
func flags(f string) (sampled, known bool) {
	if f == "" {
		return false, false
	}
	v, err := strconv.ParseUint(f, 16, 8)
	if err != nil {
		return false, false
	}
	return v&1 == 1, true
}

// window is the interval a record's time stands for: [Time,
// Time+TimePrecision), as inclusive bounds.
func window(r *parse.Record) (lo, hi time.Time) {
	lo = r.Time
	if r.TimePrecision > 1 {
		return lo, lo.Add(r.TimePrecision - 1)
	}
	return lo, lo
}

// skewOf is the distance from r's time window to s: negative when the
// window ends before s starts, positive when it starts after s ends, zero
// when they overlap or r has no time.
func skewOf(r *parse.Record, s *traces.Span) time.Duration {
	if r.Time.IsZero() {
		return 0
	}
	lo, hi := window(r)
	if hi.Before(s.Start) {
		return hi.Sub(s.Start)
	}
	if end := s.End(); lo.After(end) {
		return lo.Sub(end)
	}
	return 0
}
