package server

import (
	"encoding/json"
	"errors"
	"github.com/traceline/traceline/correlate/internal/tmpfstest"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store/pebblestore"
)

type statusBody struct {
	Index struct {
		Writable  bool   `json:"writable"`
		Errors    int    `json:"errors"`
		LastError string `json:"last_error"`
	} `json:"index"`
}

func getStatus(t *testing.T, base string) (statusBody, int) {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st statusBody
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	ready, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, ready.Body)
	ready.Body.Close()
	return st, ready.StatusCode
}

// TestSmallFilesystem: on a 20 MB file system the service indexes (the
// room it keeps free scales with the file system), and when the file
// system fills up, /api/v1/status and /readyz say the index cannot write
// until it can again.
func TestSmallFilesystem(t *testing.T) {
	mnt := filepath.Join(t.TempDir(), "mnt")
	tmpfstest.Mount(t, mnt, 20<<20)
	logFile := filepath.Join(t.TempDir(), "app.log")
	const followed, pushed = "5a11f5000000000000000000000000f0", "5a11f5000000000000000000000000f1"
	os.WriteFile(logFile, []byte(`{"time":"2026-11-24T12:00:00Z","msg":"followed","trace_id":"`+followed+`"}`+"\n"), 0o644)
	cfg := DefaultConfig()
	cfg.Data = filepath.Join(mnt, "data")
	cfg.Listen = "127.0.0.1:0"
	cfg.Logs = []string{logFile}
	cfg.PollInterval = 50 * time.Millisecond
	st, err := pebblestore.Open(cfg.Data, pebblestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := runServer(t, cfg, st, nil)
	base := "http://" + srv.Addr()
	line := `{"time":"2026-11-24T12:00:00Z","msg":"pushed","trace_id":"` + pushed + `"}` + "\n"
	if code, msg := call(t, http.MethodPost, base+"/api/v1/ingest", line); code != 200 {
		t.Fatalf("a push to a store on a 20 MB file system: %d %s", code, msg)
	}
	deadline := time.Now().Add(10 * time.Second)
	for traceLogs(t, st, followed) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if traceLogs(t, st, followed) != 1 {
		t.Fatal("the followed line was not indexed on a 20 MB file system")
	}
	if s, ready := getStatus(t, base); !s.Index.Writable || ready != 200 {
		t.Fatalf("status %+v, readyz %d: want writable and ready", s, ready)
	}

	// Fill the file system.
	filler, err := os.Create(filepath.Join(mnt, "filler"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 1<<20)
	for {
		if _, err := filler.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	filler.Close()
	code, msg := call(t, http.MethodPost, base+"/api/v1/ingest", strings.Replace(line, "pushed", "pushed on a full disk", 1))
	if code != http.StatusServiceUnavailable || !strings.Contains(msg, "full") {
		t.Errorf("a push on a full disk: %d %q, want 503 saying the disk is full", code, msg)
	}
	s, ready := getStatus(t, base)
	if s.Index.Writable || s.Index.Errors == 0 || !strings.Contains(s.Index.LastError, "full") || ready != http.StatusServiceUnavailable {
		t.Errorf("on a full disk: status %+v, readyz %d; want not writable, the error counted and named, not ready", s, ready)
	}

	os.Remove(filepath.Join(mnt, "filler"))
	if code, msg := call(t, http.MethodPost, base+"/api/v1/ingest", line); code != 200 {
		t.Fatalf("a push once there is room again: %d %s", code, msg)
	}
	if s, ready := getStatus(t, base); !s.Index.Writable || ready != 200 || s.Index.LastError == "" {
		t.Errorf("after the disk was freed: status %+v, readyz %d; want writable, ready, the last error still shown", s, ready)
	}
}
