package storefmt

import (
	"cmp"
	"encoding/binary"
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
	type full struct{ hi, lo uint64 }
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
			// every 128-bit trace with this low half
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
	// Within a bucket a trace's entries come in key order: time, file,
	// offset. Only several buckets or ids need a sort.
	type sortKey struct{ at, file, off uint64 }
	less := func(a, b sortKey) int {
		return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.file, b.file), cmp.Compare(a.off, b.off))
	}
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
