package pebblestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/cockroachdb/pebble/v2"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
)

// Search returns a page of the entries q matches, newest first (see
// store.Searcher).
//
// It reads the search index (the s space): per day, one key per entry in
// time order within each level rank, its value the entry's service and
// where the entry is. A search opens one reverse iterator per rank it
// wants and merges them, newest first, filters on service and level
// without reading an entry, and reads an entry (a point read in the t or
// u space) only to test text and field conditions or to return it. A
// store made before the index existed answers store.ErrNoSearchIndex.
func (s *Store) Search(ctx context.Context, q store.SearchQuery) (store.SearchPage, error) {
	if err := s.ingestRun(); err != nil {
		return store.SearchPage{}, err
	}
	s.mu.Lock()
	ok := s.searchable
	s.mu.Unlock()
	if !ok {
		return store.SearchPage{}, fmt.Errorf("%s: %w", s.dir, store.ErrNoSearchIndex)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = store.DefaultSearchLimit
	}
	limit = min(limit, store.MaxSearchLimit)
	if !q.NeedsEntry() {
		return s.indexSearch(ctx, q, limit, 0)
	}
	// A text or field condition needs each candidate read whole. Common
	// words fill a page within a few thousand candidates, read through
	// the index newest first; past that, reading the window in key order
	// (scanSearch) costs less than a random read per candidate.
	pg, err := s.indexSearch(ctx, q, limit, textFetchBudget)
	if errors.Is(err, errBudget) {
		return s.scanSearch(ctx, q, limit)
	}
	return pg, err
}

// textFetchBudget is how many entries a text or field search reads
// through the index before it reads the window in key order instead. A
// variable for tests.
var textFetchBudget = 2000

var errBudget = errors.New("fetch budget spent")

// indexSearch answers q through the search index; with budget > 0 it
// gives up with errBudget once it has read more entries than that.
func (s *Store) indexSearch(ctx context.Context, q store.SearchQuery, limit, budget int) (store.SearchPage, error) {
	ranks := searchRanks(q.Levels)
	var pg store.SearchPage
	fetched := 0

	upper := [3]uint64{math.MaxUint64, math.MaxUint64, math.MaxUint64} // exclusive: at, file, offset
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

	get, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{})
	if err != nil {
		return pg, err
	}
	defer get.Close()
	f := fetcher{it: get}

	buckets := s.sortedBuckets()
	var found []store.Entry
	var keys [][3]uint64
	for bi := len(buckets) - 1; bi >= 0 && len(found) <= limit; bi-- {
		bk := buckets[bi]
		if !q.From.IsZero() && !storefmt.BucketStart(bk+1).After(q.From) {
			break
		}
		if upper[0] != math.MaxUint64 && storefmt.AtKey(storefmt.BucketStart(bk)) > upper[0] {
			continue
		}
		m, err := s.openMerge(ctx, bk, ranks, lowerAt, upper)
		if err != nil {
			return pg, err
		}
		err = m.run(func(rank int, k, v []byte) (bool, error) {
			pg.Scanned++
			if pg.Scanned%4096 == 0 {
				if err := ctx.Err(); err != nil {
					return false, err
				}
			}
			var sv storefmt.SearchValue
			if err := storefmt.DecodeSearchValue(v, rank, &sv); err != nil {
				return false, fmt.Errorf("pebblestore: search key %x: %w", k, err)
			}
			level := rankLevel(rank, sv.Level)
			if !q.MatchIndexed(string(sv.Service), level, sv.Traced) {
				return true, nil
			}
			if q.IndexOnly && !q.NeedsEntry() {
				found = append(found, indexEntry(k, &sv, level))
				keys = append(keys, keyOf(k))
				return len(found) <= limit, nil
			}
			if fetched++; budget > 0 && fetched > budget {
				return false, errBudget
			}
			e, ok, err := f.entry(bk, k, &sv)
			if err != nil || !ok { // !ok: deleted (DeleteTrace) since
				return err == nil, err
			}
			if !q.Match(&e) {
				return true, nil
			}
			found = append(found, e)
			keys = append(keys, keyOf(k))
			return len(found) <= limit, nil
		})
		m.close()
		if err != nil {
			return pg, err
		}
	}
	if len(found) > limit {
		found = found[:limit]
		pg.More = true
		k := keys[limit-1]
		pg.Next = store.KeyCursor(k[0], k[1], k[2])
	}
	pg.Entries = found
	return pg, nil
}

// indexEntry is the entry of s key k as the index alone tells it.
func indexEntry(k []byte, sv *storefmt.SearchValue, level string) store.Entry {
	e := store.Entry{At: storefmt.AtFromKey(binary.BigEndian.Uint64(k[6:]))}
	e.Service, e.Level = string(sv.Service), level
	if sv.Traced {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], sv.ID[0])
		binary.BigEndian.PutUint64(b[8:], sv.ID[1])
		if sv.ID[0] != 0 {
			e.TraceID = hex.EncodeToString(b[:])
		} else {
			e.TraceIDLow = hex.EncodeToString(b[8:])
		}
	}
	return e
}

// searchRanks are the ranks a search must read for levels (all when none).
func searchRanks(levels []string) []int {
	if len(levels) == 0 {
		return []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
	}
	var rs []int
	for _, l := range levels {
		r := store.LevelRank(l)
		if !slices.Contains(rs, r) {
			rs = append(rs, r)
		}
	}
	return rs
}

var rankLevels = [...]string{"", "trace", "debug", "info", "warn", "error", "dpanic", "panic", "fatal"}

func rankLevel(rank int, level []byte) string {
	if rank == 0 {
		return string(level)
	}
	if rank < len(rankLevels) {
		return rankLevels[rank]
	}
	return ""
}

func keyOf(k []byte) [3]uint64 {
	return [3]uint64{binary.BigEndian.Uint64(k[6:]), binary.BigEndian.Uint64(k[14:]), binary.BigEndian.Uint64(k[22:])}
}

func less3(a, b [3]uint64) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// rankMerge merges the reverse iterators of one day's ranks, newest first.
type rankMerge struct {
	its   []*pebble.Iterator
	ranks []int
	valid []bool
}

// openMerge opens, for each rank, an iterator over the day's s keys with
// lowerAt <= at and (at, file, offset) < upper, positioned on its last.
func (s *Store) openMerge(ctx context.Context, bk uint32, ranks []int, lowerAt uint64, upper [3]uint64) (*rankMerge, error) {
	m := &rankMerge{}
	for _, r := range ranks {
		lo := storefmt.AppendSearchPrefix(nil, bk, r)
		lo = binary.BigEndian.AppendUint64(lo, lowerAt)
		p := storefmt.AppendSearchPrefix(nil, bk, r)
		var hi []byte
		if upper[0] == math.MaxUint64 {
			hi = storefmt.PrefixEnd(p)
		} else {
			hi = binary.BigEndian.AppendUint64(p, upper[0])
			hi = binary.BigEndian.AppendUint64(hi, upper[1])
			hi = binary.BigEndian.AppendUint64(hi, upper[2])
		}
		if bytes.Compare(lo, hi) >= 0 {
			continue
		}
		it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: lo, UpperBound: hi})
		if err != nil {
			m.close()
			return nil, err
		}
		m.its = append(m.its, it)
		m.ranks = append(m.ranks, r)
		m.valid = append(m.valid, it.Last())
	}
	return m, nil
}

func (m *rankMerge) close() {
	for _, it := range m.its {
		it.Close()
	}
}

// run calls fn for every key, newest first (at, file, offset descending),
// until fn returns false or an error.
func (m *rankMerge) run(fn func(rank int, k, v []byte) (bool, error)) error {
	for {
		best := -1
		for i, it := range m.its {
			if !m.valid[i] {
				continue
			}
			if best < 0 || bytes.Compare(it.Key()[6:], m.its[best].Key()[6:]) > 0 {
				best = i
			}
		}
		if best < 0 {
			for _, it := range m.its {
				if err := it.Error(); err != nil {
					return err
				}
			}
			return nil
		}
		it := m.its[best]
		k := it.Key()
		if len(k) == storefmt.SearchKeyLen {
			v, err := it.ValueAndErr()
			if err != nil {
				return err
			}
			more, err := fn(m.ranks[best], k, v)
			if err != nil || !more {
				return err
			}
		}
		m.valid[best] = it.Prev()
	}
}

// fetcher reads the entries search keys point to.
type fetcher struct {
	it  *pebble.Iterator
	key []byte
}

// entry reads the entry of s key k (value sv) of bucket bk; ok is false
// when it is gone (a deleted trace).
func (f *fetcher) entry(bk uint32, k []byte, sv *storefmt.SearchValue) (store.Entry, bool, error) {
	ks := keyOf(k)
	at := storefmt.AtFromKey(ks[0])
	var id *[2]uint64
	if sv.Traced {
		id = &sv.ID
		f.key = storefmt.AppendTraceKey(f.key[:0], bk, sv.ID[0], sv.ID[1], at, ks[1], int64(ks[2]))
	} else {
		f.key = storefmt.AppendTimeKey(f.key[:0], storefmt.SpaceUntraced, bk, at, ks[1], int64(ks[2]))
	}
	if !f.it.SeekGE(f.key) || !bytes.Equal(f.it.Key(), f.key) {
		return store.Entry{}, false, f.it.Error()
	}
	v, err := f.it.ValueAndErr()
	if err != nil {
		return store.Entry{}, false, err
	}
	var e store.Entry
	if err := storefmt.DecodeEntry(&e, v, at, int64(ks[2]), id); err != nil {
		return e, false, fmt.Errorf("pebblestore: entry %x: %w", f.key, err)
	}
	return e, true, nil
}
