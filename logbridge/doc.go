// Package logbridge turns the span context carried by a context.Context into
// log fields, under one naming profile, for every logger Traceline adapts
// (zap, zerolog, log/slog, go-zero logx). Services do not call it directly:
// they use an adapter, which calls it once per log line.
//
// # Set-up
//
// Every adapter takes the same options:
//
//	logger := zap.New(zapbridge.NewCore(core))                                 // OTel keys
//	logger := zap.New(zapbridge.NewCore(core, logbridge.WithProfile(logbridge.ECS)))
//	h := slogbridge.NewHandler(next, logbridge.WithService("questionnaire"),
//		logbridge.WithBaggage("trial_id"))
//
// # The line
//
// A context with a valid span context (a local span, or a remote one taken from
// a propagated traceparent) always gives the fields, sampled or not: an
// unsampled request is still grep-able, and the flags say why the trace store
// lacks it. A context without one gives no trace fields at all, never zeros.
//
//	profile   trace                           span                            sampled
//	OTel      trace_id (32 hex)               span_id (16 hex)                trace_flags ("01" / "00")
//	ECS       trace.id                        span.id                         —
//	Datadog   dd.trace_id (32 hex)            dd.span_id (decimal uint64)     —
//	GCP       logging.googleapis.com/trace    logging.googleapis.com/spanId   logging.googleapis.com/trace_sampled (bool)
//	          = projects/P/traces/ID
//	GoZero    trace                           span                            —
//
// WithService writes the service name under service.name (OTel, ECS),
// dd.service (Datadog), serviceContext.service (GCP) or service (GoZero).
// WithProfile accepts several profiles; a key two profiles share is written
// once. WithBaggage copies the named W3C baggage members, as plain strings cut
// to a bounded length, because baggage arrives from the client.
//
// # Cost
//
// The adapters encode a span's fields once, in one allocation, and hand the same
// immutable strings to every later line of that span: the common path of an
// adapter adds no allocation. The strings never alias pooled or reused memory,
// so a core or handler that keeps them after the call stays correct.
package logbridge
