package pebblestore

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/internal/loggen"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// BenchmarkWrite stores 200k generated entries per iteration (parsed
// beforehand: only the store's work is timed), with and without the
// search index, through Write and through a bulk load as `correlate
// index` does:
//
//	go test -run '^$' -bench Write -benchtime 5x -count 3 ./store/pebblestore
func BenchmarkWrite(b *testing.B) {
	dir := b.TempDir()
	logs := filepath.Join(dir, "logs")
	truth, err := loggen.Generate(loggen.Config{Dir: logs, Entries: 200000, Seed: 1, Stacks: true})
	if err != nil {
		b.Fatal(err)
	}
	var files [][]store.Entry
	for _, path := range truth.Files {
		files = append(files, readEntries(b, path))
	}
	for _, bulk := range []bool{false, true} {
		for _, noIndex := range []bool{true, false} {
			name := "write"
			if bulk {
				name = "bulk"
			}
			if noIndex {
				name += "/no search index"
			} else {
				name += "/search index"
			}
			b.Run(name, func(b *testing.B) {
				b.SetBytes(truth.Bytes)
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					st, err := Open(filepath.Join(dir, "data", name, string(rune('a'+i))), Options{BulkLoad: bulk, DisableWAL: bulk, NoSearchIndex: noIndex})
					if err != nil {
						b.Fatal(err)
					}
					for fi, es := range files {
						for lo := 0; lo < len(es); lo += 4096 {
							hi := min(lo+4096, len(es))
							cp := store.Checkpoint{FileID: uint64(fi + 1), Path: truth.Files[fi], Offset: es[hi-1].Offset + 1}
							if err := st.Write(context.Background(), es[lo:hi], cp); err != nil {
								b.Fatal(err)
							}
						}
					}
					if err := st.Compact(context.Background()); err != nil {
						b.Fatal(err)
					}
					st.Close()
				}
				b.ReportMetric(float64(truth.Entries)*float64(b.N)/b.Elapsed().Seconds(), "entries/s")
			})
		}
	}
}

// readEntries parses a generated file into entries as ingest would.
func readEntries(b *testing.B, path string) []store.Entry {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	a := parse.NewAssembler(path, parse.Config{})
	var recs []parse.Record
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var off, n int64
	for sc.Scan() {
		n++
		recs = a.Add(recs, sc.Bytes(), off, n)
		off += int64(len(sc.Bytes())) + 1
	}
	recs = a.Flush(recs)
	es := make([]store.Entry, len(recs))
	var last store.Entry
	for i, r := range recs {
		es[i] = store.Entry{Record: r, At: r.Time}
		if r.Time.IsZero() {
			es[i].At = last.At
		}
		last = es[i]
	}
	return es
}

// BenchmarkWritePushed stores batches as `correlate serve` stores a push
// of 500 JSON lines (WriteSync, write-ahead log on, distinct traces, one
// second, offsets that are content hashes), with and without the search
// index, and reports the process's CPU time (user+sys, Pebble's flushes
// and compactions included) per entry:
//
//	go test -run '^$' -bench WritePushed -benchtime 400x -count 4 ./store/pebblestore
func BenchmarkWritePushed(b *testing.B) {
	const batch = 500
	mk := func(n int) []store.Entry {
		es := make([]store.Entry, batch)
		for i := range es {
			at := time.Date(2026, 11, 24, 13, 0, 0, i*1000, time.UTC)
			tid := fmt.Sprintf("%032x", n*batch+i+1)
			raw := fmt.Sprintf(`{"time":%q,"level":"info","msg":"background %d","trace_id":%q}`, at.Format(time.RFC3339Nano), n, tid)
			var rec parse.Record
			parse.ParseLine([]byte(raw), &rec, nil)
			rec.File = "push:load"
			rec.Offset = int64(uint64(n*batch+i+1) * 0x9e3779b97f4a7c15 >> 1)
			es[i] = store.Entry{Record: rec, At: at}
		}
		return es
	}
	for _, noIndex := range []bool{true, false} {
		name := "search index"
		if noIndex {
			name = "no search index"
		}
		b.Run(name, func(b *testing.B) {
			batches := make([][]store.Entry, b.N)
			for i := range batches {
				batches[i] = mk(i)
			}
			st, err := Open(b.TempDir(), Options{NoSearchIndex: noIndex})
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			cpu0 := cpuTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := st.WriteSync(context.Background(), batches[i], store.Checkpoint{FileID: 9, Path: "push:load"}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N*batch), "cpu-ns/entry")
			m := st.db.Metrics()
			b.ReportMetric(float64(m.WAL.BytesWritten)/float64(b.N*batch), "wal-B/entry")
			b.ReportMetric(float64(m.Levels[0].TableBytesFlushed)/float64(b.N*batch), "flush-B/entry")
			var comp uint64
			for _, l := range m.Levels {
				comp += l.TableBytesCompacted
			}
			b.ReportMetric(float64(comp)/float64(b.N*batch), "compact-B/entry")
			b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "entries/s")
		})
	}
}

// cpuTime is the process's CPU time so far (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
