package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestPushJoinsPiecesAcrossPushes: the pieces of a CRI line pushed in
// separate pushes of one source make one entry; until the last piece
// comes they are held, not stored, and the answer says so.
func TestPushJoinsPiecesAcrossPushes(t *testing.T) {
	_, st, base := startServer(t, nil)
	const id = "0af7651916cd43dd8448eb211c80319c"
	line := `{"level":"info","msg":"form stored","trace_id":"` + id + `"}`
	tests := []struct {
		piece string
		held  int64
		want  int // entries of the trace after the push
	}{
		{"2026-11-24T12:00:00.1Z stdout P " + line[:20], 1, 0},
		{"2026-11-24T12:00:00.1Z stderr F another stream, untraced", 1, 0},
		{"2026-11-24T12:00:00.1Z stdout P " + line[20:40], 2, 0},
		{"2026-11-24T12:00:00.1Z stdout F " + line[40:], 0, 1},
	}
	for i, tt := range tests {
		ans := pushAnswer(t, base+"/api/v1/ingest?source=k8s", tt.piece, http.StatusOK)
		if ans["held"] != tt.held {
			t.Errorf("push %d: held %d, want %d", i, ans["held"], tt.held)
		}
		if n := traceLogs(t, st, id); n != tt.want {
			t.Errorf("push %d: %d entries of the trace, want %d", i, n, tt.want)
		}
	}
	// The same pieces from another source are not joined with these.
	pushAnswer(t, base+"/api/v1/ingest?source=other", "2026-11-24T12:00:00.1Z stdout P "+line[:20], http.StatusOK)
	pushAnswer(t, base+"/api/v1/ingest?source=k8s", "2026-11-24T12:00:00.1Z stdout F "+line[20:], http.StatusOK)
	if n := traceLogs(t, st, id); n != 1 {
		t.Errorf("a last piece without its first made %d entries of the trace, want 1", n)
	}
}

// TestPushHeldSourcesAreBounded: no more than maxHoldingSources sources
// hold an unfinished line; the next is asked to retry, and a source that
// holds already may go on.
func TestPushHeldSourcesAreBounded(t *testing.T) {
	_, _, base := startServer(t, nil)
	piece := "2026-11-24T12:00:00.1Z stdout P half a line"
	for i := range maxHoldingSources {
		pushAnswer(t, fmt.Sprintf("%s/api/v1/ingest?source=s%d", base, i), piece, http.StatusOK)
	}
	pushAnswer(t, base+"/api/v1/ingest?source=one-too-many", piece, http.StatusServiceUnavailable)
	if ans := pushAnswer(t, base+"/api/v1/ingest?source=s0", piece, http.StatusOK); ans["held"] != 2 {
		t.Errorf("a holding source: held %d, want 2", ans["held"])
	}
	pushAnswer(t, base+"/api/v1/ingest?source=s1", "2026-11-24T12:00:00.1Z stdout F the end", http.StatusOK)
	pushAnswer(t, base+"/api/v1/ingest?source=one-too-many", piece, http.StatusOK)
}

func pushAnswer(t *testing.T, url, body string, status int) map[string]int64 {
	t.Helper()
	resp, err := http.Post(url, "application/x-ndjson", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		t.Fatalf("POST %s: %d %s, want %d", url, resp.StatusCode, b, status)
	}
	ans := map[string]int64{}
	if status == http.StatusOK {
		if err := json.Unmarshal(b, &ans); err != nil {
			t.Fatalf("POST %s: %s: %v", url, b, err)
		}
	}
	return ans
}

// TestPushKeepsContainerLinesApart: the same payload pushed twice in
// container lines of different times is two entries, and a push sent
// again adds nothing.
func TestPushKeepsContainerLinesApart(t *testing.T) {
	_, st, base := startServer(t, nil)
	const id = "0af7651916cd43dd8448eb211c80319c"
	line := `{"level":"info","msg":"retrying","trace_id":"` + id + `"}`
	for _, push := range []string{
		"2026-11-24T12:00:00.1Z stdout F " + line,
		"2026-11-24T12:00:00.2Z stdout F " + line,
		"2026-11-24T12:00:00.2Z stdout F " + line, // sent again
	} {
		pushAnswer(t, base+"/api/v1/ingest?source=k8s", push, http.StatusOK)
	}
	if n := traceLogs(t, st, id); n != 2 {
		t.Errorf("%d entries, want 2", n)
	}
}
