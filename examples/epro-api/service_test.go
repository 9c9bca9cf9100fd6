package eproapi

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSubmit runs the gateway (go-zero, logx through logxbridge) against
// stand-ins for the three services behind it and checks each outcome: the
// status, the traceparent going out on every hop and coming back to the
// client, and the logx lines carrying the server span's ids.
func TestSubmit(t *testing.T) {
	var mu sync.Mutex
	parents := map[string]string{} // path → traceparent received
	var notified []map[string]any
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		parents[r.URL.Path] = r.Header.Get("Traceparent")
		mu.Unlock()
		switch {
		case r.URL.Path == "/questionnaires/sf-36":
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":"unknown questionnaire sf-36"}`))
		case strings.HasPrefix(r.URL.Path, "/questionnaires/"):
			_, _ = w.Write([]byte(`{"id":"phq-9"}`))
		case r.URL.Path == "/submissions":
			var in submission
			_ = json.NewDecoder(r.Body).Decode(&in)
			if in.Answers[0] > 3 {
				w.WriteHeader(http.StatusUnprocessableEntity)
				_, _ = w.Write([]byte(`{"error":"answers invalid: item 1: answer 7 outside 0..3"}`))
				return
			}
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{"submission_id":1}`))
		case r.URL.Path == "/notifications":
			var n map[string]any
			_ = json.NewDecoder(r.Body).Decode(&n)
			mu.Lock()
			notified = append(notified, n)
			mu.Unlock()
			w.WriteHeader(http.StatusAccepted)
		}
	}))
	defer backend.Close()

	c := DefaultConfig()
	c.Listen = freeAddr(t)
	c.SampleRatio = 1
	c.LogFile = filepath.Join(t.TempDir(), "epro-api.log")
	c.QuestionnaireURL, c.DataCollectionURL, c.NotifyURL = backend.URL, backend.URL, backend.URL
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, c) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitUp(t, "http://"+c.Listen+"/healthz")

	tests := []struct {
		name, token, questionnaire string
		answer                     int
		status                     int
		outcome                    string // what the monitor is told; "" for nothing
		lastMsg                    string // the handler's last line
	}{
		{"accepted", c.Token, "phq-9", 1, http.StatusCreated, "accepted", "submission accepted"},
		{"invalid answer", c.Token, "phq-9", 7, http.StatusUnprocessableEntity, "rejected", "request failed"},
		{"unknown questionnaire", c.Token, "sf-36", 1, http.StatusNotFound, "", "request failed"},
		{"bad token", "nope", "phq-9", 1, http.StatusUnauthorized, "", "request failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			clear(parents)
			notified = nil
			mu.Unlock()
			body := `{"patient_id":"P-1","questionnaire_id":"` + tt.questionnaire + `","answers":[` + string(rune('0'+tt.answer)) + `]}`
			req, _ := http.NewRequest(http.MethodPost, "http://"+c.Listen+"/v1/submissions", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tt.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.status)
			}
			tp := strings.Split(resp.Header.Get("Traceparent"), "-")
			if len(tp) != 4 || tp[3] != "01" {
				t.Fatalf("response traceparent %q, want a sampled one", resp.Header.Get("Traceparent"))
			}
			traceID, spanID := tp[1], tp[2]
			mu.Lock()
			for path, p := range parents {
				if !strings.Contains(p, traceID) {
					t.Errorf("%s got traceparent %q, want trace %s", path, p, traceID)
				}
			}
			if tt.outcome == "" && len(notified) != 0 || tt.outcome != "" && (len(notified) != 1 || notified[0]["outcome"] != tt.outcome) {
				t.Errorf("notified %v, want outcome %q", notified, tt.outcome)
			}
			mu.Unlock()
			lines := linesOf(t, c.LogFile, traceID)
			if len(lines) == 0 || lines[len(lines)-1]["content"] != tt.lastMsg {
				t.Fatalf("lines of the trace %v, want the last one %q", lines, tt.lastMsg)
			}
			for _, l := range lines {
				if l["span_id"] != spanID || l["trace_flags"] != "01" || l["service.name"] != "epro-api" {
					t.Errorf("line %v: want span_id %s, trace_flags 01, service.name epro-api", l, spanID)
				}
			}
		})
	}
}

// linesOf returns the handler's lines (go-zero's access line aside) of a trace.
func linesOf(t *testing.T, path, traceID string) []map[string]any {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []map[string]any
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) == nil && l["trace_id"] == traceID && !strings.HasPrefix(l["content"].(string), "[HTTP]") {
			lines = append(lines, l)
		}
	}
	return lines
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitUp(t *testing.T, url string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
	}
	t.Fatalf("%s not up", url)
}
