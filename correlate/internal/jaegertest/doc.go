// Package jaegertest runs a real Jaeger for the correlator's tests: the
// Jaeger v2 all-in-one built by `make jaeger` (bin/jaeger at the repository
// root, or $JAEGER_BIN), with memory storage and every one of its endpoints
// on a free loopback port, so test packages running in parallel never
// collide.
//
//	func TestLookup(t *testing.T) {
//		j := jaegertest.Start(t) // skipped locally without bin/jaeger, fails under CI=true
//		tp := j.TracerProvider(t, "checkout")
//		_, span := tp.Tracer("test").Start(context.Background(), "GET /cart")
//		span.End()
//		jaegertest.Flush(t, tp)
//		j.WaitForTrace(t, span.SpanContext().TraceID().String(), 1)
//		// read it back from j.QueryURL
//	}
//
// # Life cycle
//
// Start writes the configuration (see Config) into t.TempDir(), starts the
// process with its output to Jaeger.LogPath, waits for the health check
// (bounded), and registers Stop with t.Cleanup: no Jaeger outlives its test,
// and on Linux the kernel kills it should the test binary die first.
// Stop and Restart are for fault tests: a stopped Jaeger refuses
// connections on the same addresses; a restarted one has empty storage.
//
// # Sending spans
//
// Spans go through the OpenTelemetry SDK and its OTLP/HTTP exporter, as a
// service's would: TracerProvider, then Flush, then WaitForTrace, which
// polls api/v3 until the spans are stored.
//
// # Tail sampling
//
// WithTailSampling puts Jaeger's tail_sampling processor in the pipeline:
// traces with an error are kept, and a share of the others; the rest were
// sampled by the service but never reach storage.
package jaegertest
