package app

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestLogsOrdersCoarseTimes: `correlate logs` shows a worker's
// whole-second lines (zerolog's default) after the gateway line of the
// same second that caused them, in the worker file's order, marked
// "time_approx"; a go-zero access line without a service shows its file's.
func TestLogsOrdersCoarseTimes(t *testing.T) {
	const tid = "0af7651916cd43dd8448eb211c80319c"
	gw := []string{
		`{"@timestamp":"2026-03-01T12:00:01.250Z","level":"info","content":"calling worker","service":"gateway","trace":"` + tid + `"}`,
		`{"@timestamp":"2026-03-01T12:00:01.650Z","level":"info","content":"[HTTP] 200 - POST /forms","trace":"` + tid + `"}`,
	}
	wk := []string{
		`{"level":"info","service":"worker","trace_id":"` + tid + `","time":"2026-03-01T12:00:01Z","message":"job started"}`,
		`{"level":"info","service":"worker","trace_id":"` + tid + `","time":"2026-03-01T12:00:01Z","message":"job done"}`,
	}
	data := buildIndex(t, map[string][]string{"gateway.log": gw, "worker.log": wk})
	r := runCorrelate("", "logs", "--data", data, tid)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	type line struct {
		Msg, Service string
		Approx       bool `json:"time_approx"`
	}
	var got []line
	for _, s := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var l line
		if err := json.Unmarshal([]byte(s), &l); err != nil {
			t.Fatalf("%v: %s", err, s)
		}
		got = append(got, l)
	}
	want := []line{{"calling worker", "gateway", false}, {"job started", "worker", true}, {"job done", "worker", true}, {"[HTTP] 200 - POST /forms", "gateway", false}}
	if len(got) != len(want) {
		t.Fatalf("lines %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("lines %+v, want %+v", got, want)
			break
		}
	}
}

// TestPrecisionOf: the service's wire form drops trailing zeros; a
// millisecond time must not come back coarser than it was written.
func TestPrecisionOf(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want time.Duration
	}{
		{"2026-03-01T12:00:01Z", time.Second},
		{"2026-03-01T12:00:01.25Z", time.Millisecond},
		{"2026-03-01T12:00:01.123Z", time.Millisecond},
		{"2026-03-01T12:00:01.123456Z", time.Microsecond},
	} {
		if got := precisionOf(tt.in); got != tt.want {
			t.Errorf("precisionOf(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
