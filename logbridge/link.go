package logbridge

import (
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// JaegerURL returns the link to a trace in Jaeger's UI at base
// ({base}/trace/{traceID}?uiFind={spanID}), so a log line can point at its
// span. The span part is left out when spanID is invalid; "" is returned for
// an invalid trace id.
func JaegerURL(base string, traceID trace.TraceID, spanID trace.SpanID) string {
	if !traceID.IsValid() {
		return ""
	}
	var sb strings.Builder
	base = strings.TrimRight(base, "/")
	sb.Grow(len(base) + len("/trace/?uiFind=") + 48)
	sb.WriteString(base)
	sb.WriteString("/trace/")
	sb.WriteString(traceID.String())
	if spanID.IsValid() {
		sb.WriteString("?uiFind=")
		sb.WriteString(spanID.String())
	}
	return sb.String()
}
