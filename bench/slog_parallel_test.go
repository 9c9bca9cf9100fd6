package bench

import (
	"io"
	"log/slog"
	"testing"

	"github.com/traceline/traceline/adapters/slogbridge"
)

// BenchmarkSlogParallel logs from GOMAXPROCS goroutines at once through one
// handler, a new span every 5 lines: NewJSONHandler formats a line under
// one of its splicers' locks and takes NewHandler's path when all are
// taken, so contention shows here and not in BenchmarkSlog.
func BenchmarkSlogParallel(b *testing.B) {
	for _, v := range []struct {
		name string
		h    slog.Handler
	}{
		{"bare", slog.NewJSONHandler(io.Discard, nil)},
		{"slogbridge.NewHandler", slogbridge.NewHandler(slog.NewJSONHandler(io.Discard, nil))},
		{"slogbridge.NewJSONHandler", slogbridge.NewJSONHandler(io.Discard, nil)},
	} {
		b.Run(v.name, func(b *testing.B) {
			l := slog.New(v.h)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					l.InfoContext(slogSpans[(i/5)%len(slogSpans)], "form stored", "form", "baseline", "items", 12)
					i++
				}
			})
		})
	}
}
