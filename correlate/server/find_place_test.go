package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestFindPlacesPastedLine: find says where the index holds a pasted line
// (the trace page highlights it), by span and time, the message breaking
// ties; a line the index lacks gets no place.
func TestFindPlacesPastedLine(t *testing.T) {
	_, _, base := startServer(t, nil)
	const id, span = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	lines := []string{
		`{"time":"2026-11-24T12:00:00.100Z","level":"info","msg":"form received","trace_id":"` + id + `","span_id":"` + span + `"}`,
		`{"time":"2026-11-24T12:00:01Z","level":"info","msg":"validating","trace_id":"` + id + `","span_id":"` + span + `"}`,
		`{"time":"2026-11-24T12:00:01Z","level":"error","msg":"answer 7 out of range","trace_id":"` + id + `","span_id":"` + span + `"}`,
	}
	postOK(t, base+"/api/v1/ingest?source=forms", "application/x-ndjson", []byte(strings.Join(lines, "\n")+"\n"))
	tests := []struct {
		name, pasted string
		file         string
		line         int64
	}{
		{"exact line", lines[2], "push:forms", 3},
		{"same time, the message decides", lines[1], "push:forms", 2},
		{"same time and span, message changed (redacted at ingest): the level decides", strings.Replace(lines[2], "answer 7", "answer ?", 1), "push:forms", 3},
		{"time the index lacks", strings.Replace(lines[0], "00.100Z", "00.200Z", 1), "", 0},
		{"bare trace id", id, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]string{"line": tt.pasted})
			resp, err := http.Post(base+"/api/v1/find", "application/json", strings.NewReader(string(body)))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got findResponse
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != 200 {
				t.Fatalf("status %d, %v", resp.StatusCode, err)
			}
			if got.TraceID != id || got.File != tt.file || got.Line != tt.line {
				t.Errorf("find placed the line at %s:%d (trace %s), want %s:%d", got.File, got.Line, got.TraceID, tt.file, tt.line)
			}
		})
	}
}
