package storefmt

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// PrefixScanner reads the store's keys (package pebblestore's iterator).
type PrefixScanner interface {
	// ScanPrefix calls fn for every key that starts with p, in key order;
	// k and v are valid only during the call.
	ScanPrefix(p []byte, fn func(k, v []byte) error) error
}

// Logs returns the entries of the traces ids stand for, oldest first,
// from a store whose time buckets are buckets (ascending). Nothing found
// is an error wrapping store.ErrNotFound.
//
// A 64-bit id (Only64) finds every 128-bit trace with that low half,
// through the l space, and the entries that logged only the low half; a
// 128-bit id finds its own entries and those.
func Logs(sc PrefixScanner, buckets []uint32, ids []store.TraceID) ([]parse.Record, error) {
	want, err := wanted(sc, buckets, ids)
	if err != nil {
		return nil, err
	}
	var p []byte
	// Within a bucket a trace's entries come in key order: time, file,
	// offset. Only several buckets or ids need a sort.
	var recs []parse.Record
	var keys []sortKey
	sorted := true
	for _, bk := range buckets {
		for _, f := range want {
			p = AppendTracePrefix(p[:0], bk, f.hi, f.lo)
			id := [2]uint64{f.hi, f.lo}
			err := sc.ScanPrefix(p, func(k, v []byte) error {
				if len(k) != TraceKeyLen {
					return nil
				}
				sk := sortKey{binary.BigEndian.Uint64(k[21:]), binary.BigEndian.Uint64(k[29:]), binary.BigEndian.Uint64(k[37:])}
				var e store.Entry
				if err := DecodeEntry(&e, v, AtFromKey(sk.at), int64(sk.off), &id); err != nil {
					return fmt.Errorf("pebblestore: entry %x: %w", k, err)
				}
				recs = append(recs, e.Record)
				if n := len(keys); n > 0 && less(keys[n-1], sk) > 0 {
					sorted = false
				}
				keys = append(keys, sk)
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("%s: %w", idsString(ids), store.ErrNotFound)
	}
	if !sorted {
		idx := make([]int, len(recs))
		for i := range idx {
			idx[i] = i
		}
		slices.SortStableFunc(idx, func(a, b int) int { return less(keys[a], keys[b]) })
		out := make([]parse.Record, len(recs))
		for i, j := range idx {
			out[i] = recs[j]
		}
		recs = out
	}
	return recs, nil
}

func idsString(ids []store.TraceID) string {
	var b []byte
	for i, id := range ids {
		if i > 0 {
			b = append(b, " or "...)
		}
		if id.Only64 {
			b = append(b, id.String()[16:]...)
		} else {
			b = append(b, id.String()...)
		}
	}
	return string(b)
}

// full is a 128-bit trace id as keys hold it.
type full struct{ hi, lo uint64 }

// wanted returns the traces ids stand for: a 64-bit id stands for every
// 128-bit trace with that low half (found through the l space) and for
// itself.
func wanted(sc PrefixScanner, buckets []uint32, ids []store.TraceID) ([]full, error) {
	var want []full
	add := func(f full) {
		if !slices.Contains(want, f) {
			want = append(want, f)
		}
	}
	var p []byte
	for _, id := range ids {
		if !id.Only64 {
			add(full{id.Hi, id.Lo})
		}
		add(full{0, id.Lo})
		if id.Only64 {
			for _, bk := range buckets {
				p = AppendBucketKey(p[:0], SpaceLow, bk)
				p = binary.BigEndian.AppendUint64(p, id.Lo)
				err := sc.ScanPrefix(p, func(k, _ []byte) error {
					if len(k) == len(p)+8 {
						add(full{binary.BigEndian.Uint64(k[len(p):]), id.Lo})
					}
					return nil
				})
				if err != nil {
					return nil, err
				}
			}
		}
	}
	return want, nil
}

// sortKey is the order of a trace's entries: at, file, offset.
type sortKey struct{ at, file, off uint64 }

func less(a, b sortKey) int {
	return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.file, b.file), cmp.Compare(a.off, b.off))
}

// ErrStop ends a RangeScanner's scan early, without an error.
var ErrStop = errors.New("storefmt: enough keys")

// RangeScanner is a PrefixScanner that can also start inside a prefix
// and stop early: what a paged lookup needs.
type RangeScanner interface {
	PrefixScanner
	// ScanRange calls fn for every key in [lo, hi) in key order until fn
	// returns ErrStop (then it returns nil). fn will stop after at most
	// max keys: a scanner may read ahead that many, no more.
	ScanRange(lo, hi []byte, max int, fn func(k, v []byte) error) error
}

// LogsPage returns up to limit entries of the traces ids stand for, in
// the order of Logs, after the cursor after (a store.KeyCursor of this
// format, or the zero Cursor). It holds at most limit+1 entries per trace
// id in memory, never the whole trace. Nothing at all found from the
// start is an error wrapping store.ErrNotFound.
func LogsPage(sc RangeScanner, buckets []uint32, ids []store.TraceID, after store.Cursor, limit int) (store.Page, error) {
	at0, file0, off0, hasCur := after.Key()
	if !after.IsZero() && !hasCur {
		return store.Page{}, store.ErrBadCursor
	}
	want, err := wanted(sc, buckets, ids)
	if err != nil {
		return store.Page{}, err
	}
	need := limit + 1 // one more tells whether there is a next page
	type item struct {
		sk  sortKey
		rec parse.Record
	}
	var out, got []item
	var p, lo []byte
	startBucket := BucketOf(AtFromKey(at0))
	for _, bk := range buckets {
		if hasCur && bk < startBucket {
			continue
		}
		got = got[:0]
		for _, f := range want {
			p = AppendTracePrefix(p[:0], bk, f.hi, f.lo)
			lo = append(lo[:0], p...)
			if hasCur && bk == startBucket {
				lo = binary.BigEndian.AppendUint64(lo, at0)
				lo = binary.BigEndian.AppendUint64(lo, file0)
				lo = binary.BigEndian.AppendUint64(lo, off0)
				lo = append(lo, 0) // strictly after the cursor's entry
			}
			id := [2]uint64{f.hi, f.lo}
			max, n := need-len(out), 0
			err := sc.ScanRange(lo, PrefixEnd(p), max, func(k, v []byte) error {
				if len(k) != TraceKeyLen {
					return nil
				}
				sk := sortKey{binary.BigEndian.Uint64(k[21:]), binary.BigEndian.Uint64(k[29:]), binary.BigEndian.Uint64(k[37:])}
				var e store.Entry
				if err := DecodeEntry(&e, v, AtFromKey(sk.at), int64(sk.off), &id); err != nil {
					return fmt.Errorf("pebblestore: entry %x: %w", k, err)
				}
				got = append(got, item{sk, e.Record})
				if n++; n >= max {
					return ErrStop
				}
				return nil
			})
			if err != nil {
				return store.Page{}, err
			}
		}
		if len(want) > 1 {
			slices.SortStableFunc(got, func(a, b item) int { return less(a.sk, b.sk) })
		}
		out = append(out, got[:min(len(got), need-len(out))]...)
		if len(out) >= need {
			break
		}
	}
	if len(out) == 0 && after.IsZero() {
		return store.Page{}, fmt.Errorf("%s: %w", idsString(ids), store.ErrNotFound)
	}
	var pg store.Page
	if len(out) > limit {
		out = out[:limit]
		pg.More = true
	}
	pg.Records = make([]parse.Record, len(out))
	for i := range out {
		pg.Records[i] = out[i].rec
	}
	if n := len(out); n > 0 {
		last := out[n-1].sk
		pg.Next = store.KeyCursor(last.at, last.file, last.off)
	}
	return pg, nil
}
