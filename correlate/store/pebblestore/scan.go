package pebblestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/cockroachdb/pebble/v2"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
)

// scanSearch answers a search with text or field conditions whose
// candidates are too many to read one by one through the index (a random
// read, a block inflated, each): it reads the window's days in key order,
// newest day first, a day's traced entries in two halves of the trace id
// space at once (and its untraced ones with the first), so that two
// cores inflate blocks. Before an entry is decoded its stored bytes are
// tested for the text where that test cannot miss (see quickNeedle). The
// newest limit+1 matches of the newest day that has any are kept; an
// older day only holds older entries.
func (s *Store) scanSearch(ctx context.Context, q store.SearchQuery, limit int) (store.SearchPage, error) {
	var pg store.SearchPage
	sc := scan{q: &q, limit: limit, needle: quickNeedle(q)}
	var err error
	if sc.upper, sc.lowerAt, err = searchBounds(&q); err != nil {
		return pg, err
	}
	var found []match
	buckets := s.sortedBuckets()
	for bi := len(buckets) - 1; bi >= 0 && len(found) <= limit; bi-- {
		bk := buckets[bi]
		if !q.From.IsZero() && !storefmt.BucketStart(bk+1).After(q.From) {
			break
		}
		if sc.upper[0] != math.MaxUint64 && storefmt.AtKey(storefmt.BucketStart(bk)) > sc.upper[0] {
			continue
		}
		t := storefmt.AppendBucketKey(nil, storefmt.SpaceTrace, bk)
		mid := append(slices.Clone(t), 0x80)
		parts := [][2][]byte{{t, mid}, {mid, storefmt.PrefixEnd(t)}}
		if !q.Traced {
			u := storefmt.AppendBucketKey(nil, storefmt.SpaceUntraced, bk)
			parts = append(parts, [2][]byte{u, storefmt.PrefixEnd(u)})
		}
		var wg sync.WaitGroup
		results := make([]scanPart, 2)
		for w := range results {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := &results[w]
				it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{})
				if err != nil {
					r.err = err
					return
				}
				defer it.Close()
				for pi := w; pi < len(parts) && r.err == nil; pi += 2 {
					r.err = sc.read(ctx, it, parts[pi][0], parts[pi][1], r)
				}
			}()
		}
		wg.Wait()
		for _, r := range results {
			if r.err != nil {
				return pg, r.err
			}
			pg.Scanned += r.scanned
			for _, m := range r.found {
				found = keep(found, m, limit)
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

// scan is one scanSearch's conditions.
type scan struct {
	q       *store.SearchQuery
	limit   int
	needle  []byte
	upper   [3]uint64 // exclusive
	lowerAt uint64
}

// scanPart is what one worker of a scan found.
type scanPart struct {
	found   []match
	scanned int
	err     error
	text    []byte
}

type match struct {
	key [3]uint64 // at, file, offset
	e   store.Entry
}

// keep inserts m into found (newest first) and keeps the newest limit+1.
func keep(found []match, m match, limit int) []match {
	i, _ := slices.BinarySearchFunc(found, m.key, func(f match, k [3]uint64) int {
		switch {
		case less3(k, f.key):
			return -1
		case less3(f.key, k):
			return 1
		}
		return 0
	})
	if i > limit {
		return found
	}
	found = slices.Insert(found, i, m)
	if len(found) > limit+1 {
		found = found[:limit+1]
	}
	return found
}

// read tests the entries in [lo, hi) (t or u keys) and keeps the matches
// in r.
func (sc *scan) read(ctx context.Context, it *pebble.Iterator, lo, hi []byte, r *scanPart) error {
	for ok := it.SeekGE(lo); ok && bytes.Compare(it.Key(), hi) < 0; ok = it.Next() {
		k := it.Key()
		var key [3]uint64
		var id *[2]uint64
		switch {
		case k[0] == storefmt.SpaceTrace && len(k) == storefmt.TraceKeyLen:
			key = [3]uint64{binary.BigEndian.Uint64(k[21:]), binary.BigEndian.Uint64(k[29:]), binary.BigEndian.Uint64(k[37:])}
			id = &[2]uint64{binary.BigEndian.Uint64(k[5:]), binary.BigEndian.Uint64(k[13:])}
		case k[0] == storefmt.SpaceUntraced && len(k) == storefmt.TimeKeyLen:
			key = [3]uint64{binary.BigEndian.Uint64(k[5:]), binary.BigEndian.Uint64(k[13:]), binary.BigEndian.Uint64(k[21:])}
		default:
			continue
		}
		if key[0] < sc.lowerAt || !less3(key, sc.upper) {
			continue
		}
		r.scanned++
		if r.scanned%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(r.found) > sc.limit && less3(key, r.found[sc.limit].key) {
			continue
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return err
		}
		if sc.needle != nil {
			r.text = storefmt.AppendStoredText(r.text[:0], v, id)
			lowerASCII(r.text)
			if !bytes.Contains(r.text, sc.needle) {
				continue
			}
		}
		var e store.Entry
		if err := storefmt.DecodeEntry(&e, v, storefmt.AtFromKey(key[0]), int64(key[2]), id); err != nil {
			return fmt.Errorf("pebblestore: entry %x: %w", k, err)
		}
		if sc.q.Match(&e) {
			r.found = keep(r.found, match{key, e}, sc.limit)
		}
	}
	return it.Error()
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
	b := []byte(t)
	lowerASCII(b)
	return b
}

// lowerASCII lower-cases the ASCII letters of b in place, eight bytes at
// a time.
func lowerASCII(b []byte) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		low7 := w &^ highs
		// high bit of each byte set where the byte is in 'A'..'Z' (and ASCII)
		ge := low7 + (0x80-'A')*ones
		gt := low7 + (0x80-'Z'-1)*ones
		upper := (ge &^ gt) &^ w & highs
		binary.LittleEndian.PutUint64(b[i:], w|upper>>2)
	}
	for ; i < len(b); i++ {
		if c := b[i]; 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}
