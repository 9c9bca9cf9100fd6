package server

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func guarded(token string, hosts ...string) http.Handler {
	g := &guard{token: token, maxBody: 16, allowedHosts: map[string]bool{}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, h := range hosts {
		g.allowedHosts[h] = true
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/ingest", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			writeError(w, http.StatusRequestEntityTooLarge, "too large")
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("/panic", func(http.ResponseWriter, *http.Request) { panic("secret internals") })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	return g.wrap(mux)
}

func TestGuard(t *testing.T) {
	tests := []struct {
		name       string
		token      string
		method     string
		path       string
		host       string
		ctype      string
		auth       string
		body       string
		wantStatus int
	}{
		{"loopback host", "", "GET", "/", "127.0.0.1:8089", "", "", "", 200},
		{"localhost", "", "GET", "/", "localhost:8089", "", "", "", 200},
		{"ipv6 loopback", "", "GET", "/", "[::1]:8089", "", "", "", 200},
		{"DNS rebinding host refused", "", "GET", "/", "evil.example:8089", "", "", "", http.StatusMisdirectedRequest},
		{"configured host", "", "GET", "/", "correlate.internal", "", "", "", 200},
		{"cross-site text/plain POST refused", "", "POST", "/api/v1/ingest", "127.0.0.1", "text/plain", "", `{"msg":"x"}`, http.StatusUnsupportedMediaType},
		{"form POST refused", "", "POST", "/api/v1/ingest", "127.0.0.1", "application/x-www-form-urlencoded", "", "a=b", http.StatusUnsupportedMediaType},
		{"JSON POST accepted", "", "POST", "/api/v1/ingest", "127.0.0.1", "application/json", "", `{"m":1}`, http.StatusAccepted},
		{"body over limit", "", "POST", "/api/v1/ingest", "127.0.0.1", "application/json", "", strings.Repeat("x", 100), http.StatusRequestEntityTooLarge},
		{"token missing", "s3cret", "GET", "/api/v1/status", "127.0.0.1", "", "", "", http.StatusUnauthorized},
		{"token wrong", "s3cret", "GET", "/api/v1/status", "127.0.0.1", "", "Bearer nope", "", http.StatusUnauthorized},
		{"token right", "s3cret", "GET", "/api/v1/status", "127.0.0.1", "", "Bearer s3cret", "", 200},
		{"health open without token", "s3cret", "GET", "/healthz", "127.0.0.1", "", "", "", 200},
		{"token lets any content type through", "s3cret", "POST", "/api/v1/ingest", "127.0.0.1", "text/plain", "Bearer s3cret", "{}", http.StatusAccepted},
		{"panic becomes plain error", "", "GET", "/panic", "127.0.0.1", "", "", "", 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			req.Host = tt.host
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			guarded(tt.token, "correlate.internal").ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %s)", rec.Code, tt.wantStatus, rec.Body)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
				t.Errorf("CSP header missing: %q", csp)
			}
			if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("nosniff missing")
			}
			if rec.Code >= 400 {
				body := rec.Body.String()
				if !strings.HasPrefix(body, `{"error":`) {
					t.Errorf("error is not JSON: %s", body)
				}
				if strings.Contains(body, "goroutine") || strings.Contains(body, "secret internals") || strings.Contains(body, ".go:") {
					t.Errorf("error leaks internals: %s", body)
				}
			}
		})
	}
}

func TestCookieLogin(t *testing.T) {
	h := guarded("s3cret")
	req := httptest.NewRequest("GET", "/trace/abc", nil)
	req.Host = "127.0.0.1"
	req.AddCookie(&http.Cookie{Name: tokenCookie, Value: "s3cret"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("page with the token cookie: %d", rec.Code)
	}
	// A cookie alone does not open state-changing requests with simple
	// content types (a cross-site form would carry it).
	req = httptest.NewRequest("POST", "/api/v1/ingest", strings.NewReader("x"))
	req.Host = "127.0.0.1"
	req.Header.Set("Content-Type", "text/plain")
	req.AddCookie(&http.Cookie{Name: tokenCookie, Value: "s3cret"})
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnsupportedMediaType {
		t.Fatalf("cookie + text/plain POST: %d", rec.Code)
	}
}
