package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestTraceIDInPath sends every shape of id to every route that takes one,
// over a real listener: a malformed id is 400 and says why it is not a
// trace id; a well-formed id the index lacks is 404 and says why nothing
// was found.
func TestTraceIDInPath(t *testing.T) {
	_, _, base := startServer(t, nil)
	// Low half a3ce929d0e0e4736 is 11803532876627986230 in decimal.
	line := `{"time":"2026-11-24T12:00:00Z","msg":"form stored","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}` + "\n"
	resp, err := http.Post(base+"/api/v1/ingest", "application/x-ndjson", strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	tests := []struct {
		name string
		id   string
		want int    // for the lookups; DELETE is sent unless want is 200
		why  string // in the error message
	}{
		{"32 hex", "4bf92f3577b34da6a3ce929d0e0e4736", 200, ""},
		{"upper case", "4BF92F3577B34DA6A3CE929D0E0E4736", 200, ""},
		{"0x prefix", "0x4bf92f3577b34da6a3ce929d0e0e4736", 200, ""},
		{"16 hex low half", "a3ce929d0e0e4736", 200, ""},
		{"decimal low half", "11803532876627986230", 200, ""},
		{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", 200, ""},

		{"absent 32 hex", "4bf92f3577b34da6a3ce929d0e0e4737", 404, "no log line of trace 4bf92f3577b34da6a3ce929d0e0e4737 is in the index"},
		{"absent decimal", "12345", 404, "looked up low half 0000000000003039 and low half 0000000000012345"},
		{"absent, leading zeros dropped", "3ce929d0e0e4736", 404, "no log line of trace"},

		{"decimal 2^64", "18446744073709551616", 400, "does not fit 64 bits"},
		{"decimal 20 nines", "99999999999999999999", 400, "does not fit 64 bits"},
		{"33 hex", "4bf92f3577b34da6a3ce929d0e0e47361", 400, "33 digits"},
		{"64 hex", strings.Repeat("4bf92f3577b34da6", 4), 400, "at most 32 hex digits"},
		{"not hex", "zz", 400, `'z' at byte 1 is not a hex digit`},
		{"negative", "-1", 400, `'-' at byte 1 is not a hex digit`},
		{"uuid", "4bf92f35-77b3-4da6-a3ce-929d0e0e4736", 400, "not a hex digit"},
		{"control byte", "\x00", 400, "byte 0x0 at byte 1"},
		{"0x only", "0x", 400, "empty"},
		{"all-zero 32", "00000000000000000000000000000000", 400, "all-zero"},
		{"all-zero decimal", "0", 400, "all-zero"},
		{"all-zero traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01", 400, "all-zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := url.PathEscape(tt.id)
			reqs := []struct{ method, path string }{
				{http.MethodGet, "/api/v1/traces/" + p},
				{http.MethodGet, "/api/v1/traces/" + p + "/logs"},
			}
			if tt.want != 200 {
				reqs = append(reqs, struct{ method, path string }{http.MethodDelete, "/api/v1/traces/" + p})
			}
			for _, rq := range reqs {
				code, msg := call(t, rq.method, base+rq.path, "")
				if code != tt.want || !strings.Contains(msg, tt.why) {
					t.Errorf("%s %s: %d %q, want %d with %q", rq.method, rq.path, code, msg, tt.want, tt.why)
				}
			}
			// The page takes any well-formed id (the script asks the API).
			page := 200
			if tt.want == 400 {
				page = 400
			}
			if code, msg := call(t, http.MethodGet, base+"/trace/"+p, ""); code != page || !strings.Contains(msg, tt.why) && page == 400 {
				t.Errorf("page /trace/%s: %d %q, want %d", p, code, msg, page)
			}
		})
	}

	// A bare id pasted into find is read the same way.
	code, msg := call(t, http.MethodPost, base+"/api/v1/find", `{"line":"18446744073709551616"}`)
	if code != 400 || !strings.Contains(msg, "does not fit 64 bits") {
		t.Errorf("find 2^64: %d %q", code, msg)
	}
}

// call sends one request and returns the status and, for a JSON error, its
// message.
func call(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		var e apiError
		if err := json.Unmarshal(b, &e); err != nil || e.Error == "" {
			t.Errorf("%s %s: %d is not a JSON error: %q", method, url, resp.StatusCode, b)
		}
		return resp.StatusCode, e.Error
	}
	return resp.StatusCode, ""
}
