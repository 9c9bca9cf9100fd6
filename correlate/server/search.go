package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/traceline/traceline/correlate/search"
	"github.com/traceline/traceline/correlate/store"
)

// searchEntries is GET /api/v1/search: the entries of a window that match
// the query's service, level, text and field conditions, newest first, a
// page at a time (see package search for the parameters and the answer).
func (s *Server) searchEntries(w http.ResponseWriter, r *http.Request) {
	q, err := search.ParseQuery(r.URL.Query(), time.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	st, ok := s.store.(store.Searcher)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this store cannot search")
		return
	}
	start := time.Now()
	resp, err := search.Run(r.Context(), st, q)
	s.metrics.lookup.Observe(time.Since(start).Seconds())
	if err != nil {
		s.writeSearchError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// writeSearchError answers a search or failures list that the store
// could not answer.
func (s *Server) writeSearchError(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, store.ErrBadCursor):
		writeError(w, http.StatusBadRequest, "cursor: "+err.Error())
	case errors.Is(err, store.ErrNoSearchIndex):
		writeError(w, http.StatusNotImplemented, store.ErrNoSearchIndex.Error())
	default:
		writeError(w, http.StatusServiceUnavailable, "reading the index failed: "+err.Error())
	}
}
