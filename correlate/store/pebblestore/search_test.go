package pebblestore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store"
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
