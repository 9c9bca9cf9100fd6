package ingest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/traceline/traceline/correlate/internal/loggen"
)

// BenchmarkIndex indexes 200k generated entries end to end (parse, store)
// per iteration.
func BenchmarkIndex(b *testing.B) {
	dir := b.TempDir()
	truth, err := loggen.Generate(loggen.Config{Dir: filepath.Join(dir, "logs"), Entries: 200000, Seed: 1, Stacks: true})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(truth.Bytes)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := openStore(b, filepath.Join(dir, "data", string(rune('a'+i%26))+filepathSafe(i)))
		cfg := DefaultConfig()
		cfg.Paths = []string{filepath.Join(dir, "logs")}
		if _, err := Index(context.Background(), st, cfg); err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
	b.ReportMetric(float64(truth.Lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

func filepathSafe(i int) string { return string(rune('0' + i%10)) }
