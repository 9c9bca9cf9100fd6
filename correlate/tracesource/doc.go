// Package tracesource fetches traces for the correlator: from a running
// Jaeger's query service, or from a trace file for offline work. Every
// source returns the span model of package traces, normalised the same way
// whatever it read.
//
//	src, err := tracesource.NewJaeger("http://localhost:16686")
//	if err != nil { … }
//	defer src.Close()
//	tr, err := src.Trace(ctx, "0af7651916cd43dd8448eb211c80319c", tracesource.Window{Start: first, End: last})
//	switch {
//	case errors.Is(err, tracesource.ErrTraceNotFound): // Jaeger answered: no such trace (yet)
//	case err != nil:                                // Jaeger down, slow, 5xx, garbage: err says which
//	}
//
// # Sources
//
//   - Jaeger: GET /api/v3/traces/{id}?rawTraces=true (OTLP JSON inside
//     {"result": …}, nanosecond times; raw_traces=true for a Jaeger that
//     reads only the snake_case parameters, see Parameters); when that
//     route answers a plain 404 (a Jaeger without api/v3) it falls back,
//     for the life of the source, to GET /api/traces/{id}?raw=true (classic
//     Jaeger JSON, microsecond times). Raw: Jaeger's adjusters would
//     otherwise shift spans for clock skew and rewrite duplicate span ids.
//     The hint window, widened by WithHintMargin, becomes startTime/endTime
//     (start/end on the classic API); when the trace is not found inside
//     it, the lookup asks once more without it.
//   - File (ReadFile): the Jaeger UI's "Download JSON" ({"data": [{traceID,
//     spans, processes}]}), OTLP JSON (ExportTraceServiceRequest, one
//     document or one per line), or a saved api/v3 answer; Decode sniffs the
//     format.
//
// # Parameters
//
// Current Jaeger documents camelCase api/v3 parameters (rawTraces,
// startTime, endTime); earlier releases read only raw_traces, start_time
// and end_time and ignore the others. A source learns which form its Jaeger
// reads from status codes, on the first answer, and keeps it: a 400 to the
// camelCase lookup means snake_case; otherwise one more request, the
// snake_case lookup carrying rawTraces=not-a-boolean, is refused (400) by
// a Jaeger that reads camelCase and answered by one that ignores it (whose
// answer is then the lookup's). The first lookup of a source thus costs one
// request more; faults (no answer) decide nothing.
//
// # Normalisation
//
//   - Ids: lower-case hex, trace ids 32 digits (64-bit classic ids are
//     left-padded), span ids 16; base64 ids (generic protobuf JSON) are
//     converted. Spans with invalid ids are skipped.
//   - Service: the resource's service.name (OTLP), the process's
//     serviceName (classic).
//   - Error: status code ERROR (2 or "STATUS_CODE_ERROR"), or an error=true
//     tag or attribute; the status message (otel.status_description on the
//     classic API) is kept.
//   - Kind: server, client, internal, producer, consumer or "".
//   - Attributes: resource/process attributes, then span attributes (which
//     win), stringified; otel.scope.name is added from the OTLP scope. The
//     same apart, sorted by key: Own (the span's, the scope's) and Resource
//     (the resource's or process's, service.name included).
//   - Status: "error" as above, "ok" for status code OK (otel.status_code=OK
//     on the classic API), "" when unset.
//   - Events: OTLP span events, classic span logs (the "event" field is the
//     name, the other fields its attributes), in time order.
//   - Spans: sorted by start time, then span id; duplicates dropped.
//   - Times: UTC. OTLP keeps the nanoseconds the SDK recorded; the classic
//     API truncates them to microseconds.
//
// # Faults
//
// A lookup never hangs and never leaves a goroutine behind: each request is
// bounded (WithTimeout, default 5 s), the whole lookup too (default 12 s),
// and transient faults (connection refused or reset, a timed-out attempt,
// HTTP 429/502/503/504) are retried with exponential back-off (WithRetries,
// default 2 retries from 200 ms) while time remains; other answers are final.
// Errors are *Error values that say what failed in plain words:
//
//	jaeger at http://127.0.0.1:16686: unreachable (connection refused: is Jaeger running?) (3 attempts)
//	jaeger at http://127.0.0.1:16686: timed out after 5s waiting for an answer
//	jaeger at http://127.0.0.1:16686: answered HTTP 500 Internal Server Error: storage failure
//	jaeger at http://127.0.0.1:16686: answered something that is not Jaeger api/v3 JSON (…); it starts "<html>…"
//	jaeger at http://127.0.0.1:4318: has no Jaeger query API: … (is this the query service's port, 16686 by default?)
//
// and match, with errors.Is, ErrTraceNotFound, ErrInvalidTraceID,
// ErrUnavailable (unreachable, timeout, 5xx), ErrTimeout or ErrBadResponse
// (garbage, truncated JSON, unexpected status, no API), or context.Canceled.
// The decoders (DecodeV3, DecodeClassic, DecodeOTLP, Decode) return errors
// for malformed input and never panic; they are fuzzed.
package tracesource
