// Package storetest holds the behaviour tests every store backend must
// pass, so that the embedded store and ClickHouse are held to the same
// contract.
package storetest

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// SearchStore is what the search tests need of a store.
type SearchStore interface {
	store.Writer
	store.Searcher
}

// T0 is the time the test entries start at.
var T0 = time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)

type fileEntry struct {
	file uint64
	e    store.Entry
}

// searchCorpus is two files over two days: several services, levels,
// formats, traced and untraced entries, and equal times in both files.
func searchCorpus() []fileEntry {
	const (
		ta = "4bf92f3577b34da6a3ce929d0e0e4736"
		tb = "0af7651916cd43dd8448eb211c80319c"
	)
	type spec struct {
		file    uint64
		at      time.Duration
		svc     string
		level   string
		msg     string
		trace   string
		low     string
		span    string
		rawTail string // extra JSON members
		text    bool   // a key=value line instead of JSON
	}
	specs := []spec{
		{1, 0, "gateway", "info", "request received", ta, "", "00f067aa0ba902b7", `,"route":"/forms"`, false},
		{1, 10 * time.Millisecond, "gateway", "debug", "routing", ta, "", "00f067aa0ba902b7", "", false},
		{2, 10 * time.Millisecond, "worker", "info", "form stored", ta, "", "1111111111111111", `,"patient":"P-42","attempt":2`, false},
		{2, 20 * time.Millisecond, "worker", "error", "Database Timeout", ta, "", "1111111111111111", `,"db":"forms"`, false},
		{1, 30 * time.Millisecond, "gateway", "warn", "slow upstream", "", "", "", "", true},
		{1, 40 * time.Millisecond, "gateway", "info", "health ok", "", "", "", "", false},
		{2, 50 * time.Millisecond, "ledger", "fatal", "ledger crashed", "", "a3ce929d0e0e4736", "2222222222222222", "", false},
		{2, 90 * time.Minute, "worker", "error", "submission failed: timeout", tb, "", "3333333333333333", `,"patient":"P-7"`, false},
		{1, 90 * time.Minute, "gateway", "slow", "slow call", tb, "", "4444444444444444", "", true},
		{1, 91 * time.Minute, "gateway", "info", "background sweep", "", "", "", `,"job":"sweep"`, false},
	}
	var out []fileEntry
	for i, s := range specs {
		at := T0.Add(s.at)
		var raw string
		if s.text {
			raw = fmt.Sprintf(`time=%s level=%s msg=%q service=%s`, at.Format(time.RFC3339Nano), s.level, s.msg, s.svc)
			if s.trace != "" {
				raw += " trace_id=" + s.trace + " span_id=" + s.span
			}
		} else {
			raw = fmt.Sprintf(`{"time":%q,"level":%q,"msg":%q,"service.name":%q`, at.Format(time.RFC3339Nano), s.level, s.msg, s.svc)
			if s.trace != "" {
				raw += `,"trace_id":"` + s.trace + `","span_id":"` + s.span + `"`
			}
			if s.low != "" {
				raw += `,"dd.trace_id":"11803532876627986230","dd.span_id":"2459565876494606882"`
			}
			raw += s.rawTail + "}"
		}
		off := int64(i * 1000)
		out = append(out, fileEntry{s.file, store.Entry{At: at, Record: parse.Record{
			File: fmt.Sprintf("f%d.log", s.file), Line: int64(i + 1), Offset: off, Time: at, TimePrecision: time.Nanosecond,
			Level: s.level, Msg: s.msg, Service: s.svc, TraceID: s.trace, TraceIDLow: s.low, SpanID: s.span, Raw: raw, Lines: 1,
		}}})
	}
	return out
}

// WriteSearchCorpus writes the search corpus to st, a batch per file.
func WriteSearchCorpus(t testing.TB, st store.Writer) {
	t.Helper()
	byFile := map[uint64][]store.Entry{}
	for _, fe := range searchCorpus() {
		byFile[fe.file] = append(byFile[fe.file], fe.e)
	}
	for _, f := range []uint64{1, 2} {
		es := byFile[f]
		cp := store.Checkpoint{FileID: f, Path: fmt.Sprintf("f%d.log", f), Offset: es[len(es)-1].Offset + 1, Created: T0}
		if err := st.Write(context.Background(), es, cp); err != nil {
			t.Fatal(err)
		}
	}
}

// Search checks store.Searcher on st, which must be empty: it writes the
// search corpus and runs a table of queries, comparing each with a
// brute-force filter of what was written, page by page.
func Search(t *testing.T, st SearchStore) {
	ctx := context.Background()
	WriteSearchCorpus(t, st)
	corpus := searchCorpus()
	warnUp, _ := store.ExpandLevel("warn+")
	tests := []searchTest{
		{"everything", store.SearchQuery{}, 10},
		{"window", store.SearchQuery{From: T0.Add(10 * time.Millisecond), To: T0.Add(50 * time.Millisecond)}, 5},
		{"window across days", store.SearchQuery{From: T0.Add(40 * time.Millisecond), To: T0.Add(2 * time.Hour)}, 5},
		{"service", store.SearchQuery{Services: []string{"worker"}}, 3},
		{"two services", store.SearchQuery{Services: []string{"worker", "ledger"}}, 4},
		{"level", store.SearchQuery{Levels: []string{"error"}}, 2},
		{"warn and above", store.SearchQuery{Levels: warnUp}, 4},
		{"unranked level", store.SearchQuery{Levels: []string{"slow"}}, 1},
		{"service and level", store.SearchQuery{Services: []string{"gateway"}, Levels: []string{"info"}}, 3},
		{"text in msg, any case", store.SearchQuery{Text: "TIMEOUT"}, 2},
		{"text only in the raw line", store.SearchQuery{Text: "p-42"}, 1},
		{"text across a trace id", store.SearchQuery{Text: "trace_id=0AF765"}, 1},
		{"text and level", store.SearchQuery{Text: "slow", Levels: []string{"warn"}}, 1},
		{"text in a window", store.SearchQuery{Text: "o", From: T0.Add(time.Hour)}, 3},
		{"field", store.SearchQuery{Fields: []store.FieldMatch{{Key: "patient", Value: "P-7"}}}, 1},
		{"field of a text line", store.SearchQuery{Fields: []store.FieldMatch{{Key: "level", Value: "slow"}}}, 1},
		{"field of an untraced entry (no raw line kept)", store.SearchQuery{Fields: []store.FieldMatch{{Key: "job", Value: "sweep"}}}, 0},
		{"number field", store.SearchQuery{Fields: []store.FieldMatch{{Key: "attempt", Value: "2"}}}, 1},
		{"traced only", store.SearchQuery{Traced: true}, 7},
		{"nothing", store.SearchQuery{Text: "no such words"}, 0},
	}
	runQueries(t, st, corpus, tests, []pageRun{{0, false}, {1, false}, {3, false}, {3, true}})
	t.Run("bad cursor", func(t *testing.T) {
		c, err := store.ParseCursor(base64.RawURLEncoding.EncodeToString(append([]byte{2}, make([]byte, 24)...))) // a position, not a key
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Search(ctx, store.SearchQuery{After: c}); !errors.Is(err, store.ErrBadCursor) {
			t.Errorf("a position cursor: %v, want ErrBadCursor", err)
		}
	})
}

// searchTest is a query and how many entries of the corpus it matches.
type searchTest struct {
	name string
	q    store.SearchQuery
	want int // a guard on the reference filter
}

// pageRun is a page size to read a query's results in, and whether
// index-only.
type pageRun struct {
	limit     int
	indexOnly bool
}

// runQueries runs each test's query on st, page by page at each run's
// page size, and compares the entries with a brute-force filter of
// corpus, ordered newest first (at, file, offset).
func runQueries(t *testing.T, st SearchStore, corpus []fileEntry, tests []searchTest, runs []pageRun) {
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []fileEntry
			for _, fe := range corpus {
				e := fe.e
				if e.TraceID == "" && e.TraceIDLow == "" {
					e.Raw = "" // kept compact
				}
				if (!tt.q.From.IsZero() && e.At.Before(tt.q.From)) || (!tt.q.To.IsZero() && !e.At.Before(tt.q.To)) {
					continue
				}
				if tt.q.Match(&e) {
					want = append(want, fe)
				}
			}
			if len(want) != tt.want {
				t.Fatalf("reference filter: %d entries, want %d", len(want), tt.want)
			}
			slices.SortFunc(want, func(a, b fileEntry) int {
				if c := b.e.At.Compare(a.e.At); c != 0 {
					return c
				}
				if a.file != b.file {
					if a.file > b.file {
						return -1
					}
					return 1
				}
				return int(b.e.Offset - a.e.Offset)
			})
			for _, run := range runs {
				limit := run.limit
				q := tt.q
				q.Limit, q.IndexOnly = limit, run.indexOnly
				pageSize := limit
				if pageSize <= 0 {
					pageSize = store.DefaultSearchLimit
				}
				var got []store.Entry
				for pages := 0; ; pages++ {
					if pages > len(want)/pageSize+2 {
						t.Fatal("paging does not end")
					}
					pg, err := st.Search(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					if len(pg.Entries) > pageSize {
						t.Fatalf("limit %d: page of %d", limit, len(pg.Entries))
					}
					got = append(got, pg.Entries...)
					if !pg.More {
						break
					}
					if len(pg.Entries) == 0 {
						t.Fatal("More with an empty page")
					}
					q.After = pg.Next
				}
				if len(got) != len(want) {
					t.Fatalf("limit %d: %d entries %v, want %d %v", limit, len(got), msgs(got), len(want), fmsgs(want))
				}
				for i := range got {
					g, w := got[i], want[i].e
					if run.indexOnly {
						// at least what the index holds
						if !g.At.Equal(w.At) || g.Service != w.Service || g.Level != w.Level || g.TraceID != w.TraceID || g.TraceIDLow != w.TraceIDLow {
							t.Fatalf("index only, entry %d: got %+v\nwant %+v", i, g, w)
						}
						continue
					}
					if g.Msg != w.Msg || !g.At.Equal(w.At) || g.Service != w.Service || g.Level != w.Level ||
						g.TraceID != w.TraceID || g.TraceIDLow != w.TraceIDLow || g.SpanID != w.SpanID || g.File != w.File || g.Line != w.Line {
						t.Fatalf("limit %d, entry %d: got %+v\nwant %+v", limit, i, g.Record, w.Record)
					}
					if w.TraceID != "" && g.Raw != w.Raw {
						t.Errorf("entry %d: raw %q, want %q", i, g.Raw, w.Raw)
					}
				}
			}
		})
	}
}

// msgs lists the messages of es (the first 20).
func msgs(es []store.Entry) string {
	var b []string
	for _, e := range es[:min(len(es), 20)] {
		b = append(b, e.Msg)
	}
	return strings.Join(b, " | ")
}

// fmsgs lists the messages of fs (the first 20).
func fmsgs(fs []fileEntry) string {
	var b []string
	for _, f := range fs[:min(len(fs), 20)] {
		b = append(b, f.e.Msg)
	}
	return strings.Join(b, " | ")
}

// T1 is the second the crowded corpus crowds into.
var T1 = time.Date(2026, 3, 4, 10, 20, 30, 0, time.UTC)

// crowdedCorpus is two files whose 2,000 entries crowd into one second
// (a few fall in the seconds around it), written a batch at a time: file 1
// in two batches, the first of 1,000 entries, file 2 in two between them.
// Times go back within a batch, some entries of the two files have equal
// times, services and levels mix within a file, and consecutive lines
// share a trace.
func crowdedCorpus() (corpus []fileEntry, batches [][]fileEntry) {
	entry := func(file uint64, i int, at time.Time, svc string) fileEntry {
		level := "info"
		switch {
		case i%7 == 0:
			level = "error"
		case i%11 == 0:
			level = "warn"
		case i%13 == 0:
			level = "slow"
		}
		msg := fmt.Sprintf("op %d of file %d", i, file)
		if i%50 == 0 {
			msg = "Needle found " + msg
		}
		r := parse.Record{File: fmt.Sprintf("f%d.log", file), Line: int64(i + 1), Offset: int64(i * 100), Time: at,
			TimePrecision: time.Microsecond, Level: level, Msg: msg, Service: svc, Lines: 1}
		raw := fmt.Sprintf(`{"time":%q,"level":%q,"msg":%q,"service.name":%q`, at.Format(time.RFC3339Nano), level, msg, svc)
		switch {
		case i%5 == 0: // untraced
		case i%17 == 0:
			r.TraceIDLow = fmt.Sprintf("%016x", 0xd00000+i)
			raw += `,"dd.trace_id":"` + fmt.Sprint(0xd00000+i) + `"`
		default:
			r.TraceID = fmt.Sprintf("%016x%016x", 0xabc0000+file, i/3)
			raw += `,"trace_id":"` + r.TraceID + `"`
		}
		r.Raw = raw + "}"
		return fileEntry{file, store.Entry{Record: r, At: at}}
	}
	var f1, f2 []fileEntry
	for i := range 1300 {
		at := T1.Add(time.Duration(i) * 700 * time.Microsecond)
		switch {
		case i%100 == 99:
			at = T1.Add(-200 * time.Millisecond) // back, into the second before
		case i >= 1250:
			at = T1.Add(time.Second + time.Duration(i)*time.Millisecond)
		}
		svc := "api"
		if i%9 == 0 {
			svc = "auth"
		}
		f1 = append(f1, entry(1, i, at, svc))
	}
	for j := range 700 {
		at := T1.Add(time.Duration(j) * 1300 * time.Microsecond)
		if j%10 == 0 {
			at = T1.Add(time.Duration(j) * 700 * time.Microsecond) // as file 1's entry j
		}
		f2 = append(f2, entry(2, j, at, "db"))
	}
	batches = [][]fileEntry{f1[:1000], f2[:300], f1[1000:], f2[300:]}
	return append(slices.Clone(f1), f2...), batches
}

// WriteCrowdedCorpus writes the crowded corpus to st, a batch at a time.
func WriteCrowdedCorpus(t testing.TB, st store.Writer) {
	t.Helper()
	_, batches := crowdedCorpus()
	for _, b := range batches {
		es := make([]store.Entry, len(b))
		for i := range b {
			es[i] = b[i].e
		}
		f := b[0].file
		cp := store.Checkpoint{FileID: f, Path: fmt.Sprintf("f%d.log", f), Offset: es[len(es)-1].Offset + 1, Created: T1}
		if err := st.Write(context.Background(), es, cp); err != nil {
			t.Fatal(err)
		}
	}
}

// SearchCrowded checks store.Searcher on st, which must be empty, with
// the crowded corpus: many entries of several files and writes in one
// second, read in pages that end inside a second and inside a write.
func SearchCrowded(t *testing.T, st SearchStore) {
	WriteCrowdedCorpus(t, st)
	corpus, _ := crowdedCorpus()
	errUp, _ := store.ExpandLevel("error+")
	tests := []searchTest{
		{"everything", store.SearchQuery{}, 2000},
		{"level", store.SearchQuery{Levels: []string{"info"}}, 1439},
		{"unranked level", store.SearchQuery{Levels: []string{"slow"}}, 119},
		{"a service a few lines of a file have", store.SearchQuery{Services: []string{"auth"}}, 145},
		{"service and level", store.SearchQuery{Services: []string{"db"}, Levels: errUp}, 100},
		{"window inside the second", store.SearchQuery{From: T1.Add(300 * time.Millisecond), To: T1.Add(600 * time.Millisecond)}, 660},
		{"traced", store.SearchQuery{Traced: true}, 1600},
		{"text", store.SearchQuery{Text: "needle", Levels: []string{"error", "info"}}, 35},
	}
	runQueries(t, st, corpus, tests, []pageRun{{0, false}, {97, false}, {97, true}, {1000, true}})
}
