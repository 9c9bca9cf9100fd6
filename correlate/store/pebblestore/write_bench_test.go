package pebblestore

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"

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
