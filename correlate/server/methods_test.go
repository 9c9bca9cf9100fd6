package server

import (
	"net/http"
	"strings"
	"testing"
)

// TestWrongMethodAndMissingAsset: a route asked with a method it does not
// take answers 405 with Allow; a missing asset answers a JSON 404, as
// every other miss does.
func TestWrongMethodAndMissingAsset(t *testing.T) {
	_, _, base := startServer(t, nil)
	const id = "4bf92f3577b34da6a3ce929d0e0e4736"
	tests := []struct {
		method, path string
		want         int
		allow        string
	}{
		{http.MethodPut, "/api/v1/ingest", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPatch, "/api/v1/ingest", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPut, "/api/v1/traces/" + id, http.StatusMethodNotAllowed, "DELETE, GET, HEAD"},
		{http.MethodPatch, "/api/v1/status", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodPut, "/v1/logs", http.StatusMethodNotAllowed, "POST"},
		{http.MethodPut, "/api/v1/nothing", http.StatusNotFound, ""},
		{http.MethodGet, "/assets/nothing.js", http.StatusNotFound, ""},
		{http.MethodGet, "/assets/nothing/", http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(`{}`))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want || resp.Header.Get("Allow") != tt.allow {
				t.Errorf("%d Allow %q, want %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"), tt.want, tt.allow)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want a JSON error", ct)
			}
		})
	}
}
