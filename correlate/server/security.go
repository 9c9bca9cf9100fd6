package server

import (
	"crypto/subtle"
	"encoding/json"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strings"
)

// The page runs only the scripts and styles the binary serves itself: log
// text reaches the DOM as text nodes, and even a slip there could not load
// or run anything from elsewhere.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// tokenCookie carries the bearer token for the browser pages, set by
// /login?token=… so a link never has to carry it.
const tokenCookie = "correlate_token"

// guard wraps the service's routes with what every request passes through:
// safe headers, the Host check (DNS rebinding), the token, the content type
// of state-changing requests, the body limit, and a recover that turns a
// panic into a plain JSON error.
type guard struct {
	token        string
	allowedHosts map[string]bool // lower-case host names without port
	maxBody      int64
	log          *slog.Logger
}

func (g *guard) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				g.log.ErrorContext(r.Context(), "handler panicked", "path", r.URL.Path, "panic", v)
				writeError(w, http.StatusInternalServerError, "internal error")
			}
		}()
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")

		if !g.hostAllowed(r.Host) {
			writeError(w, http.StatusMisdirectedRequest, "host "+quoteHost(r.Host)+" is not served here; use the address the service listens on or add it with --allowed-host")
			return
		}
		open := r.URL.Path == "/healthz" || r.URL.Path == "/readyz"
		bearer := g.token != "" && g.bearerOK(r)
		if g.token != "" && !open && !bearer && !g.cookieOK(r) && r.URL.Path != "/login" {
			h.Set("WWW-Authenticate", `Bearer realm="correlate"`)
			writeError(w, http.StatusUnauthorized, "a bearer token is required (Authorization: Bearer …, or open /login?token=… in a browser)")
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && r.Method != http.MethodOptions {
			// A cross-site form or fetch without CORS can only POST the
			// "simple" content types; requiring JSON or protobuf (or the
			// token, which no other site has) keeps it from changing state.
			// Other methods (DELETE) cannot cross sites without a CORS
			// preflight, which this service never grants.
			if r.Method == http.MethodPost && !bearer && !stateChangeTypeOK(r.Header.Get("Content-Type")) {
				writeError(w, http.StatusUnsupportedMediaType, "this request changes state: send it as application/json, application/x-ndjson or application/x-protobuf")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, g.maxBody)
		}
		next.ServeHTTP(w, r)
	})
}

func (g *guard) bearerOK(r *http.Request) bool {
	a := r.Header.Get("Authorization")
	const p = "Bearer "
	if len(a) <= len(p) || !strings.EqualFold(a[:len(p)], p) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(a[len(p):]), []byte(g.token)) == 1
}

func (g *guard) cookieOK(r *http.Request) bool {
	c, err := r.Cookie(tokenCookie)
	return err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(g.token)) == 1
}

// hostAllowed accepts loopback names and addresses, and the names the
// service was told about. A page on evil.example that rebinds its name to
// 127.0.0.1 still sends Host: evil.example, and is refused.
func (g *guard) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if host == "" {
		return false
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return true
	}
	return g.allowedHosts[host]
}

func stateChangeTypeOK(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/json", "application/x-ndjson", "application/x-protobuf", "application/protobuf":
		return true
	}
	return false
}

func quoteHost(h string) string {
	if len(h) > 100 {
		h = h[:100]
	}
	b, _ := json.Marshal(h)
	return string(b)
}

// apiError is the body of every error the API returns: a message a person
// can act on, never a stack trace.
type apiError struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
