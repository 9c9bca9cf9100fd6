package join

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/traces"
)

// index finds spans by id and, per service, by time.
type index struct {
	spans    []Span
	byID     map[string]int32
	services map[string]*serviceSpans // "" holds every span
}

// serviceSpans are the spans of one service in start order, with the
// running maximum of their ends (for the nearest span of a record no span
// holds).
type serviceSpans struct {
	spans  []int32
	maxEnd []int32 // maxEnd[k]: the span of spans[:k+1] that ends last
}

// newIndex copies spans into t.Spans in start order and indexes them.
func newIndex(t *Trace, spans []traces.Span) *index {
	// Sort indices, not the (large) spans, then copy once.
	order := make([]int32, len(spans))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := spans[a].Start.Compare(spans[b].Start); c != 0 {
			return c
		}
		if c := strings.Compare(spans[a].SpanID, spans[b].SpanID); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	t.Spans = make([]Span, len(spans))
	for i, k := range order {
		t.Spans[i] = Span{Span: spans[k], Parent: -1}
	}
	ix := &index{spans: t.Spans, byID: make(map[string]int32, len(spans)), services: make(map[string]*serviceSpans)}
	for i := range t.Spans {
		if _, dup := ix.byID[t.Spans[i].SpanID]; !dup {
			ix.byID[t.Spans[i].SpanID] = int32(i)
		}
	}
	for i := range t.Spans {
		s := &t.Spans[i]
		if p, ok := ix.byID[s.ParentSpanID]; ok && s.ParentSpanID != "" && int(p) != i {
			s.Parent = int(p)
		}
	}
	// Depths: walk up with memo; a parent cycle (bad input) is cut at the
	// span where the walk meets itself.
	depth := make([]int32, len(t.Spans))
	for i := range depth {
		depth[i] = -1
	}
	var path []int
	for i := range t.Spans {
		if depth[i] >= 0 {
			continue
		}
		path = path[:0] // from i upwards
		j := i
		for j >= 0 && depth[j] == -1 {
			depth[j] = -2 // on the path
			path = append(path, j)
			j = t.Spans[j].Parent
		}
		base, top := int32(-1), len(path)
		if j >= 0 && depth[j] >= 0 {
			base = depth[j]
		} else if j >= 0 {
			// A parent cycle (bad input): j = path[m] is met again. Cut it
			// there, making j a root; the rest of the cycle hangs below it.
			m := slices.Index(path, j)
			t.Spans[j].Parent = -1
			depth[j] = 0
			d := int32(0)
			for k := len(path) - 1; k > m; k-- {
				d++
				depth[path[k]] = d
			}
			base, top = 0, m
		}
		for k := top - 1; k >= 0; k-- {
			base++
			depth[path[k]] = base
		}
	}
	for i := range t.Spans {
		t.Spans[i].Depth = int(depth[i])
	}
	if len(t.Spans) > 0 {
		all := &serviceSpans{}
		ix.services[""] = all
		for i := range t.Spans {
			all.add(t.Spans, int32(i))
			svc := t.Spans[i].Service
			ss := ix.services[svc]
			if ss == nil {
				ss = &serviceSpans{}
				ix.services[svc] = ss
			}
			if svc != "" {
				ss.add(t.Spans, int32(i))
			}
		}
	}
	return ix
}

func (ss *serviceSpans) add(spans []Span, i int32) {
	m := i
	if k := len(ss.maxEnd); k > 0 {
		if prev := ss.maxEnd[k-1]; !spans[i].End().After(spans[prev].End()) {
			m = prev
		}
	}
	ss.spans = append(ss.spans, i)
	ss.maxEnd = append(ss.maxEnd, m)
}

// sweep places the trace-only records recs[g...] (in time order, records
// without time last) among the spans of service svc: it walks the spans in
// start order and keeps those open at the record's time in a small active
// list, so each record costs the number of spans open around it.
func (ix *index) sweep(svc string, g []int32, recs []parse.Record, place []placement) {
	ss := ix.services[svc]
	spans := ix.spans
	var active []int32
	next := 0
	for _, ri := range g {
		r := &recs[ri]
		if r.Time.IsZero() {
			place[ri] = ix.untimed(ss)
			continue
		}
		lo, hi := window(r)
		for next < len(ss.spans) && !spans[ss.spans[next]].Start.After(hi) {
			active = append(active, ss.spans[next])
			next++
		}
		// Records come in time order, so a span that ended before lo is
		// done for every later record too.
		keep := active[:0]
		for _, s := range active {
			if !spans[s].End().Before(lo) {
				keep = append(keep, s)
			}
		}
		active = keep
		place[ri] = ix.classify(ss, active, lo, hi)
	}
}

// classify places a record with time window [lo, hi] among the active spans
// (those started by hi' >= hi and not ended before lo).
func (ix *index) classify(ss *serviceSpans, active []int32, lo, hi time.Time) placement {
	spans := ix.spans
	// full: spans holding the whole window; part: spans overlapping it.
	bestDepth, nBest, best := -1, 0, int32(-1)
	nPart, outer := 0, int32(-1)
	for _, s := range active {
		sp := &spans[s]
		if sp.Start.After(hi) {
			continue // added for a wider window of an earlier record
		}
		nPart++
		if outer < 0 || sp.Depth < spans[outer].Depth {
			outer = s
		}
		if sp.Start.After(lo) || sp.End().Before(hi) {
			continue
		}
		switch {
		case sp.Depth > bestDepth:
			bestDepth, nBest, best = sp.Depth, 1, s
		case sp.Depth == bestDepth:
			nBest++
			if !sp.Start.Before(spans[best].Start) {
				best = s
			}
		}
	}
	if nPart == 0 {
		return ix.nearest(ss, lo, hi)
	}
	if best >= 0 {
		// Ambiguous when siblings tie or a deeper span overlaps part of the
		// window (the record may have been written inside it).
		deeper := 0
		for _, s := range active {
			if sp := &spans[s]; sp.Depth > bestDepth && !sp.Start.After(hi) {
				deeper++
			}
		}
		if nBest == 1 && deeper == 0 {
			return placement{span: best, match: MatchInferred}
		}
		var cands []string
		for _, s := range active {
			sp := &spans[s]
			if sp.Start.After(hi) || sp.Depth < bestDepth {
				continue
			}
			if sp.Depth > bestDepth || !(sp.Start.After(lo) || sp.End().Before(hi)) {
				cands = appendCand(cands, sp.SpanID)
			}
		}
		return placement{span: best, match: MatchAmbiguous, cands: withPlaced(cands, spans[best].SpanID)}
	}
	if nPart == 1 {
		return placement{span: outer, match: MatchInferred}
	}
	// No span holds the whole window: the time is coarser than the spans.
	var cands []string
	for _, s := range active {
		if !spans[s].Start.After(hi) {
			cands = appendCand(cands, spans[s].SpanID)
		}
	}
	return placement{span: outer, match: MatchAmbiguous, cands: withPlaced(cands, spans[outer].SpanID)}
}

// withPlaced returns c with placed among it: a list cut at MaxCandidates
// may have lost the span the record is placed under, which then takes the
// last place.
func withPlaced(c []string, placed string) []string {
	if slices.Contains(c, placed) {
		return c
	}
	if len(c) < MaxCandidates {
		return append(c, placed)
	}
	c[len(c)-1] = placed
	return c
}

func appendCand(c []string, id string) []string {
	if len(c) < MaxCandidates {
		c = append(c, id)
	}
	return c
}

// nearest places a record no span of ss overlaps under the span whose
// interval is closest to the window (the one that ended, on a tie).
func (ix *index) nearest(ss *serviceSpans, lo, hi time.Time) placement {
	spans := ix.spans
	// k: first span starting after hi.
	k, _ := slices.BinarySearchFunc(ss.spans, hi, func(s int32, t time.Time) int {
		if spans[s].Start.After(t) {
			return 1
		}
		return -1
	})
	p := placement{span: -1, match: MatchInferred}
	if k > 0 {
		e := ss.maxEnd[k-1]
		p.span, p.skew = e, lo.Sub(spans[e].End())
	}
	if k < len(ss.spans) {
		s := ss.spans[k]
		if d := hi.Sub(spans[s].Start); p.span < 0 || -d < p.skew {
			p.span, p.skew = s, d
		}
	}
	return p
}

// untimed places a trace-only record without a time: under the service's
// only span, else ambiguous under its first outermost span.
func (ix *index) untimed(ss *serviceSpans) placement {
	spans := ix.spans
	if len(ss.spans) == 1 {
		return placement{span: ss.spans[0], match: MatchInferred}
	}
	best := ss.spans[0]
	var cands []string
	for _, s := range ss.spans {
		if spans[s].Depth < spans[best].Depth {
			best = s
		}
		cands = appendCand(cands, spans[s].SpanID)
	}
	return placement{span: best, match: MatchAmbiguous, cands: withPlaced(cands, spans[best].SpanID)}
}
