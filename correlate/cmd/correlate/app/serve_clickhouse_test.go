package app

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/internal/clickhousetest"
)

// startServe runs `correlate serve` in-process with args and returns its
// URL (read from the address it leaves in its data folder) and a stop
// function that waits for a clean exit.
func startServe(t *testing.T, data string, args ...string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- Run(ctx, append([]string{"serve", "--data", data, "--listen", "127.0.0.1:0"}, args...),
			&Env{Stdin: strings.NewReader(""), Stdout: &syncBuffer{}, Stderr: &errb, Getenv: func(string) string { return "" }})
	}()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		var info serveInfo
		if b, err := os.ReadFile(filepath.Join(data, serveFile)); err == nil && json.Unmarshal(b, &info) == nil && info.URL != "" {
			stopped := false
			return info.URL, func() {
				if stopped {
					return
				}
				stopped = true
				cancel()
				select {
				case code := <-done:
					if code != 0 {
						t.Errorf("serve exited %d: %s", code, errb.String())
					}
				case <-time.After(30 * time.Second):
					t.Error("serve did not stop")
				}
			}
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("serve exited %d: %s", code, errb.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
	cancel()
	t.Fatalf("serve did not start: %s", errb.String())
	return "", nil
}

func logsOf(t *testing.T, base, traceID string) []map[string]any {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/traces/" + traceID + "/logs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Logs []map[string]any }
	json.NewDecoder(resp.Body).Decode(&body)
	return body.Logs
}

// TestServeReplicasShareClickHouse: two replicas, each following its own
// node's file, keep no index of their own; either answers for the lines
// the other read.
func TestServeReplicasShareClickHouse(t *testing.T) {
	ch := clickhousetest.Start(t, 2)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "node-a.log"), filepath.Join(dir, "node-b.log")
	os.WriteFile(a, []byte(cliLine1+"\n"), 0o644)
	os.WriteFile(b, []byte(cliLine2+"\n"+cliLine3+"\n"), 0o644)
	chArgs := []string{"--clickhouse-cluster", clickhousetest.Cluster}
	for _, u := range ch.URLs() {
		chArgs = append(chArgs, "--clickhouse", u)
	}
	urlA, stopA := startServe(t, filepath.Join(dir, "a"), append([]string{"--logs", a}, chArgs...)...)
	defer stopA()
	urlB, stopB := startServe(t, filepath.Join(dir, "b"), append([]string{"--logs", b}, chArgs...)...)
	defer stopB()

	deadline := time.Now().Add(60 * time.Second)
	var fromA, fromB []map[string]any
	for time.Now().Before(deadline) {
		fromA, fromB = logsOf(t, urlA, cliTrace), logsOf(t, urlB, cliTrace)
		if len(fromA) == 2 && len(fromB) == 2 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(fromA) != 2 || len(fromB) != 2 {
		t.Fatalf("replica A sees %d lines, B %d; want both lines from both nodes", len(fromA), len(fromB))
	}
	if fromA[0]["msg"] != "first" || fromA[1]["msg"] != "second" || fromA[0]["file"] == fromA[1]["file"] {
		t.Errorf("lines out of order or from one node: %v", fromA)
	}
	// Neither replica built an embedded index.
	for _, d := range []string{"a", "b"} {
		if _, err := os.Stat(filepath.Join(dir, d, "CURRENT")); err == nil {
			t.Errorf("replica %s opened an embedded store beside ClickHouse", d)
		}
	}
	// A replica restarted elsewhere resumes from what ClickHouse holds: no duplicates.
	stopA()
	urlA2, stopA2 := startServe(t, filepath.Join(dir, "a2"), append([]string{"--logs", a}, chArgs...)...)
	defer stopA2()
	time.Sleep(2 * time.Second)
	if got := logsOf(t, urlA2, cliTrace); len(got) != 2 {
		t.Errorf("after a replica restarted with a fresh folder: %d lines, want 2", len(got))
	}
}
