package parse

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime is the process's user+system CPU time. Benchmarks report it per
// op as cpu-ns/op besides wall ns/op: on a shared machine the wall figure
// includes waiting for a core, the CPU figure is the per-core cost.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration, n int) {
	if n > 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
	}
}

// Benchmarks report ns and allocations per line; lines/s is 1e9/ns-per-op.
// Run: go test -run XXX -bench . -benchmem ./parse

var benchJSON = [][]byte{
	[]byte(`{"level":"info","ts":1795522121.6388903,"caller":"handler/form.go:42","msg":"form stored","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","trace_flags":"01","form_id":"f-1234","duration_ms":12.5}`),
	[]byte(`{"level":"info","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","time":"2026-11-24T12:08:42Z","caller":"/src/app/main.go:42","message":"request handled","status":200}`),
	[]byte(`{"time":"2026-11-24T12:08:43.067503899Z","level":"INFO","msg":"form stored","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","user":"u-42"}`),
	[]byte(`{"@timestamp":"2026-11-24T12:08:44.115+08:00","caller":"logic/save.go:31","content":"saved answers","level":"info","span":"b7ad6b7169203331","trace":"0af7651916cd43dd8448eb211c80319c"}`),
	[]byte(`{"level":"debug","ts":1795522121.6393812,"caller":"cache/lru.go:88","msg":"cache miss","key":"patient:1234"}`),
}

var benchText = [][]byte{
	[]byte("2026-11-24T12:08:41.938Z\tINFO\thandler/form.go:42\tform stored\t{\"trace_id\": \"0af7651916cd43dd8448eb211c80319c\", \"span_id\": \"b7ad6b7169203331\"}"),
	[]byte(`time=2026-11-24T12:08:43.360Z level=INFO msg="form stored" trace_id=0af7651916cd43dd8448eb211c80319c span_id=b7ad6b7169203331 trace_flags=01`),
	[]byte("2026-11-24T12:08:44.436+08:00\t info \tsaved answers\ttrace=0af7651916cd43dd8448eb211c80319c\tspan=b7ad6b7169203331\tcaller=logic/save.go:31"),
	[]byte("\x1b[90m12:08PM\x1b[0m \x1b[32mINF\x1b[0m \x1b[1mform stored\x1b[0m \x1b[36mspan_id=\x1b[0mb7ad6b7169203331 \x1b[36mtrace_id=\x1b[0m0af7651916cd43dd8448eb211c80319c"),
	[]byte(`time="2026-11-24T12:08:43Z" level=info msg="cache miss" key=patient:1234`),
}

var benchCRI = [][]byte{
	[]byte(`2026-11-24T12:08:41.938123456Z stdout F {"level":"info","ts":1795522121.6388903,"caller":"handler/form.go:42","msg":"form stored","trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331"}`),
	[]byte(`2026-11-24T12:08:41.938123456Z stdout F {"level":"debug","ts":1795522121.6393812,"caller":"cache/lru.go:88","msg":"cache miss","key":"patient:1234"}`),
}

func avgLen(lines [][]byte) int64 {
	n := 0
	for _, l := range lines {
		n += len(l)
	}
	return int64(n / len(lines))
}

func benchParseLine(b *testing.B, lines [][]byte) {
	b.ReportAllocs()
	b.SetBytes(avgLen(lines))
	var r Record
	cfg := &Config{}
	start, n := cpuTime(), 0
	for i := 0; b.Loop(); i++ {
		ParseLine(lines[i%len(lines)], &r, cfg)
		n++
	}
	reportCPU(b, start, n)
}

func benchAssemble(b *testing.B, lines [][]byte) {
	b.ReportAllocs()
	b.SetBytes(avgLen(lines))
	a := NewAssembler("/var/log/app/app.log", Config{})
	recs := make([]Record, 0, 256)
	var off int64
	start, n := cpuTime(), 0
	for i := 0; b.Loop(); i++ {
		l := lines[i%len(lines)]
		recs = a.Add(recs[:0], l, off, int64(i+1))
		off += int64(len(l)) + 1
		n++
	}
	reportCPU(b, start, n)
}

// BenchmarkParseJSON is ParseLine over JSON lines of zap, zerolog, slog and
// go-zero, most with trace fields.
func BenchmarkParseJSON(b *testing.B) { benchParseLine(b, benchJSON) }

// BenchmarkParseText is ParseLine over zap console, slog text, logx plain,
// zerolog console (with colours) and logrus text lines.
func BenchmarkParseText(b *testing.B) { benchParseLine(b, benchText) }

// BenchmarkAssembleJSON is the file path: Assembler.Add per JSON line.
func BenchmarkAssembleJSON(b *testing.B) { benchAssemble(b, benchJSON) }

// BenchmarkAssembleText is Assembler.Add per text line.
func BenchmarkAssembleText(b *testing.B) { benchAssemble(b, benchText) }

// BenchmarkAssembleCRI is Assembler.Add per Kubernetes CRI line with a JSON payload.
func BenchmarkAssembleCRI(b *testing.B) { benchAssemble(b, benchCRI) }

// BenchmarkAppendJSON writes a parsed record as its JSONL object.
func BenchmarkAppendJSON(b *testing.B) {
	var r Record
	r.File = "/var/log/app/app.log"
	ParseLine(benchJSON[0], &r, nil)
	b.ReportAllocs()
	buf := make([]byte, 0, 1024)
	for b.Loop() {
		buf = r.AppendJSON(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}
