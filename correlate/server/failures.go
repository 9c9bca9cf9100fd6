package server

import (
	"net/http"
	"time"

	"github.com/traceline/traceline/correlate/failures"
)

// failingRequests is GET /api/v1/failures: the traces that failed in a
// window, newest first (see package failures).
func (s *Server) failingRequests(w http.ResponseWriter, r *http.Request) {
	q, err := failures.ParseQuery(r.URL.Query(), time.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	st, ok := s.store.(failures.Store)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this store cannot search")
		return
	}
	var src failures.Source
	if s.jaeger != nil {
		src = s.jaeger
	}
	res, err := failures.List(r.Context(), st, src, q)
	if err != nil {
		s.writeSearchError(w, err)
		return
	}
	if res.Jaeger == failures.JaegerUnreachable {
		s.metrics.jaegerErrors.Inc()
	}
	writeJSON(w, http.StatusOK, res)
}
