package jaegertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

var errNoTrace = errors.New("trace not in Jaeger")

// waitTimeout bounds WaitForTrace. The batch processors on both sides flush
// within a fraction of a second; a loaded machine needs more.
const waitTimeout = 20 * time.Second

// TracerProvider returns an OpenTelemetry SDK tracer provider that exports
// to this Jaeger through the OTLP/HTTP exporter, the path real services use,
// with resource service.name = service and every span sampled. End the spans,
// then call Flush; the provider is shut down in t.Cleanup. Use one provider
// per service of a multi-service trace, passing the parent's span context
// across with trace.ContextWithRemoteSpanContext.
func (j *Jaeger) TracerProvider(t testing.TB, service string, opts ...sdktrace.TracerProviderOption) *sdktrace.TracerProvider {
	t.Helper()
	transport := &http.Transport{}
	exp, err := otlptracehttp.New(context.Background(),
		otlptracehttp.WithEndpoint(j.OTLPHTTPEndpoint),
		otlptracehttp.WithInsecure(),
		otlptracehttp.WithHTTPClient(&http.Client{Transport: transport, Timeout: 10 * time.Second}),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}),
	)
	if err != nil {
		t.Fatalf("jaegertest: OTLP exporter: %v", err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", service))
	all := append([]sdktrace.TracerProviderOption{
		sdktrace.WithBatcher(exp, sdktrace.WithBatchTimeout(50*time.Millisecond)),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
	}, opts...)
	tp := sdktrace.NewTracerProvider(all...)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = tp.Shutdown(ctx) // Jaeger may be stopped by now: nothing to flush to
		transport.CloseIdleConnections()
	})
	return tp
}

// Flush exports every ended span of tp now, failing the test if Jaeger does
// not accept them.
func Flush(t testing.TB, tp *sdktrace.TracerProvider) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tp.ForceFlush(ctx); err != nil {
		t.Fatalf("jaegertest: flush spans: %v", err)
	}
}

// WaitForTrace polls Jaeger's api/v3 until the trace is stored with at least
// spans spans, and fails the test after a bounded wait. Jaeger answers 404
// between the export and the write to storage.
func (j *Jaeger) WaitForTrace(t testing.TB, traceID string, spans int) {
	t.Helper()
	client := j.client()
	url := j.QueryURL + "/api/v3/traces/" + traceID
	deadline := time.Now().Add(waitTimeout)
	var got int
	var err error
	for {
		got, err = countSpans(client, url)
		if err == nil && got >= spans {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("jaegertest: trace %s: %d of %d spans after %s (last: %v)", traceID, got, spans, waitTimeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// client is an HTTP client that keeps no idle connections (and so no
// goroutines) behind.
func (j *Jaeger) client() *http.Client {
	return &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
}

// countSpans reads GET /api/v3/traces/ID and counts its spans.
func countSpans(client *http.Client, url string) (int, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%w: HTTP %d: %s", errNoTrace, resp.StatusCode, strings.TrimSpace(string(tail(body, 200))))
	}
	var doc struct {
		Result struct {
			ResourceSpans []struct {
				ScopeSpans []struct {
					Spans []json.RawMessage `json:"spans"`
				} `json:"scopeSpans"`
			} `json:"resourceSpans"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return 0, err
	}
	n := 0
	for _, rs := range doc.Result.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			n += len(ss.Spans)
		}
	}
	return n, nil
}
