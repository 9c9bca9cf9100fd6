package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
	"github.com/traceline/traceline/correlate/store/storetest"
)

func TestSearch(t *testing.T) {
	for _, o := range []struct {
		name string
		opts Options
	}{{"write", Options{}}, {"bulk load", Options{BulkLoad: true}}} {
		t.Run(o.name, func(t *testing.T) {
			s := openTest(t, t.TempDir(), o.opts)
			defer s.Close()
			storetest.Search(t, s)
		})
	}
}

// TestSearchByScan runs the search tests with text and field searches
// read in key order from the first candidate on.
func TestSearchByScan(t *testing.T) {
	defer func(b int) { textFetchBudget = b }(textFetchBudget)
	textFetchBudget = 1
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	storetest.Search(t, s)
}

// TestSearchReopen checks that the index and its marker survive a reopen,
// read-only too.
func TestSearchReopen(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	storetest.WriteSearchCorpus(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, ro := range []bool{false, true} {
		s := openTest(t, dir, Options{ReadOnly: ro})
		pg, err := s.Search(context.Background(), store.SearchQuery{Levels: []string{"error"}})
		s.Close()
		if err != nil || len(pg.Entries) != 2 {
			t.Fatalf("read-only %v: %d entries, %v; want 2", ro, len(pg.Entries), err)
		}
	}
}

// TestSearchNeedsIndex checks that a store written without the search
// index says so instead of answering nothing.
func TestSearchNeedsIndex(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	storetest.WriteSearchCorpus(t, s)
	// what a store made before the index looks like: no marker
	if err := s.db.Delete(metaSearch, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTest(t, dir, Options{})
	defer s.Close()
	if _, err := s.Search(context.Background(), store.SearchQuery{}); !errors.Is(err, store.ErrNoSearchIndex) {
		t.Fatalf("Search: %v, want ErrNoSearchIndex", err)
	}
}

// TestSearchDeleted checks that a deleted trace's lines leave the index.
func TestSearchDeleted(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	storetest.WriteSearchCorpus(t, s)
	ids, _ := store.ParseTraceID("4bf92f3577b34da6a3ce929d0e0e4736")
	if _, err := s.DeleteTrace(ctx, ids...); err != nil {
		t.Fatal(err)
	}
	pg, err := s.Search(ctx, store.SearchQuery{To: storetest.T0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range pg.Entries {
		if e.TraceID == "4bf92f3577b34da6a3ce929d0e0e4736" {
			t.Errorf("deleted line found: %q", e.Msg)
		}
	}
	// left: two untraced lines; the 64-bit line of the same trace went too
	if pg.Scanned != 2 {
		t.Errorf("scanned %d index keys, want 2 (the deleted lines' keys gone)", pg.Scanned)
	}
}

// TestNoSearchIndex: a store written with NoSearchIndex, or reopened with
// it after holding the index, says it cannot search.
func TestNoSearchIndex(t *testing.T) {
	for _, reopen := range []bool{false, true} {
		dir := t.TempDir()
		o := Options{NoSearchIndex: true}
		if reopen {
			s := openTest(t, dir, Options{})
			storetest.WriteSearchCorpus(t, s)
			s.Close()
		}
		s := openTest(t, dir, o)
		storetest.WriteSearchCorpus(t, s)
		s.Close()
		s = openTest(t, dir, Options{})
		_, err := s.Search(context.Background(), store.SearchQuery{})
		s.Close()
		if !errors.Is(err, store.ErrNoSearchIndex) {
			t.Errorf("reopen %v: Search %v, want ErrNoSearchIndex", reopen, err)
		}
	}
}

// TestSearchOlderStore: a store an earlier release wrote (testdata,
// without the search index) says a search needs a new index, read-only
// and writable, and stays so after new writes.
func TestSearchOlderStore(t *testing.T) {
	dir := copyDir(t, "testdata/rowformat")
	for _, ro := range []bool{true, false} {
		s := openTest(t, dir, Options{ReadOnly: ro})
		if !ro {
			storetest.WriteSearchCorpus(t, s)
		}
		_, err := s.Search(context.Background(), store.SearchQuery{})
		s.Close()
		if !errors.Is(err, store.ErrNoSearchIndex) {
			t.Errorf("read-only %v: Search %v, want ErrNoSearchIndex", ro, err)
		}
	}
}

func TestSearchCrowded(t *testing.T) {
	for _, o := range []struct {
		name string
		opts Options
	}{{"write", Options{}}, {"bulk load", Options{BulkLoad: true}}} {
		t.Run(o.name, func(t *testing.T) {
			s := openTest(t, t.TempDir(), o.opts)
			defer s.Close()
			storetest.SearchCrowded(t, s)
		})
	}
}

// TestSearchSecondCut runs the crowded search tests with a second's
// candidates held a few at a time: a second is read again below the last
// candidate taken.
func TestSearchSecondCut(t *testing.T) {
	defer func(n int) { maxSecondCandidates = n }(maxSecondCandidates)
	maxSecondCandidates = 40
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	storetest.SearchCrowded(t, s)
}

// searchKeys returns the store's s keys.
func searchKeys(t *testing.T, s *Store) []storefmt.SearchKey {
	t.Helper()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{storefmt.SpaceSearch}, UpperBound: []byte{storefmt.SpaceSearch + 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var keys []storefmt.SearchKey
	for it.First(); it.Valid(); it.Next() {
		k, ok := storefmt.ParseSearchKey(it.Key())
		if !ok {
			t.Fatalf("not a search key: %x", it.Key())
		}
		keys = append(keys, k)
	}
	return keys
}

// TestSearchGroups pins how entries become groups: one per write, file,
// level rank and second, of at most storefmt.GroupEntries entries.
func TestSearchGroups(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	var es []store.Entry
	for i := range 5000 {
		level := "info"
		if i%100 == 0 {
			level = "error"
		}
		at := t0.Add(time.Duration(i) * 100 * time.Microsecond) // 0.5 s
		if i >= 4000 {
			at = at.Add(time.Second) // the next second
		}
		e := rec(int64(i*10), at, "", "", "m")
		e.Level = level
		es = append(es, e)
	}
	if err := s.Write(ctx, es, store.Checkpoint{FileID: 7}); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(ctx, es[:10], store.Checkpoint{FileID: 8}); err != nil {
		t.Fatal(err)
	}
	type group struct{ rank, file int }
	got := map[group]int{}
	for _, k := range searchKeys(t, s) {
		got[group{k.Rank, int(k.File)}]++
	}
	// file 7: info 3,960 entries in the first second (8 groups) and 990 in
	// the next (2); error 40 and 10; file 8: 10 entries, info and error
	want := map[group]int{{3, 7}: 10, {5, 7}: 2, {3, 8}: 1, {5, 8}: 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("groups by (rank, file): %v, want %v", got, want)
	}
	pg, err := s.Search(ctx, store.SearchQuery{Levels: []string{"info"}, Limit: 1000})
	if err != nil || len(pg.Entries) != 1000 || !pg.Entries[0].At.Equal(es[4999].At) {
		t.Fatalf("newest info entries: %d, %v", len(pg.Entries), err)
	}
}

// TestSearchDeletedInGroup deletes a trace whose lines share groups with
// another trace's and untraced lines: searches by level or service alone
// (read from the index, no entry read) never list the deleted lines, and
// list every other one.
func TestSearchDeletedInGroup(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	const gone, kept = "0af7651916cd43dd8448eb211c80319c", "4bf92f3577b34da6a3ce929d0e0e4736"
	var es []store.Entry
	for i := range 30 {
		tid := []string{gone, kept, ""}[i%3] // the group's first line is gone's
		e := rec(int64(i*10), t0.Add(time.Duration(i)*time.Millisecond), tid, "", fmt.Sprint("line ", i))
		es = append(es, e)
	}
	if err := s.Write(ctx, es, store.Checkpoint{FileID: 1}); err != nil {
		t.Fatal(err)
	}
	ids, _ := store.ParseTraceID(gone)
	if n, err := s.DeleteTrace(ctx, ids...); err != nil || n != 10 {
		t.Fatalf("DeleteTrace = %d, %v; want 10", n, err)
	}
	for _, q := range []store.SearchQuery{
		{Levels: []string{"info"}, IndexOnly: true},
		{Services: []string{"checkout"}, IndexOnly: true},
		{Levels: []string{"info"}},
		{Levels: []string{"info"}, Limit: 7},
	} {
		var got []store.Entry
		for {
			pg, err := s.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, pg.Entries...)
			if !pg.More {
				break
			}
			q.After = pg.Next
		}
		if len(got) != 20 {
			t.Errorf("%+v: %d entries, want 20", q, len(got))
		}
		for _, e := range got {
			if e.TraceID == gone {
				t.Errorf("%+v: deleted line listed: %+v", q, e)
			}
		}
		if len(got) > 0 && !got[0].At.Equal(es[29].At) {
			t.Errorf("%+v: newest entry at %v, want %v", q, got[0].At, es[29].At)
		}
	}
	// the last trace deleted too: its group holds the untraced lines alone
	ids, _ = store.ParseTraceID(kept)
	if _, err := s.DeleteTrace(ctx, ids...); err != nil {
		t.Fatal(err)
	}
	pg, err := s.Search(ctx, store.SearchQuery{Traced: true, IndexOnly: true})
	if err != nil || len(pg.Entries) != 0 || pg.Scanned != 10 {
		t.Errorf("traced after both deletions: %d entries, %d scanned, %v; want 0 of 10 (the untraced lines)", len(pg.Entries), pg.Scanned, err)
	}
	if keys := searchKeys(t, s); len(keys) != 1 || keys[0].First != 20 {
		t.Errorf("groups left: %+v, want one, starting at the first untraced line (offset 20)", keys)
	}
}

// TestSearchOlderLayout: a store whose search index has a key per entry
// (the layout before groups) says it must be indexed again.
func TestSearchOlderLayout(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	storetest.WriteSearchCorpus(t, s)
	// what such a store holds: the earlier marker, not this one
	if err := s.db.Delete(metaSearch, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.db.Set(metaSearchEntries, nil, nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, ro := range []bool{true, false} {
		s = openTest(t, dir, Options{ReadOnly: ro})
		_, err := s.Search(context.Background(), store.SearchQuery{})
		s.Close()
		if !errors.Is(err, store.ErrNoSearchIndex) || !strings.Contains(err.Error(), "earlier layout") || !strings.Contains(err.Error(), "index the logs again") {
			t.Errorf("read-only %v: Search %v, want ErrNoSearchIndex naming the earlier layout", ro, err)
		}
	}
}
