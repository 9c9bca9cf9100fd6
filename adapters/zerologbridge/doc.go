// Package zerologbridge writes the trace of a request into the zerolog lines
// written for it. A Hook reads the context.Context of each event and adds
// the span's fields under the chosen naming profiles (see package logbridge):
//
//	logger := zerolog.New(os.Stdout).Hook(zerologbridge.NewHook())
//	logger.Info().Ctx(ctx).Msg("form stored")
//	// {"level":"info","trace_id":"0af7…319c","span_id":"b7ad…3331","trace_flags":"01","message":"form stored"}
//
// # Where the context comes from
//
//	event context        logger.Info().Ctx(ctx)                  (zerolog ≥ 1.32; wins over the logger's)
//	logger context       logger.With().Ctx(ctx).Logger()         (every event of that logger)
//	request context      zerologbridge.Ctx(ctx).Info()           (the logger stored with Logger.WithContext, bound to ctx)
//
// zerolog.Ctx(ctx).Info() alone gives the stored logger without ctx, so its
// lines carry no trace (or the trace of the request that stored it): use
// zerologbridge.Ctx(ctx), or add .Ctx(ctx) to the event.
//
// # Cases
//
//	nil context, no span, all-zero span context   no trace fields (baggage members still copied)
//	remote span context (propagated traceparent)  fields written
//	unsampled span                                fields written, trace_flags "00" (GCP trace_sampled false)
//	disabled level or discarded event             the hook does not run; nothing is read from the context
//	hook installed twice, or two hooks            written once: a later hook finds the first key in the line
//	                                              and writes nothing (hooks of different profiles write each)
//	trace_id written by the caller                written again: the hook does not parse the caller's fields
//
// # Cost
//
// A span's fields are rendered as ready JSON from logbridge's template
// (logbridge.JSONTemplate, compiled from and checked against logbridge's
// own output) straight into the event's buffer, as Event.RawJSON would
// append them (and through RawJSON, from the stack, if a zerolog release
// hides that buffer): no per-byte escaping, and no allocation on any line,
// a span's first included. The bytes live in the event's buffer only, so a
// writer that buffers (ConsoleWriter, a diode writer) sees stable bytes.
// The duplicate check reads the bytes already encoded, and only when two hooks
// of this package run on one event. With zerolog's binary_log build tag
// (CBOR) the fields are written one by one with Event.Str and Event.Bool,
// and the duplicate check finds nothing.
package zerologbridge
