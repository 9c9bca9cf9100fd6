// Package links builds the URLs that let an engineer jump from a log line to
// its trace: the trace's page in Jaeger's UI, with the line's span found,
// and the joined trace's page in the correlator's web service.
//
//	links.Jaeger("http://jaeger:16686", traceID, spanID)
//	  → http://jaeger:16686/trace/{traceID}?uiFind={spanID}
//	links.Correlator("http://correlate:8089", traceID)
//	  → http://correlate:8089/trace/{traceID}
//	links.CorrelatorAPI("http://correlate:8089", traceID)
//	  → http://correlate:8089/api/v1/traces/{traceID}
//
// Ids are expected normalised (lower-case hex, as parse and traces give
// them); anything else is path-escaped, never trusted. A base with a trailing
// "/" or a path prefix ("https://host/jaeger") works. An empty base or trace
// id gives "".
package links

import (
	"net/url"
	"strings"
)

// Jaeger returns the page of traceID in the Jaeger UI at base with spanID
// found ({base}/trace/{traceID}?uiFind={spanID}); the uiFind part is left out
// when spanID is "".
func Jaeger(base, traceID, spanID string) string {
	u := join(base, "/trace/", traceID)
	if u == "" || spanID == "" {
		return u
	}
	return u + "?uiFind=" + url.QueryEscape(spanID)
}

// Correlator returns the web page of the joined trace in the correlator
// service at base ({base}/trace/{traceID}).
func Correlator(base, traceID string) string {
	return join(base, "/trace/", traceID)
}

// CorrelatorAPI returns the joined trace's JSON in the correlator service at
// base ({base}/api/v1/traces/{traceID}).
func CorrelatorAPI(base, traceID string) string {
	return join(base, "/api/v1/traces/", traceID)
}

func join(base, path, id string) string {
	if base == "" || id == "" {
		return ""
	}
	return strings.TrimRight(base, "/") + path + url.PathEscape(id)
}
