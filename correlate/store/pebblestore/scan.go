package pebblestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/cockroachdb/pebble/v2"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
)

// scanSearch answers a search with text or field conditions. Those need
// every entry of the window read whole, and the search index would read
// them in time order, one random point read (a block inflated) each: a
// day's entries read in key order instead (traced, then untraced) cost a
// block inflated per block. Before an entry is decoded its stored bytes
// are tested for the text where that test cannot miss (see quickReject).
// The newest limit+1 matches of the newest day that has any are kept; an
// older day can only hold older entries.
func (s *Store) scanSearch(ctx context.Context, q store.SearchQuery, limit int) (store.SearchPage, error) {
	var pg store.SearchPage
	upper := [3]uint64{math.MaxUint64, math.MaxUint64, math.MaxUint64}
	if !q.To.IsZero() {
		upper = [3]uint64{storefmt.AtKey(q.To), 0, 0}
	}
	if at, file, off, ok := q.After.Key(); ok {
		if c := [3]uint64{at, file, off}; less3(c, upper) {
			upper = c
		}
	} else if !q.After.IsZero() {
		return pg, store.ErrBadCursor
	}
	var lowerAt uint64
	if !q.From.IsZero() {
		lowerAt = storefmt.AtKey(q.From)
	}
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{})
	if err != nil {
		return pg, err
	}
	defer it.Close()
	needle := quickNeedle(q)
	var text []byte
	type match struct {
		key [3]uint64
		e   store.Entry
	}
	var found []match // the newest limit+1, newest first
	keep := func(key [3]uint64, e store.Entry) {
		i, _ := slices.BinarySearchFunc(found, key, func(m match, k [3]uint64) int {
			switch {
			case less3(k, m.key):
				return -1
			case less3(m.key, k):
				return 1
			}
			return 0
		})
		if i > limit {
			return
		}
		found = slices.Insert(found, i, match{key, e})
		if len(found) > limit+1 {
			found = found[:limit+1]
		}
	}
	full := func() bool { return len(found) > limit }
	buckets := s.sortedBuckets()
	var p []byte
	for bi := len(buckets) - 1; bi >= 0 && !full(); bi-- {
		bk := buckets[bi]
		if !q.From.IsZero() && !storefmt.BucketStart(bk+1).After(q.From) {
			break
		}
		if upper[0] != math.MaxUint64 && storefmt.AtKey(storefmt.BucketStart(bk)) > upper[0] {
			continue
		}
		for _, space := range []byte{storefmt.SpaceTrace, storefmt.SpaceUntraced} {
			if space == storefmt.SpaceUntraced && q.Traced {
				continue
			}
			p = storefmt.AppendBucketKey(p[:0], space, bk)
			for ok := it.SeekGE(p); ok && bytes.HasPrefix(it.Key(), p); ok = it.Next() {
				k := it.Key()
				var key [3]uint64
				var id *[2]uint64
				switch {
				case space == storefmt.SpaceTrace && len(k) == storefmt.TraceKeyLen:
					key = [3]uint64{binary.BigEndian.Uint64(k[21:]), binary.BigEndian.Uint64(k[29:]), binary.BigEndian.Uint64(k[37:])}
					id = &[2]uint64{binary.BigEndian.Uint64(k[5:]), binary.BigEndian.Uint64(k[13:])}
				case space == storefmt.SpaceUntraced && len(k) == storefmt.TimeKeyLen:
					key = [3]uint64{binary.BigEndian.Uint64(k[5:]), binary.BigEndian.Uint64(k[13:]), binary.BigEndian.Uint64(k[21:])}
				default:
					continue
				}
				if key[0] < lowerAt || !less3(key, upper) {
					continue
				}
				pg.Scanned++
				if pg.Scanned%4096 == 0 {
					if err := ctx.Err(); err != nil {
						return pg, err
					}
				}
				if full() && less3(key, found[limit].key) {
					continue
				}
				v, err := it.ValueAndErr()
				if err != nil {
					return pg, err
				}
				if needle != nil {
					text = storefmt.AppendStoredText(text[:0], v, id)
					lowerASCII(text)
					if !bytes.Contains(text, needle) {
						continue
					}
				}
				var e store.Entry
				if err := storefmt.DecodeEntry(&e, v, storefmt.AtFromKey(key[0]), int64(key[2]), id); err != nil {
					return pg, fmt.Errorf("pebblestore: entry %x: %w", k, err)
				}
				if q.Match(&e) {
					keep(key, e)
				}
			}
			if err := it.Error(); err != nil {
				return pg, err
			}
		}
	}
	if len(found) > limit {
		found = found[:limit]
		pg.More = true
		k := found[limit-1].key
		pg.Next = store.KeyCursor(k[0], k[1], k[2])
	}
	for _, m := range found {
		pg.Entries = append(pg.Entries, m.e)
	}
	return pg, nil
}

// quickNeedle returns the lower-cased text an entry's stored bytes
// (storefmt.AppendStoredText) must contain for it to match q, or nil when
// that test could miss a match: the stored bytes hold the raw line as
// written, JSON escapes and all, and the message only where it differs
// from what the raw line gives, so only a plain ASCII text without
// characters that encoders escape is safe.
func quickNeedle(q store.SearchQuery) []byte {
	t := q.Text
	if len(t) < 2 {
		return nil
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '/' || c == '<' || c == '>' || c == '&' || c == '\'' {
			return nil
		}
	}
	return bytes.ToLower([]byte(t))
}

// lowerASCII lower-cases the ASCII letters of b in place.
func lowerASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}
