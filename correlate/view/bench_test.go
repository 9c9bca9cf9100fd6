package view_test

import (
	"io"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/internal/jointest"
	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/view"
)

// BenchmarkJoinRender joins a 1,000-span trace with 10,000 log lines and
// renders it (the goal: ≤ 100 ms).
func BenchmarkJoinRender(b *testing.B) {
	tr, recs := jointest.Synthetic(1000, 10000, 1)
	now := func() time.Time { return jointest.Start.Add(time.Hour) }
	renders := []struct {
		name   string
		render func(io.Writer, *join.Trace) error
	}{
		{"text", func(w io.Writer, j *join.Trace) error { return view.Text(w, j, view.TextOptions{}) }},
		{"json", view.JSON},
		{"merged", func(w io.Writer, j *join.Trace) error { return view.Merged(w, j, view.TextOptions{}) }},
	}
	for _, r := range renders {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := r.render(io.Discard, join.Join(tr, recs, join.WithNow(now))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
