package chstore

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/traceline/traceline/correlate/internal/clickhousetest"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/storetest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	traceA = "4bf92f3577b34da6a3ce929d0e0e4736"
	lowA   = "a3ce929d0e0e4736"
	traceB = "0af7651916cd43dd8448eb211c80319c"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func rec(off int64, at time.Time, traceID, low, msg string) store.Entry {
	raw := `{"level":"info","msg":"` + msg + `","trace_id":"` + traceID + `"}`
	return store.Entry{Record: parse.Record{
		File: "a.log", Line: off + 1, Offset: off, Time: at, TimePrecision: time.Millisecond,
		Level: "info", Msg: msg, Service: "checkout", Caller: "main.go:12",
		TraceID: traceID, TraceIDLow: low, SpanID: "00f067aa0ba902b7", TraceFlags: "01",
		Raw: raw, Lines: 1,
	}, At: at}
}

func openStore(t *testing.T, c *clickhousetest.Servers, db string, spool string) *Store {
	t.Helper()
	cfg := Config{Shards: c.URLs(), Database: db, SpoolDir: spool, Timeout: 10 * time.Second}
	if len(c.Servers) > 1 {
		cfg.Cluster = c.Name
	}
	s, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func msgs(recs []parse.Record) []string {
	var got []string
	for _, r := range recs {
		got = append(got, r.Msg)
	}
	return got
}

// TestConformance checks the behaviours the embedded store's tests check,
// on one server and on a two-shard cluster.
func TestConformance(t *testing.T) {
	c := clickhousetest.Start(t, 2)
	single := &clickhousetest.Servers{Name: c.Name, Servers: c.Servers[:1]}
	for _, cl := range []struct {
		name string
		c    *clickhousetest.Servers
		db   string
	}{{"one server", single, "single"}, {"two shards", c, "sharded"}} {
		t.Run(cl.name, func(t *testing.T) { conformance(t, cl.c, cl.db) })
	}
}

func conformance(t *testing.T, c *clickhousetest.Servers, db string) {
	ctx := context.Background()
	s := openStore(t, c, db, "")
	ids, _ := store.ParseTraceID(traceA)
	if _, err := s.Logs(ctx, ids...); !errors.Is(err, store.ErrEmpty) {
		t.Errorf("empty store: %v, want ErrEmpty", err)
	}
	entries := []store.Entry{
		rec(0, t0.Add(3*time.Second), traceA, "", "third"),
		rec(100, t0.Add(1*time.Second), traceA, "", "first"),
		rec(200, t0.Add(2*time.Second), traceB, "", "other trace"),
		rec(300, t0.Add(2*time.Second), "", lowA, "datadog decimal line"),
		rec(400, t0.Add(4*time.Second), "", "", "untraced"),
		rec(500, t0.Add(25*time.Hour), traceA, "", "next day"),
	}
	cp := store.Checkpoint{FileID: 7, Path: "a.log", Offset: 600, Line: 601, Updated: t0}
	if err := s.Write(ctx, entries, cp); err != nil {
		t.Fatal(err)
	}
	// idempotent: writing the same again adds nothing a reader sees
	if err := s.Write(ctx, entries, cp); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openStore(t, c, db, "") // a replica that starts afresh

	tests := []struct {
		name string
		id   string
		want []string
		err  error
	}{
		{"full id", traceA, []string{"first", "datadog decimal line", "third", "next day"}, nil},
		{"upper case", "4BF92F3577B34DA6A3CE929D0E0E4736", []string{"first", "datadog decimal line", "third", "next day"}, nil},
		{"low 16 hex", lowA, []string{"first", "datadog decimal line", "third", "next day"}, nil},
		{"decimal low", "11803532876627986230", []string{"first", "datadog decimal line", "third", "next day"}, nil},
		{"other", traceB, []string{"other trace"}, nil},
		{"missing", "11111111111111111111111111111111", nil, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, err := store.ParseTraceID(tt.id)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := s.Logs(ctx, ids...)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if got := msgs(recs); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for _, limit := range []int{1, 3} {
				var paged []parse.Record
				var after store.Cursor
				for {
					pg, err := s.LogsPage(ctx, ids, after, limit)
					if !errors.Is(err, tt.err) {
						t.Fatalf("page: err = %v, want %v", err, tt.err)
					}
					if len(pg.Records) > limit {
						t.Fatalf("a page of %d, limit %d", len(pg.Records), limit)
					}
					paged = append(paged, pg.Records...)
					if !pg.More {
						break
					}
					after = pg.Next
				}
				if got := msgs(paged); strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Fatalf("pages of %d: got %q, want %q", limit, got, tt.want)
				}
			}
		})
	}
	t.Run("first pages", func(t *testing.T) {
		// Every trace of the table at once, each continued page by page
		// from its first page's cursor, must read what Logs reads.
		var traces [][]store.TraceID
		for _, tt := range tests {
			ids, _ := store.ParseTraceID(tt.id)
			traces = append(traces, ids)
		}
		for _, limit := range []int{1, 2, 3, 10} {
			pages, err := s.FirstPages(ctx, traces, limit)
			if err != nil || len(pages) != len(traces) {
				t.Fatalf("limit %d: %d pages, %v", limit, len(pages), err)
			}
			for i, tt := range tests {
				pg := pages[i]
				got := msgs(pg.Records)
				if len(pg.Records) > limit {
					t.Fatalf("%s, limit %d: a first page of %d", tt.name, limit, len(pg.Records))
				}
				for pg.More {
					pg, err = s.LogsPage(ctx, traces[i], pg.Next, limit)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, msgs(pg.Records)...)
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Errorf("%s, limit %d: got %q, want %q", tt.name, limit, got, tt.want)
				}
			}
		}
	})
	t.Run("record round trip", func(t *testing.T) {
		recs, err := s.Logs(ctx, store.TraceID{Hi: 0x0af7651916cd43dd, Lo: 0x8448eb211c80319c})
		if err != nil {
			t.Fatal(err)
		}
		if want := entries[2].Record; recs[0] != want {
			t.Errorf("got  %+v\nwant %+v", recs[0], want)
		}
		recs, _ = s.Logs(ctx, store.TraceID{Lo: 0xa3ce929d0e0e4736, Only64: true})
		if recs[1].TraceIDLow != lowA || recs[1].TraceID != "" {
			t.Errorf("low-only record came back as %q/%q", recs[1].TraceID, recs[1].TraceIDLow)
		}
	})
	t.Run("range", func(t *testing.T) {
		var got []string
		err := s.Range(ctx, t0, t0.Add(time.Hour), func(e *store.Entry) bool {
			got = append(got, e.Msg)
			return true
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"first", "other trace", "datadog decimal line", "third", "untraced"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("got %q, want %q", got, want)
		}
		got = got[:0]
		s.Range(ctx, t0, time.Time{}, func(e *store.Entry) bool { got = append(got, e.Msg); return len(got) < 2 })
		if len(got) != 2 {
			t.Errorf("stopping early: got %q", got)
		}
	})
	t.Run("checkpoints", func(t *testing.T) {
		cp2 := cp
		cp2.Offset, cp2.Line, cp2.Updated = 700, 701, t0.Add(time.Minute)
		if err := s.Write(ctx, nil, cp2); err != nil {
			t.Fatal(err)
		}
		cps, err := s.Checkpoints(ctx)
		if err != nil || len(cps) != 1 || cps[0].Offset != 700 || cps[0].Line != 701 || cps[0].Path != "a.log" {
			t.Fatalf("got %+v, %v", cps, err)
		}
	})
	t.Run("expire", func(t *testing.T) {
		st, err := s.Stats(ctx)
		if err != nil || st.Buckets != 2 || st.Files != 1 || st.SizeBytes == 0 || !st.Oldest.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("stats %+v, %v", st, err)
		}
		n, err := s.Expire(ctx, 12*time.Hour)
		if err != nil || n != 1 {
			t.Fatalf("Expire = %d, %v; want 1 day", n, err)
		}
		recs, err := s.Logs(ctx, ids...)
		if err != nil || len(recs) != 1 || recs[0].Msg != "next day" {
			t.Fatalf("after expiry: %q, %v", msgs(recs), err)
		}
	})
}

func TestRoundTripBytes(t *testing.T) {
	c := clickhousetest.Start(t, 1)
	ctx := context.Background()
	s := openStore(t, c, "bytes", "")
	odd := []string{"bad \xff byte", "tab\there", "nl\nline\r\n", `quote " back \ slash`, "nul\x00ctl\x01", "ünïcödé ✓", ""}
	var entries []store.Entry
	for i, m := range odd {
		e := rec(int64(i*10), t0.Add(time.Duration(i)*time.Nanosecond), traceA, "", m)
		e.Raw = "raw:" + m
		e.Caller = m
		entries = append(entries, e)
	}
	notime := rec(1000, t0.Add(time.Hour), traceA, "", "no time")
	notime.Time, notime.TimePrecision = time.Time{}, 0
	entries = append(entries, notime)
	if err := s.Write(ctx, entries, store.Checkpoint{FileID: 1<<64 - 1}); err != nil {
		t.Fatal(err)
	}
	ids, _ := store.ParseTraceID(traceA)
	recs, err := s.Logs(ctx, ids...)
	if err != nil || len(recs) != len(entries) {
		t.Fatalf("%d records, %v", len(recs), err)
	}
	for i := range recs {
		if recs[i] != entries[i].Record {
			t.Errorf("%d: got  %+v\nwant %+v", i, recs[i], entries[i].Record)
		}
	}
}

// TestPlacement checks that one trace's rows sit on one shard, and that the
// two shards both hold some.
func TestPlacement(t *testing.T) {
	c := clickhousetest.Start(t, 2)
	ctx := context.Background()
	s := openStore(t, c, "placement", "")
	var entries []store.Entry
	for i := 0; i < 200; i++ {
		id := store.TraceID{Hi: uint64(i) * 0x9e3779b97f4a7c15, Lo: uint64(i)*0xbf58476d1ce4e5b9 + 1}
		for j := 0; j < 3; j++ {
			entries = append(entries, rec(int64(i*3+j), t0.Add(time.Duration(i)*time.Millisecond), id.String(), "", "m"))
		}
	}
	if err := s.Write(ctx, entries, store.Checkpoint{FileID: 3}); err != nil {
		t.Fatal(err)
	}
	for k, srv := range c.Servers {
		out, err := srv.Query("SELECT uniqExact(trace_lo), count(), countIf(trace_lo % 2 != " + string(rune('0'+k)) + ") FROM placement.entries_local FORMAT TSV")
		if err != nil {
			t.Fatal(err)
		}
		f := strings.Fields(out)
		if len(f) != 3 || f[0] == "0" || f[2] != "0" {
			t.Errorf("shard %d holds (traces, rows, rows of other shard's traces) = %q", k, f)
		}
	}
	// Through the Distributed table: every trace once, each entirely.
	out, err := c.Servers[1].Query("SELECT count(), uniqExact(trace_lo) FROM placement.entries FORMAT TSV")
	if err != nil || strings.Join(strings.Fields(out), " ") != "600 200" {
		t.Errorf("distributed count: %q, %v", out, err)
	}
}

// TestShardDown checks that with one shard down, lookups of traces on the
// other still work, and the others' errors name the shard; a Write without
// a spool fails with a retryable error naming it.
func TestShardDown(t *testing.T) {
	c := clickhousetest.Start(t, 2)
	ctx := context.Background()
	s := openStore(t, c, "down", "")
	idOn := func(shard uint64) store.TraceID { return store.TraceID{Hi: 0x1234, Lo: 0xabcdef00 + shard} }
	entries := []store.Entry{rec(0, t0, idOn(0).String(), "", "on shard 0"), rec(10, t0, idOn(1).String(), "", "on shard 1")}
	if err := s.Write(ctx, entries, store.Checkpoint{FileID: 9}); err != nil {
		t.Fatal(err)
	}
	c.Servers[1].Kill()

	if recs, err := s.Logs(ctx, idOn(0)); err != nil || len(recs) != 1 {
		t.Errorf("lookup on the live shard: %q, %v", msgs(recs), err)
	}
	_, err := s.Logs(ctx, idOn(1))
	var se *ShardError
	if !errors.As(err, &se) || se.Shard != 1 || !strings.Contains(err.Error(), "shard 1 ("+c.Servers[1].URL+")") {
		t.Errorf("lookup on the dead shard: %v, want a ShardError naming shard 1", err)
	}
	err = s.Range(ctx, t0, t0.Add(time.Hour), func(*store.Entry) bool { return true })
	if !errors.As(err, &se) || se.Shard != 1 {
		t.Errorf("range: %v, want a ShardError naming shard 1", err)
	}
	err = s.Write(ctx, entries, store.Checkpoint{FileID: 9, Offset: 20})
	if !errors.Is(err, ErrUnavailable) || !errors.As(err, &se) || se.Shard != 1 {
		t.Errorf("write: %v, want ErrUnavailable naming shard 1", err)
	}
	if err := c.Servers[1].Restart(); err != nil {
		t.Fatal(err)
	}
	if recs, err := s.Logs(ctx, idOn(1)); err != nil || len(recs) != 1 {
		t.Errorf("after restart: %q, %v", msgs(recs), err)
	}
}

// TestSearch runs the search tests every store passes, on one server
// and on a two-shard cluster.
func TestSearch(t *testing.T) {
	c := clickhousetest.Start(t, 2)
	single := &clickhousetest.Servers{Name: c.Name, Servers: c.Servers[:1]}
	for _, cl := range []struct {
		name string
		c    *clickhousetest.Servers
		db   string
	}{{"one server", single, "search_single"}, {"two shards", c, "search_sharded"}} {
		t.Run(cl.name, func(t *testing.T) { storetest.Search(t, openStore(t, cl.c, cl.db, "")) })
		t.Run(cl.name+", crowded", func(t *testing.T) { storetest.SearchCrowded(t, openStore(t, cl.c, cl.db+"_crowded", "")) })
	}
}
