//go:build unix

package app

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/internal/jaegertest"
	"github.com/traceline/traceline/correlate/internal/jointest"
	"github.com/traceline/traceline/correlate/join"
	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/view"
)

// TestTraceLatency measures the reference load: a 1,000-span trace
// in the real Jaeger and its 10,000 log lines in an index. It reports p50
// and p99 of the `correlate trace` process (wall time, text and JSON) and of
// the join alone and join + render in process. It runs only when
// CORRELATE_BENCH=1 (make bench); CORRELATE_BENCH_RUNS sets the runs
// (default 30).
func TestTraceLatency(t *testing.T) {
	if os.Getenv("CORRELATE_BENCH") == "" {
		t.Skip("set CORRELATE_BENCH=1 (make bench) to measure")
	}
	runs := 30
	if n, err := strconv.Atoi(os.Getenv("CORRELATE_BENCH_RUNS")); err == nil && n > 0 {
		runs = n
	}
	tr, recs := jointest.Synthetic(1000, 10000, 1)

	// In process: the join, and the join with each view.
	now := func() time.Time { return jointest.Start.Add(time.Hour) }
	inProc := []struct {
		name string
		fn   func()
	}{
		{"join", func() { join.Join(tr, recs, join.WithNow(now)) }},
		{"join+text", func() { view.Text(io.Discard, join.Join(tr, recs, join.WithNow(now)), view.TextOptions{}) }},
		{"join+json", func() { view.JSON(io.Discard, join.Join(tr, recs, join.WithNow(now))) }},
	}
	var report strings.Builder
	fmt.Fprintf(&report, "1,000 spans, 10,000 lines, %d runs each\n", runs*4)
	for _, p := range inProc {
		p.fn() // warm
		report.WriteString(latencies(p.name+" (in process)", runs*4, p.fn))
	}

	fmt.Print(report.String()) // before Jaeger, which may be missing (skip)
	t.Log("\n" + report.String())
	report.Reset()

	// The command against the real Jaeger.
	j := jaegertest.Start(t)
	resp, err := http.Post("http://"+j.OTLPHTTPEndpoint+"/v1/traces", "application/json", bytes.NewReader(otlpJSON(tr)))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("OTLP post: %s: %s", resp.Status, body)
	}
	j.WaitForTrace(t, tr.TraceID, len(tr.Spans))
	data := buildIndex(t, logFiles(recs))
	bin := filepath.Join(t.TempDir(), "correlate")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, format := range []string{"text", "json"} {
		var failed error
		report.WriteString(latencies("correlate trace --format "+format+" (process, Jaeger)", runs, func() {
			cmd := exec.Command(bin, "trace", "--data", data, "--jaeger", j.QueryURL, tr.TraceID, "--format", format)
			var stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = io.Discard, &stderr
			if err := cmd.Run(); err != nil && failed == nil {
				failed = fmt.Errorf("%v: %s", err, stderr.String())
			}
		}))
		if failed != nil {
			t.Fatal(failed)
		}
	}
	t.Log("\n" + report.String())
	fmt.Print(report.String())
}

// latencies runs fn n times and formats p50, p99 and max of the wall time,
// and the p50 of the CPU time (user+system of this process and of the
// children fn waited for): on a loaded machine wall time includes waiting
// for a core, CPU time does not.
func latencies(name string, n int, fn func()) string {
	d := make([]time.Duration, n)
	c := make([]time.Duration, n)
	for i := range d {
		c0 := cpuTime()
		start := time.Now()
		fn()
		d[i] = time.Since(start)
		c[i] = cpuTime() - c0
	}
	slices.Sort(d)
	slices.Sort(c)
	q := func(d []time.Duration, p float64) time.Duration {
		return d[min(int(p*float64(n)), n-1)].Round(10 * time.Microsecond)
	}
	return fmt.Sprintf("  %-48s wall p50 %8s  p99 %8s  max %8s   cpu p50 %8s\n", name,
		q(d, 0.50), q(d, 0.99), d[n-1].Round(10*time.Microsecond), q(c, 0.50))
}

// cpuTime is the user+system time of this process and its waited-for
// children so far.
func cpuTime() time.Duration {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	tv := func(t syscall.Timeval) time.Duration { return time.Duration(t.Nano()) }
	return tv(self.Utime) + tv(self.Stime) + tv(kids.Utime) + tv(kids.Stime)
}

// logFiles writes records as OTel-profile JSON lines, one file per service.
func logFiles(recs []parse.Record) map[string][]string {
	files := map[string][]string{}
	for i := range recs {
		r := &recs[i]
		s := fmt.Sprintf(`{"time":%q,"level":%q,"msg":%q,"service.name":%q,"trace_id":%q`,
			r.Time.UTC().Format("2006-01-02T15:04:05.000000Z07:00"), r.Level, r.Msg, r.Service, r.TraceID)
		if r.SpanID != "" {
			s += fmt.Sprintf(`,"span_id":%q`, r.SpanID)
		}
		s += fmt.Sprintf(`,"trace_flags":%q}`, r.TraceFlags)
		files[r.Service+".log"] = append(files[r.Service+".log"], s)
	}
	return files
}
