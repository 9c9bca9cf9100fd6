package ingest

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

func TestMain(m *testing.M) {
	if spec := os.Getenv(killChildEnv); spec != "" {
		runKillChild(spec) // never returns
	}
	goleak.VerifyTestMain(m)
}

func plusOne(seq int) int64 { return int64(seq) + 1 }

func TestIndexResumes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	log := filepath.Join(dir, "logs", "a.log")
	os.MkdirAll(filepath.Dir(log), 0o755)
	appendLines(t, log, 0, 100)
	// a partial last line waits for its newline
	f, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0o644)
	partial := seqLine(100)
	f.WriteString(partial[:20])
	f.Close()

	st := openStore(t, filepath.Join(dir, "data"))
	defer st.Close()
	tests := []struct {
		name    string
		prepare func()
		to      int
		partial int
	}{
		{"first run", func() {}, 100, 1},
		{"again, nothing new", func() {}, 100, 1},
		{"line completed and more", func() {
			f, _ := os.OpenFile(log, os.O_APPEND|os.O_WRONLY, 0o644)
			f.WriteString(partial[20:] + "\n")
			f.Close()
			appendLines(t, log, 101, 250)
		}, 250, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.prepare()
			stats, err := Index(ctx, st, testConfig(filepath.Join(dir, "logs")))
			if err != nil {
				t.Fatal(err)
			}
			if stats.Partial != tt.partial {
				t.Errorf("Partial = %d, want %d", stats.Partial, tt.partial)
			}
			checkSeq(t, collect(t, st), 0, tt.to, plusOne)
		})
	}
}

func TestIndexGzipAfterRotation(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	os.MkdirAll(logs, 0o755)
	log := filepath.Join(logs, "a.log")
	appendLines(t, log, 0, 60)
	st := openStore(t, filepath.Join(dir, "data"))
	defer st.Close()
	if _, err := Index(ctx, st, testConfig(logs)); err != nil {
		t.Fatal(err)
	}
	// more lines, then rotate and compress; a new a.log starts
	appendLines(t, log, 60, 120)
	gzipFile(t, log, log+".1.gz")
	os.Remove(log)
	appendLines(t, log, 1000, 1010)
	if _, err := Index(ctx, st, testConfig(filepath.Join(logs, "*"))); err != nil {
		t.Fatal(err)
	}
	got := collect(t, st)
	for i := 1000; i < 1010; i++ {
		if len(got[i]) != 1 || got[i][0].line != int64(i-999) {
			t.Errorf("new file seq %d: %v", i, got[i])
		}
		delete(got, i)
	}
	checkSeq(t, got, 0, 120, plusOne)
	// the gz was read from the checkpoint on: its lines carry its name
	if s := got[100][0].file; !strings.HasSuffix(s, "a.log.1.gz") {
		t.Errorf("seq 100 read from %s, want a.log.1.gz", s)
	}
	// a third run reads nothing: the gz is done
	stats, err := Index(ctx, st, testConfig(logs))
	if err != nil || stats.Entries != 0 {
		t.Errorf("third run: %d entries, %v", stats.Entries, err)
	}
	// deleted sources are still looked up
	os.RemoveAll(logs)
	ids, _ := store.ParseTraceID("00000000000000000000000000000003")
	recs, err := st.Logs(ctx, ids...)
	if err != nil || len(recs) != 8 {
		t.Errorf("trace 3 after deletion: %d records, %v", len(recs), err)
	}
}

func gzipFile(t testing.TB, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	zw := gzip.NewWriter(out)
	io.Copy(zw, in)
	zw.Close()
	out.Close()
}

func TestLongLinesAndBadUTF8(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	log := filepath.Join(dir, "a.log")
	long := `{"msg":"long","trace_id":"0af7651916cd43dd8448eb211c80319c","pad":"` + strings.Repeat("x", 5000) + `"}`
	bad := "{\"msg\":\"bad \xff\xfe utf8\",\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\"}"
	os.WriteFile(log, []byte(long+"\n"+bad+"\n"+seqLine(1)+"\n"), 0o644)
	st := openStore(t, filepath.Join(dir, "data"))
	defer st.Close()
	cfg := testConfig(log)
	cfg.Parse.MaxLineBytes = 1000
	if _, err := Index(ctx, st, cfg); err != nil {
		t.Fatal(err)
	}
	ids, _ := store.ParseTraceID("0af7651916cd43dd8448eb211c80319c")
	recs, err := st.Logs(ctx, ids...)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) == 0 || recs[len(recs)-1].Line != 2 {
		t.Errorf("trace lookup: %d records", len(recs))
	}
	got := map[int64]parse.Record{}
	st.Range(ctx, base.AddDate(-100, 0, 0), base.AddDate(100, 0, 0), func(e *store.Entry) bool {
		got[e.Line] = e.Record
		return true
	})
	if r := got[1]; r.Problems&parse.ProblemTooLong == 0 || len(r.Raw) > 1000 {
		t.Errorf("line 1: problems %v, raw %d bytes; want too_long, ≤1000", r.Problems, len(r.Raw))
	}
	if r := got[2]; !strings.Contains(r.Raw, "\xff\xfe") {
		t.Errorf("line 2 raw %q lost its invalid bytes", r.Raw)
	}
	if r := got[3]; r.Msg != "seq 1" {
		t.Errorf("line 3 = %q", r.Msg)
	}
}

// TestIndexWorkers reads a folder with several workers: four logs, a
// compressed copy of one of them (the same lines under another name,
// which must go to the same worker and be read once), and a file too
// short to be grouped. Every line is indexed once, and the summed stats
// and progress agree with one worker's.
func TestIndexWorkers(t *testing.T) {
	logs := t.TempDir()
	for i, name := range []string{"a.log", "b.log", "c.log", "d.log"} {
		appendLines(t, filepath.Join(logs, name), 1000*i, 1000*i+400)
	}
	gzipFile(t, filepath.Join(logs, "a.log"), filepath.Join(logs, "a.log.1.gz"))
	short := filepath.Join(logs, "e.log")
	if err := os.WriteFile(short, []byte(`{"msg":"seq 5000"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var want Stats
	for _, workers := range []int{1, 2, 3} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			st := openStore(t, filepath.Join(t.TempDir(), "data"))
			defer st.Close()
			cfg := testConfig(logs)
			cfg.Workers = workers
			var last Stats
			cfg.Progress = func(s Stats) { last = s }
			stats, err := Index(context.Background(), st, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got := collect(t, st)
			if len(got[5000]) != 1 {
				t.Errorf("the short file's line: %v", got[5000])
			}
			delete(got, 5000)
			for i := range 4 {
				for seq := 1000 * i; seq < 1000*i+400; seq++ {
					if len(got[seq]) != 1 {
						t.Fatalf("seq %d indexed %d times", seq, len(got[seq]))
					}
				}
			}
			if stats.Entries != 1601 || stats.Files != 5 || last.Lines != stats.Lines {
				t.Errorf("stats %+v, last progress %+v", stats, last)
			}
			if workers == 1 {
				want = stats
			} else if stats.Lines != want.Lines || stats.Traced != want.Traced || stats.BytesTotal != want.BytesTotal {
				t.Errorf("%d workers: %+v, one worker: %+v", workers, stats, want)
			}
		})
	}
}
