package quicklogs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/traceline/traceline/correlate/ingest"
	"github.com/traceline/traceline/correlate/internal/loggen"
	"github.com/traceline/traceline/correlate/internal/sstread"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
)

// corpus writes a generated corpus of n entries into a new folder.
func corpus(t *testing.T, n int, seed uint64, start time.Time) (string, *loggen.Truth) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "logs")
	tr, err := loggen.Generate(loggen.Config{Dir: dir, Entries: n, Seed: seed, Stacks: true, Start: start,
		Step: 40 * time.Second / time.Duration(n)})
	if err != nil {
		t.Fatal(err)
	}
	return dir, tr
}

func index(t *testing.T, data string, o pebblestore.Options, logs ...string) {
	t.Helper()
	st, err := pebblestore.Open(data, o)
	if err != nil {
		t.Fatal(err)
	}
	cfg := ingest.DefaultConfig()
	cfg.Paths, cfg.Host = logs, "test"
	if _, err := ingest.Index(context.Background(), st, cfg); err != nil {
		st.Close()
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// engineLogs is what `correlate-engine logs` prints, as lines.
func engineLogs(t *testing.T, data string, ids []store.TraceID) ([]byte, error) {
	t.Helper()
	st, err := pebblestore.Open(data, pebblestore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	recs, err := st.Logs(context.Background(), ids...)
	return render(recs), err
}

func render(recs []parse.Record) []byte {
	var b []byte
	for i := range recs {
		b = recs[i].AppendJSONRaw(b)
		b = append(b, '\n')
	}
	return b
}

// lookupIDs are the ids to compare: every generated trace id in its
// 128-bit form, the low 64 bits of some, and ids the store lacks.
func lookupIDs(tr *loggen.Truth, rng *rand.Rand, n int) []string {
	var ids []string
	for range n {
		id := tr.TraceIDs[rng.IntN(len(tr.TraceIDs))]
		ids = append(ids, id)
		if rng.IntN(4) == 0 {
			ids = append(ids, id[16:])
		}
	}
	ids = append(ids, "00000000000000000000000000000001", "4bf92f3577b34da6a3ce929d0e0e4736", "1234")
	return ids
}

// compare checks that Logs and the engine agree on every id, and returns
// how many Logs answered itself.
func compare(t *testing.T, data string, ids []string) (answered int) {
	t.Helper()
	for _, s := range ids {
		id, err := store.ParseTraceID(s)
		if err != nil {
			t.Fatal(err)
		}
		want, werr := engineLogs(t, data, id)
		recs, err := Logs(data, id)
		switch {
		case err == nil:
			answered++
			if werr != nil {
				t.Fatalf("%s: engine: %v; quicklogs found %d records", s, werr, len(recs))
			}
			if got := render(recs); !bytes.Equal(got, want) {
				t.Fatalf("%s: quicklogs and the engine differ\nquicklogs:\n%s\nengine:\n%s", s, got, want)
			}
			for _, limit := range []int{1, 3} {
				if got := render(pagedLogs(t, data, id, limit)); !bytes.Equal(got, want) {
					t.Fatalf("%s: pages of %d and the engine differ\npages:\n%s\nengine:\n%s", s, limit, got, want)
				}
			}
		case errors.Is(err, ErrFallback):
			if werr == nil && !errors.Is(err, ErrFallback) {
				t.Fatalf("%s: %v", s, err)
			}
		default:
			t.Fatalf("%s: an error that does not send the lookup to the engine: %v", s, err)
		}
	}
	return answered
}

// pagedLogs reads every page of LogsPage.
func pagedLogs(t *testing.T, data string, ids []store.TraceID, limit int) []parse.Record {
	t.Helper()
	var recs []parse.Record
	var after store.Cursor
	for {
		pg, err := LogsPage(data, ids, after, limit)
		if err != nil {
			t.Fatalf("page after %q: %v", after, err)
		}
		if len(pg.Records) > limit {
			t.Fatalf("a page of %d, limit %d", len(pg.Records), limit)
		}
		recs = append(recs, pg.Records...)
		if !pg.More {
			return recs
		}
		after = pg.Next
	}
}

var t0 = time.Date(2026, 3, 1, 23, 59, 40, 0, time.UTC) // the corpus spans midnight: two buckets

func TestSameAsEngineAfterBulkLoad(t *testing.T) {
	logs, tr := corpus(t, 20000, 1, t0)
	data := filepath.Join(t.TempDir(), "idx")
	// small runs and parts: many tables, traces split across buckets
	index(t, data, pebblestore.Options{BulkLoad: true, DisableWAL: true, BulkRunBytes: 256 << 10, BulkEpochBytes: 1 << 20}, logs)
	ids := lookupIDs(tr, rand.New(rand.NewPCG(1, 2)), 300)
	n := compare(t, data, ids)
	if found := len(ids) - 3; n < found {
		t.Fatalf("quicklogs answered %d of %d lookups of indexed traces itself; want all", n, found)
	}
}

func TestSameAsEngineAfterFollowWrites(t *testing.T) {
	// Written the way `serve` writes: through the write-ahead log and the
	// memtable, flushed into level 0 and compacted down, over two sessions.
	logsA, trA := corpus(t, 6000, 2, t0)
	logsB, trB := corpus(t, 6000, 3, t0.Add(time.Hour))
	data := filepath.Join(t.TempDir(), "idx")
	o := pebblestore.Options{MemTableBytes: 256 << 10}
	index(t, data, o, logsA)
	index(t, data, o, logsB)
	rng := rand.New(rand.NewPCG(3, 4))
	ids := append(lookupIDs(trA, rng, 100), lookupIDs(trB, rng, 100)...)
	if n := compare(t, data, ids); n < len(ids)-6 {
		t.Fatalf("quicklogs answered %d of %d lookups itself", n, len(ids)-6)
	}
	list := readList(t, data)
	levels := map[int]int{}
	for _, tb := range list.Tables {
		levels[tb.Level]++
	}
	t.Logf("tables by level: %v", levels)
}

// A key written again (an entry re-read after a crash, say) lives in two
// tables until a compaction merges them: the newer one must win.
func TestNewestVersionWins(t *testing.T) {
	data := filepath.Join(t.TempDir(), "idx")
	at := t0
	entry := func(msg string) store.Entry {
		raw := `{"level":"info","msg":"` + msg + `","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}`
		return store.Entry{At: at, Record: parse.Record{File: "a.log", Line: 1, Offset: 0, Time: at, TimePrecision: time.Millisecond,
			Level: "info", Msg: msg, TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", Raw: raw, Lines: 1}}
	}
	cp := store.Checkpoint{FileID: 7, Fingerprint: 7, FingerprintLen: 10, Path: "a.log", Offset: 10, Line: 1}
	for i, msg := range []string{"first", "second", "third"} {
		st, err := pebblestore.Open(data, pebblestore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Write(context.Background(), []store.Entry{entry(msg)}, cp); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil { // each a level-0 table of its own
			t.Fatal(err)
		}
		list := readList(t, data)
		if len(list.Tables) < 2+i && i > 0 {
			t.Logf("tables after write %d: %d", i+1, len(list.Tables))
		}
	}
	ids, _ := store.ParseTraceID("4bf92f3577b34da6a3ce929d0e0e4736")
	recs, err := Logs(data, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Msg != "third" {
		t.Fatalf("got %d records, first %q; want the one written last", len(recs), recs[0].Msg)
	}
	compare(t, data, []string{"4bf92f3577b34da6a3ce929d0e0e4736"})
}

func readList(t *testing.T, data string) *storefmt.TableList {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, storefmt.TablesFile))
	if err != nil {
		t.Fatal(err)
	}
	l, err := storefmt.ParseTableList(b)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// What the engine must answer: each case must fall back, never answer
// differently.
func TestFallsBack(t *testing.T) {
	logs, tr := corpus(t, 3000, 4, t0)
	id := tr.TraceIDs[0]
	ids, _ := store.ParseTraceID(id)
	bulk := pebblestore.Options{BulkLoad: true, DisableWAL: true}
	newStore := func(t *testing.T) string {
		data := filepath.Join(t.TempDir(), "idx")
		index(t, data, bulk, logs)
		if _, err := Logs(data, ids); err != nil {
			t.Fatalf("before: %v", err)
		}
		return data
	}
	expectFallback := func(t *testing.T, data, why string) {
		t.Helper()
		_, err := Logs(data, ids)
		if !errors.Is(err, ErrFallback) {
			t.Fatalf("Logs: %v; want a fallback (%s)", err, why)
		}
		compare(t, data, []string{id, id[16:]})
	}
	t.Run("no list", func(t *testing.T) {
		data := newStore(t)
		os.Remove(filepath.Join(data, storefmt.TablesFile))
		expectFallback(t, data, "no list")
	})
	t.Run("list cut short", func(t *testing.T) {
		data := newStore(t)
		p := filepath.Join(data, storefmt.TablesFile)
		b, _ := os.ReadFile(p)
		os.WriteFile(p, b[:len(b)-4], 0o644)
		expectFallback(t, data, "cut list")
	})
	t.Run("a writer holds the store", func(t *testing.T) {
		data := newStore(t)
		st, err := pebblestore.Open(data, pebblestore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, err := Logs(data, ids); !errors.Is(err, ErrFallback) {
			t.Fatalf("Logs while a writer holds the store: %v", err)
		}
	})
	t.Run("stale list: written to after", func(t *testing.T) {
		data := newStore(t)
		list, _ := os.ReadFile(filepath.Join(data, storefmt.TablesFile))
		index(t, data, pebblestore.Options{}, logs) // a writer that re-reads nothing, but opens and closes
		os.WriteFile(filepath.Join(data, storefmt.TablesFile), list, 0o644)
		expectFallback(t, data, "stale list")
	})
	t.Run("range deletions", func(t *testing.T) {
		data := newStore(t)
		st, err := pebblestore.Open(data, pebblestore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// Expire everything older than the corpus's last day: a range
		// deletion over the first bucket.
		age := time.Since(t0.Add(time.Minute))
		if _, err := st.Expire(context.Background(), age); err != nil {
			t.Fatal(err)
		}
		st.Close()
		compare(t, data, []string{id, id[16:], tr.TraceIDs[len(tr.TraceIDs)-1]})
	})
	t.Run("columnar tables", func(t *testing.T) {
		// A store made at Pebble's newest format (by an earlier release).
		data := filepath.Join(t.TempDir(), "idx")
		db, err := pebble.Open(data, &pebble.Options{FormatMajorVersion: pebble.FormatNewest})
		if err != nil {
			t.Fatal(err)
		}
		db.Close()
		index(t, data, bulk, logs)
		_, err = Logs(data, ids)
		if !errors.Is(err, ErrFallback) || !errors.Is(err, sstread.ErrUnsupported) {
			t.Fatalf("Logs on columnar tables: %v; want a fallback for an unsupported table", err)
		}
		compare(t, data, []string{id})
	})
	t.Run("damaged table", func(t *testing.T) {
		data := newStore(t)
		for _, tb := range readList(t, data).Tables {
			p := filepath.Join(data, tb.File)
			b, _ := os.ReadFile(p)
			for i := 100; i < len(b)-200; i += 1000 {
				b[i] ^= 0x55
			}
			os.WriteFile(p, b, 0o644)
		}
		_, err := Logs(data, ids)
		if !errors.Is(err, ErrFallback) {
			t.Fatalf("Logs on damaged tables: %v", err)
		}
	})
	t.Run("not found", func(t *testing.T) {
		data := newStore(t)
		missing, _ := store.ParseTraceID("00000000000000000000000000000001")
		if _, err := Logs(data, missing); !errors.Is(err, ErrFallback) || !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("Logs of a missing trace: %v; want a fallback (the engine says why)", err)
		}
	})
}

func ExampleLogs() {
	_, err := Logs("/nonexistent", nil)
	fmt.Println(errors.Is(err, ErrFallback))
	// Output: true
}

// Lookups while writers come and go (as `correlate index` runs do): each
// lookup either falls back or answers with the entries of a state the
// store was in — never a mix, never an error of its own. Writer sessions
// add entries to one trace; an answer's count must be one a session left,
// and never fewer than an earlier answer's.
func TestLookupsWhileWritersComeAndGo(t *testing.T) {
	data := filepath.Join(t.TempDir(), "idx")
	const trace = "4bf92f3577b34da6a3ce929d0e0e4736"
	ids, _ := store.ParseTraceID(trace)
	const sessions, perSession = 12, 50
	done := make(chan error, 1)
	go func() {
		defer close(done)
		for s := range sessions {
			st, err := pebblestore.Open(data, pebblestore.Options{MemTableBytes: 64 << 10})
			if err != nil {
				done <- err
				return
			}
			var batch []store.Entry
			for i := range perSession {
				n := int64(s*perSession + i)
				at := t0.Add(time.Duration(n) * time.Millisecond)
				raw := fmt.Sprintf(`{"level":"info","msg":"entry %d","trace_id":"%s"}`, n, trace)
				batch = append(batch, store.Entry{At: at, Record: parse.Record{File: "a.log", Line: n + 1, Offset: n * 100, Time: at,
					TimePrecision: time.Millisecond, Level: "info", Msg: fmt.Sprintf("entry %d", n), TraceID: trace, Raw: raw, Lines: 1}})
			}
			cp := store.Checkpoint{FileID: 1, Fingerprint: 1, FingerprintLen: 16, Path: "a.log", Offset: int64(s+1) * perSession * 100, Line: int64(s+1) * perSession}
			if err := st.Write(context.Background(), batch, cp); err != nil {
				st.Close()
				done <- err
				return
			}
			if err := st.Close(); err != nil {
				done <- err
				return
			}
			time.Sleep(10 * time.Millisecond) // lookups between writers too
		}
	}()
	answered, last := 0, 0
	for running := true; running; {
		select {
		case err, ok := <-done:
			if err != nil {
				t.Fatal(err)
			}
			running = ok
		default:
		}
		recs, err := Logs(data, ids)
		if err != nil {
			if !errors.Is(err, ErrFallback) {
				t.Fatal(err)
			}
			continue
		}
		answered++
		if len(recs)%perSession != 0 || len(recs) < last {
			t.Fatalf("an answer of %d entries after one of %d: not a state a writer left", len(recs), last)
		}
		for i, r := range recs {
			if want := fmt.Sprintf("entry %d", i); r.Msg != want {
				t.Fatalf("entry %d is %q", i, r.Msg)
			}
		}
		last = len(recs)
	}
	if recs, err := Logs(data, ids); err != nil || len(recs) != sessions*perSession {
		t.Fatalf("after the last writer: %d entries, %v", len(recs), err)
	}
	t.Logf("%d lookups answered while writers ran", answered)
}
