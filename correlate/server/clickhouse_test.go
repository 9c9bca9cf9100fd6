package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/internal/clickhousetest"
	"github.com/traceline/traceline/correlate/store/chstore"
)

// TestDeleteTraceOnClickHouse: DELETE /api/v1/traces/{id} on a service
// whose index is a two-shard ClickHouse forgets the trace's lines and
// keeps the others'.
func TestDeleteTraceOnClickHouse(t *testing.T) {
	c := clickhousetest.Start(t, 2)
	cfg := DefaultConfig()
	cfg.Data = t.TempDir()
	cfg.Listen = "127.0.0.1:0"
	cfg.ClickHouse, cfg.ClickHouseCluster = c.URLs(), c.Name
	st, err := chstore.Open(context.Background(), chstore.Config{Shards: c.URLs(), Cluster: c.Name, Database: "serverdelete", Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + runServer(t, cfg, st, nil).Addr()

	const gone, kept = "4bf92f3577b34da6a3ce929d0e0e4736", "0af7651916cd43dd8448eb211c80319d"
	batch := `{"time":"2026-11-24T12:00:00Z","msg":"answers stored","trace_id":"` + gone + `"}` + "\n" +
		`{"time":"2026-11-24T12:00:01Z","msg":"monitor notified","trace_id":"` + gone + `"}` + "\n" +
		`{"time":"2026-11-24T12:00:00Z","msg":"kept","trace_id":"` + kept + `"}` + "\n"
	if code, msg := call(t, http.MethodPost, base+"/api/v1/ingest", batch); code != 200 {
		t.Fatalf("ingest: %d %s", code, msg)
	}
	req, _ := http.NewRequest(http.MethodDelete, base+"/api/v1/traces/"+gone, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"deleted":2`) {
		t.Fatalf("DELETE on ClickHouse: %d %s", resp.StatusCode, body)
	}
	if n := traceLogs(t, st, gone); n != 0 {
		t.Errorf("%d lines left after deletion", n)
	}
	if n := traceLogs(t, st, kept); n != 1 {
		t.Errorf("another trace has %d lines, want 1", n)
	}
	if code, msg := call(t, http.MethodDelete, base+"/api/v1/traces/"+gone, ""); code != 404 || !strings.Contains(msg, "nothing to delete") {
		t.Errorf("deleting again: %d %q, want 404", code, msg)
	}
}

var _ traceDeleter = (*chstore.Store)(nil)
