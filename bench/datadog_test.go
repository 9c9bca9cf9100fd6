package bench

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"

	"github.com/DataDog/dd-trace-go/v2/ddtrace/tracer"
	"go.opentelemetry.io/otel/trace"
)

// startDatadog starts dd-trace-go's tracer once, against an agent on
// loopback that answers every request and keeps nothing: no span leaves
// the process, and nothing reaches the network.
var startDatadog = sync.OnceFunc(func() {
	agent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write([]byte("{}"))
	}))
	for k, v := range map[string]string{
		"DD_INSTRUMENTATION_TELEMETRY_ENABLED": "false",
		"DD_REMOTE_CONFIGURATION_ENABLED":      "false",
		"DD_TRACE_STARTUP_LOGS":                "false",
		"DD_RUNTIME_METRICS_ENABLED":           "false",
	} {
		os.Setenv(k, v)
	}
	err := tracer.Start(
		tracer.WithAgentURL(agent.URL),
		tracer.WithDogstatsdAddr(agent.Listener.Addr().String()),
		tracer.WithTestDefaults(nil), // spans go to a transport that drops them
		tracer.WithLogStartup(false),
		tracer.WithLogger(ddNopLogger{}),
	)
	if err != nil {
		panic("dd-trace-go: " + err.Error())
	}
})

type ddNopLogger struct{}

func (ddNopLogger) Log(string) {}

// withDatadogSpan returns ctx with a Datadog span of sc's trace id and span
// id as well, for the peers that read Datadog's span: what a service traced
// by dd-trace-go carries beside (here under) its OpenTelemetry span.
func withDatadogSpan(ctx context.Context, sc trace.SpanContext) context.Context {
	startDatadog()
	tid, sid := sc.TraceID(), sc.SpanID()
	parent, err := tracer.Extract(tracer.TextMapCarrier{"traceparent": "00-" + tid.String() + "-" + sid.String() + "-01"})
	if err != nil {
		panic("dd-trace-go: " + err.Error())
	}
	span := tracer.StartSpan("request", tracer.ChildOf(parent), tracer.WithSpanID(ddSpanID(sid)))
	return tracer.ContextWithSpan(ctx, span)
}

// ddSpanID is an OpenTelemetry span id as Datadog's uint64.
func ddSpanID(sid trace.SpanID) uint64 {
	n, _ := strconv.ParseUint(sid.String(), 16, 64)
	return n
}
