package pebblestore

import (
	"bytes"
	"context"
	"encoding/binary"
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
// It reads the search index (the s space; see storefmt/search.go): per
// day and level rank, one key per group of entries of one write and one
// second, in time order. A search opens one reverse iterator per rank it
// wants, reads every group of the newest second left, keeps the entries
// that meet the window, service, level and traced conditions (a group
// none of whose services is wanted is skipped whole), orders them newest
// first, and reads an entry (a point read in the t or u space) only to
// test text and field conditions or to return it. A store made before
// the index, or with an earlier layout of it, answers
// store.ErrNoSearchIndex.
func (s *Store) Search(ctx context.Context, q store.SearchQuery) (store.SearchPage, error) {
	if err := s.enter(); err != nil {
		return store.SearchPage{}, err
	}
	defer s.leave()
	s.mu.Lock()
	ok := s.searchable
	s.mu.Unlock()
	if !ok {
		if s.searchOld {
			return store.SearchPage{}, fmt.Errorf("%s: its search index has an earlier layout: %w", s.dir, store.ErrNoSearchIndex)
		}
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

// searchBounds returns the keys q's window and cursor bound a search to:
// upper, exclusive, as (at, file, offset), and lowerAt, the least time
// key. A cursor that is not a key is store.ErrBadCursor.
func searchBounds(q *store.SearchQuery) (upper [3]uint64, lowerAt uint64, err error) {
	upper = [3]uint64{math.MaxUint64, math.MaxUint64, math.MaxUint64}
	if !q.To.IsZero() {
		upper = [3]uint64{storefmt.AtKey(q.To), 0, 0}
	}
	if at, file, off, ok := q.After.Key(); ok {
		if c := [3]uint64{at, file, off}; less3(c, upper) {
			upper = c
		}
	} else if !q.After.IsZero() {
		return upper, 0, store.ErrBadCursor
	}
	if !q.From.IsZero() {
		lowerAt = storefmt.AtKey(q.From)
	}
	return upper, lowerAt, nil
}

// indexSearch answers q through the search index; with budget > 0 it
// gives up with errBudget once it has read more entries than that.
func (s *Store) indexSearch(ctx context.Context, q store.SearchQuery, limit, budget int) (store.SearchPage, error) {
	ranks := searchRanks(q.Levels)
	var pg store.SearchPage
	fetched := 0

	upper, lowerAt, err := searchBounds(&q)
	if err != nil {
		return pg, err
	}

	get, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{})
	if err != nil {
		return pg, err
	}
	defer get.Close()
	f := fetcher{it: get}

	col := collector{q: &q, lowerAt: lowerAt, strs: map[string]string{}}
	var found []store.Entry
	var keys [][3]uint64
	// take handles one candidate; it returns false once the page is full.
	take := func(bk uint32, c *candidate) (bool, error) {
		if q.IndexOnly && !q.NeedsEntry() {
			found = append(found, c.indexEntry())
			keys = append(keys, c.key)
			return len(found) <= limit, nil
		}
		if fetched++; budget > 0 && fetched > budget {
			return false, errBudget
		}
		e, ok, err := f.entry(bk, c)
		if err != nil || !ok { // !ok: deleted (DeleteTrace) since
			return err == nil, err
		}
		if !q.Match(&e) {
			return true, nil
		}
		found = append(found, e)
		keys = append(keys, c.key)
		return len(found) <= limit, nil
	}
	buckets := s.sortedBuckets()
	more := true
	for bi := len(buckets) - 1; bi >= 0 && more; bi-- {
		bk := buckets[bi]
		if !q.From.IsZero() && !storefmt.BucketStart(bk+1).After(q.From) {
			break
		}
		if upper[0] != math.MaxUint64 && storefmt.AtKey(storefmt.BucketStart(bk)) > upper[0] {
			continue
		}
		for reopen := true; reopen && more; {
			reopen = false
			m, err := s.openMerge(ctx, bk, ranks, lowerAt, upper)
			if err != nil {
				return pg, err
			}
			for more && !reopen {
				sec, ok := m.newestSecond()
				if !ok {
					break
				}
				col.reset(upper)
				if err := m.collect(sec, &col); err != nil {
					m.close()
					return pg, err
				}
				if err := ctx.Err(); err != nil {
					m.close()
					return pg, err
				}
				for i := range col.cands {
					if more, err = take(bk, &col.cands[i]); err != nil {
						m.close()
						return pg, err
					}
					if !more {
						break
					}
				}
				if more && col.cut {
					// The second held more candidates than the collector
					// keeps: read it again below the last one taken.
					upper, reopen = col.cands[len(col.cands)-1].key, true
				}
			}
			if err := m.close(); err != nil {
				return pg, err
			}
		}
	}
	pg.Scanned = col.scanned
	if len(found) > limit {
		found = found[:limit]
		pg.More = true
		k := keys[limit-1]
		pg.Next = store.KeyCursor(k[0], k[1], k[2])
	}
	pg.Entries = found
	return pg, nil
}

// candidate is an entry of the search index that passed the window and
// the service, level and traced conditions.
type candidate struct {
	key        [3]uint64 // at, file, offset
	id         [2]uint64
	traced     bool
	svc, level string
}

// indexEntry is the entry as the index alone tells it.
func (c *candidate) indexEntry() store.Entry {
	e := store.Entry{At: storefmt.AtFromKey(c.key[0])}
	e.Service, e.Level = c.svc, c.level
	if c.traced {
		id := store.TraceID{Hi: c.id[0], Lo: c.id[1]}.String()
		if c.id[0] != 0 {
			e.TraceID = id
		} else {
			e.TraceIDLow = id[16:]
		}
	}
	return e
}

// maxSecondCandidates bounds the candidates a search holds of one second
// (twice that while it reads); a second with more is read again for the
// rest. A variable for tests.
var maxSecondCandidates = 1 << 15

// collector gathers the candidates of one second, newest first.
type collector struct {
	q       *store.SearchQuery
	lowerAt uint64
	upper   [3]uint64 // exclusive
	cands   []candidate
	// cut says candidates were dropped: the second's candidates below the
	// last one kept (floor) are still to read.
	cut     bool
	floor   [3]uint64
	scanned int
	gr      storefmt.GroupReader
	strs    map[string]string // services and levels, one string each
	svcs    []string
	svcOK   []bool
	levels  []string
}

// reset empties the collector for a second, below upper.
func (c *collector) reset(upper [3]uint64) {
	c.upper, c.cands, c.cut = upper, c.cands[:0], false
}

// str returns b as a string, one allocation per distinct value.
func (c *collector) str(b []byte) string {
	if s, ok := c.strs[string(b)]; ok {
		return s
	}
	s := string(b)
	c.strs[s] = s
	return s
}

// add reads the group k, v and keeps its entries that match.
func (c *collector) add(k, v []byte) error {
	g := &c.gr
	if err := g.Reset(k, v); err != nil {
		return fmt.Errorf("pebblestore: search key %x: %w", k, err)
	}
	c.svcs, c.svcOK = c.svcs[:0], c.svcOK[:0]
	wanted := false
	for _, b := range g.Services {
		s := c.str(b)
		ok := len(c.q.Services) == 0 || slices.Contains(c.q.Services, s)
		c.svcs, c.svcOK = append(c.svcs, s), append(c.svcOK, ok)
		wanted = wanted || ok
	}
	if !wanted {
		return nil // none of the group's services is asked for
	}
	c.levels = c.levels[:0]
	for _, b := range g.Levels {
		c.levels = append(c.levels, c.str(b))
	}
	level := rankLevel(g.Key.Rank)
	var se storefmt.SearchEntry
	for g.Next(&se) {
		key := [3]uint64{se.At, g.Key.File, uint64(se.Offset)}
		if se.At < c.lowerAt || !less3(key, c.upper) {
			continue
		}
		c.scanned++
		if c.cut && !less3(c.floor, key) {
			continue // read again later
		}
		if !c.svcOK[se.Service] {
			continue
		}
		if g.Key.Rank == 0 {
			level = c.levels[se.Level]
		}
		if !c.q.MatchIndexed(c.svcs[se.Service], level, se.Traced) {
			continue
		}
		c.cands = append(c.cands, candidate{key: key, id: se.ID, traced: se.Traced, svc: c.svcs[se.Service], level: level})
		if len(c.cands) >= 2*maxSecondCandidates {
			c.trim()
		}
	}
	if err := g.Err(); err != nil {
		return fmt.Errorf("pebblestore: search key %x: %w", k, err)
	}
	return nil
}

// trim sorts the candidates newest first, drops duplicates (an entry
// written twice), and keeps the newest maxSecondCandidates (cut: the rest
// is read again later).
func (c *collector) trim() {
	slices.SortFunc(c.cands, func(a, b candidate) int {
		switch {
		case less3(b.key, a.key):
			return -1
		case less3(a.key, b.key):
			return 1
		}
		return 0
	})
	c.cands = slices.CompactFunc(c.cands, func(a, b candidate) bool { return a.key == b.key })
	if len(c.cands) > maxSecondCandidates {
		c.cands = c.cands[:maxSecondCandidates]
		// nothing below the last one kept is kept any more
		c.cut, c.floor = true, c.cands[len(c.cands)-1].key
	}
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

// rankLevel is the level of a rank above 0.
func rankLevel(rank int) string {
	if rank < len(rankLevels) {
		return rankLevels[rank]
	}
	return ""
}

func less3(a, b [3]uint64) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// rankMerge reads one day's groups of some ranks a second at a time,
// newest first.
type rankMerge struct {
	its   []*pebble.Iterator
	valid []bool
}

// openMerge opens, for each rank, an iterator over the day's groups whose
// second may hold entries with lowerAt <= at and (at, file, offset) <
// upper, positioned on its last.
func (s *Store) openMerge(ctx context.Context, bk uint32, ranks []int, lowerAt uint64, upper [3]uint64) (*rankMerge, error) {
	m := &rankMerge{}
	maxAt := upper[0]
	if upper[1] == 0 && upper[2] == 0 {
		if maxAt == 0 {
			return m, nil
		}
		maxAt-- // only times before upper's
	}
	for _, r := range ranks {
		p := storefmt.AppendSearchPrefix(nil, bk, r)
		lo := binary.BigEndian.AppendUint64(slices.Clip(p), storefmt.SecondOf(lowerAt))
		hi := storefmt.PrefixEnd(p)
		if upper[0] != math.MaxUint64 {
			hi = storefmt.PrefixEnd(binary.BigEndian.AppendUint64(p, storefmt.SecondOf(maxAt)))
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
		m.valid = append(m.valid, it.Last())
	}
	return m, nil
}

func (m *rankMerge) close() error {
	var errs []error
	for _, it := range m.its {
		errs = append(errs, it.Close())
	}
	return errors.Join(errs...)
}

// second is the second of group key k.
func second(k []byte) uint64 { return binary.BigEndian.Uint64(k[6:14]) }

// newestSecond returns the newest second left to read; ok is false when
// none is.
func (m *rankMerge) newestSecond() (sec uint64, ok bool) {
	for i, it := range m.its {
		for m.valid[i] && len(it.Key()) != storefmt.SearchKeyLen {
			m.valid[i] = it.Prev()
		}
		if m.valid[i] {
			if s := second(it.Key()); !ok || s > sec {
				sec, ok = s, true
			}
		}
	}
	return sec, ok
}

// collect reads every group of second sec into c, which it leaves sorted
// newest first, and moves past them.
func (m *rankMerge) collect(sec uint64, c *collector) error {
	for i, it := range m.its {
		for m.valid[i] {
			if k := it.Key(); len(k) == storefmt.SearchKeyLen {
				if second(k) != sec {
					break
				}
				v, err := it.ValueAndErr()
				if err != nil {
					return err
				}
				if err := c.add(k, v); err != nil {
					return err
				}
			}
			m.valid[i] = it.Prev()
		}
		if !m.valid[i] {
			if err := it.Error(); err != nil {
				return err
			}
		}
	}
	c.trim()
	return nil
}

// fetcher reads the entries search candidates point to.
type fetcher struct {
	it  *pebble.Iterator
	key []byte
}

// entry reads the entry of candidate c of bucket bk; ok is false when it
// is gone (a deleted trace).
func (f *fetcher) entry(bk uint32, c *candidate) (store.Entry, bool, error) {
	at := storefmt.AtFromKey(c.key[0])
	var id *[2]uint64
	if c.traced {
		id = &c.id
		f.key = storefmt.AppendTraceKey(f.key[:0], bk, c.id[0], c.id[1], at, c.key[1], int64(c.key[2]))
	} else {
		f.key = storefmt.AppendTimeKey(f.key[:0], storefmt.SpaceUntraced, bk, at, c.key[1], int64(c.key[2]))
	}
	if !f.it.SeekGE(f.key) || !bytes.Equal(f.it.Key(), f.key) {
		return store.Entry{}, false, f.it.Error()
	}
	v, err := f.it.ValueAndErr()
	if err != nil {
		return store.Entry{}, false, err
	}
	var e store.Entry
	if err := storefmt.DecodeEntry(&e, v, at, int64(c.key[2]), id); err != nil {
		return e, false, fmt.Errorf("pebblestore: entry %x: %w", f.key, err)
	}
	return e, true, nil
}
