package join

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/traceline/traceline/correlate/parse"
)

// Reading order. Records are shown in time order, but a time is only as
// good as its precision: zerolog's default writes whole seconds, so a
// worker's line at "12:00:01" may have been written at 12:00:01.550, after
// the gateway line at 12:00:01.250 that caused it. A record whose time is
// coarser than the finest precision among the records, and whose interval
// [Time, Time+TimePrecision) holds a finer record's time, cannot be placed
// by its own time: it is approximate. It sorts at the middle of what is
// known of it — its interval, narrowed to its span's start and end when it
// has a span — and never before a record above it in its own file (the
// file's order is the order it was written in).

// readingOrder returns, for each record, the UnixNano it sorts by
// (MaxInt64 for a record without a time) and whether its time is
// approximate. spanOf, when not nil, gives the span a record is placed
// under.
func readingOrder(recs []parse.Record, spanOf func(i int) (start, end time.Time, ok bool)) (at []int64, approx []bool) {
	at = make([]int64, len(recs))
	var finest, coarsest time.Duration
	for i := range recs {
		r := &recs[i]
		if r.Time.IsZero() {
			at[i] = math.MaxInt64
			continue
		}
		at[i] = r.Time.UnixNano()
		p := precision(r)
		if finest == 0 || p < finest {
			finest = p
		}
		coarsest = max(coarsest, p)
	}
	if coarsest == finest {
		return at, nil // every time as fine as its neighbours
	}
	// the times written with the finest precision, sorted
	var fine []int64
	for i := range recs {
		if at[i] != math.MaxInt64 && precision(&recs[i]) == finest {
			fine = append(fine, at[i])
		}
	}
	slices.Sort(fine)
	for i := range recs {
		r := &recs[i]
		p := precision(r)
		if at[i] == math.MaxInt64 || p <= finest {
			continue
		}
		lo, hi := at[i], at[i]+int64(p)-1
		if k, _ := slices.BinarySearch(fine, lo); k == len(fine) || fine[k] > hi {
			continue // no finer record within its precision: its time tells
		}
		if approx == nil {
			approx = make([]bool, len(recs))
		}
		approx[i] = true
		if spanOf != nil {
			if start, end, ok := spanOf(i); ok {
				if s := start.UnixNano(); s > lo && s <= hi {
					lo = s
				}
				if e := end.UnixNano(); e >= lo && e < hi {
					hi = e
				}
			}
		}
		at[i] = lo + (hi-lo)/2
	}
	if approx == nil {
		return at, nil
	}
	// an approximate record comes after the records above it in its file
	byFile := make([]int32, 0, len(recs))
	for i := range recs {
		if at[i] != math.MaxInt64 {
			byFile = append(byFile, int32(i))
		}
	}
	slices.SortFunc(byFile, func(a, b int32) int {
		ra, rb := &recs[a], &recs[b]
		if c := cmp.Compare(ra.File, rb.File); c != 0 {
			return c
		}
		if c := cmp.Compare(ra.Line, rb.Line); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	for k := 1; k < len(byFile); k++ {
		i, prev := byFile[k], byFile[k-1]
		if approx[i] && recs[i].File == recs[prev].File && at[i] <= at[prev] {
			at[i] = at[prev] + 1
		}
	}
	return at, approx
}

// precision is r's time precision, a nanosecond when unknown.
func precision(r *parse.Record) time.Duration {
	if r.TimePrecision <= 0 {
		return time.Nanosecond
	}
	return r.TimePrecision
}

// sortByReading returns the indexes of recs in reading order: by at, then
// input order.
func sortByReading(at []int64) []int32 {
	order := make([]int32, len(at))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(at[a], at[b]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return order
}

// Order puts recs in reading order without spans to go by: time order
// (records without a time last, in input order), with each approximate
// record (see Line.Approx) at the middle of its time's precision and after
// the records above it in its file. It returns, in the new order, whether
// each record's time is approximate (nil when none is): what `correlate
// logs` shows.
func Order(recs []parse.Record) (approx []bool) {
	at, ap := readingOrder(recs, nil)
	order := sortByReading(at)
	sorted := make([]parse.Record, len(recs))
	if ap != nil {
		approx = make([]bool, len(recs))
	}
	for k, i := range order {
		sorted[k] = recs[i]
		if ap != nil {
			approx[k] = ap[i]
		}
	}
	copy(recs, sorted)
	return approx
}
