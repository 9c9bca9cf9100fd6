package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store"
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
	got, b, err := push(url, body)
	if err != nil {
		t.Fatal(err)
	}
	if got != status {
		t.Fatalf("POST %s: %d %s, want %d", url, got, b, status)
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

// TestPushKeyAtLineEndWaitsForItsValue: a pushed line that ends with a
// key to mask ("patient_name:") waits for the source's next push, where
// its value is the first line: the two are redacted as one entry, so the
// value is stored masked. Without a key to mask nothing waits.
func TestPushKeyAtLineEndWaitsForItsValue(t *testing.T) {
	_, st, base := startServer(t, func(c *Config) { c.Redact.Keys = []string{"patient_name"} })
	pushes := []struct {
		body string
		held int64
	}{
		{"2026-12-01T10:00:00Z INFO intake started\n2026-12-01T10:00:01Z INFO intake form patient_name:\n", 1},
		{"  Zq9Secret Person\n2026-12-01T10:00:02Z INFO intake done patient_name:  \n", 1},
		{"\tZq8Other Person\n", 0},
		{"2026-12-01T10:00:03Z INFO consent given for:\n", 0},
	}
	for i, p := range pushes {
		if ans := pushAnswer(t, base+"/api/v1/ingest?source=intake", p.body, http.StatusOK); ans["held"] != p.held {
			t.Errorf("push %d: held %d, want %d", i, ans["held"], p.held)
		}
	}
	raws := storedRawMsg(t, st)
	all := strings.Join(raws, "\n")
	for _, secret := range []string{"Zq9Secret", "Zq8Other"} {
		if strings.Contains(all, secret) {
			t.Errorf("%s stored in clear:\n%s", secret, all)
		}
	}
	for _, msg := range []string{"intake started", "intake form", "intake done", "consent given"} {
		if !strings.Contains(all, msg) {
			t.Errorf("%q lost:\n%s", msg, all)
		}
	}
}

// TestPushKeyAtLineEndAfterPieces: a container line whose last piece ends
// a push with a key to mask (the key itself split across pieces) waits for
// its value whole, its earlier pieces with it: neither half is stored
// alone, and the value on the next line is masked.
func TestPushKeyAtLineEndAfterPieces(t *testing.T) {
	_, st, base := startServer(t, func(c *Config) { c.Redact.Keys = []string{"patient_name"} })
	for _, body := range []string{
		"2026-12-01T10:00:01Z stdout P 2026-12-01T10:00:01Z INFO intake form pat\n",
		"2026-12-01T10:00:01Z stdout F ient_name:\n",
		"2026-12-01T10:00:01Z stdout F   Zq7Secret Person\n2026-12-01T10:00:02Z stdout F 2026-12-01T10:00:02Z INFO intake done\n",
	} {
		pushAnswer(t, base+"/api/v1/ingest?source=cri", body, http.StatusOK)
	}
	raws := storedRawMsg(t, st)
	all := strings.Join(raws, "\n")
	if strings.Contains(all, "Zq7Secret") {
		t.Errorf("the value stored in clear:\n%s", all)
	}
	if len(raws) != 2 || !strings.Contains(all, "intake form") || !strings.Contains(all, "intake done") {
		t.Errorf("want the form line whole and the done line, got:\n%s", all)
	}
}

// storedRawMsg returns every entry of st as its raw line and message,
// joined by "|".
func storedRawMsg(t *testing.T, st store.Store) []string {
	t.Helper()
	var raws []string
	if err := st.Range(context.Background(), time.Time{}, time.Time{}, func(e *store.Entry) bool {
		raws = append(raws, e.Raw+"|"+e.Msg)
		return true
	}); err != nil {
		t.Fatal(err)
	}
	return raws
}
