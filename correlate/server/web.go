package server

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"strings"
	"time"
)

//go:embed web
var webFiles embed.FS

// tracePageID is the id of a trace page's path, /trace/{traceID}; the
// other pages are / (failing requests), /search, /coverage and /status.
// Each serves the same document, whose script reads the path.
func tracePageID(path string) (string, bool) {
	id, ok := strings.CutPrefix(path, "/trace/")
	id = strings.TrimSuffix(id, "/")
	return id, ok && id != "" && !strings.Contains(id, "/")
}

func (s *Server) webHandler() http.Handler {
	sub, _ := fs.Sub(webFiles, "web")
	index, _ := fs.ReadFile(sub, "index.html")
	assets := http.StripPrefix("/assets/", http.FileServer(http.FS(sub)))
	started := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, tracePage := tracePageID(r.URL.Path)
		if tracePage {
			if _, err := parseTraceID(id); err != nil {
				writeError(w, http.StatusBadRequest, err.Error())
				return
			}
		}
		switch {
		case r.URL.Path == "/assets/index.html":
			http.NotFound(w, r)
		case len(r.URL.Path) > len("/assets/") && r.URL.Path[:len("/assets/")] == "/assets/":
			// FileServer's own misses are text/plain, and it lists folders
			if fi, err := fs.Stat(sub, strings.TrimPrefix(r.URL.Path, "/assets/")); err != nil || fi.IsDir() {
				writeError(w, http.StatusNotFound, "no asset at "+truncatePath(r.URL.Path))
				return
			}
			w.Header().Set("Cache-Control", "no-cache")
			assets.ServeHTTP(w, r)
		case r.URL.Path == "/" || r.URL.Path == "/search" || r.URL.Path == "/coverage" || r.URL.Path == "/status" || tracePage:
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				w.Header().Set("Allow", "GET, HEAD")
				writeError(w, http.StatusMethodNotAllowed, "pages answer GET only")
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			http.ServeContent(w, r, "index.html", started, bytes.NewReader(index))
		default:
			writeError(w, http.StatusNotFound, "no page at "+truncatePath(r.URL.Path)+"; a trace's page is /trace/{traceID}")
		}
	})
}

// login sets the token cookie for the browser pages from ?token=…, then
// sends the browser to the start page without the token in its history.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Token == "" {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if !constantTimeEqual(r.URL.Query().Get("token"), s.cfg.Token) {
		writeError(w, http.StatusUnauthorized, "wrong token")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: s.cfg.Token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func truncatePath(p string) string {
	if len(p) > 80 {
		return p[:80] + "…"
	}
	return p
}
