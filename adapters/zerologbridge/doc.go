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
//	event context        logger.Info().Ctx(ctx)                  (wins over the logger's)
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
//	hook installed twice, or two hooks            each run writes the fields (a Hook cannot read what an
//	  of one profile                              event holds); behind a Writer the line has them once
//	trace_id written by the caller                the line has both; behind a Writer only the span's
//	                                              (ours win), and without a valid span the caller's
//	baggage member written twice (hook twice, or  kept twice; behind a Writer only the Hook's
//	  the caller's field of the same name)        (ours win), when the context carries it
//
// # Exactly once: the Writer
//
// A Hook sees an event only through zerolog's public API, which cannot read
// the fields already written. A logger that may carry the hook twice, or
// whose callers may write a trace key themselves, writes through a Writer
// made with the same options: zerolog hands it each line whole, and it drops
// every top-level field under a key the Hook writes except the ones the Hook
// wrote last (its span fields, recognised as the run of members with the
// Hook's keys in order, and the baggage members right after them). A line in which no such key is repeated, the usual
// line, is passed on without a copy:
//
//	logger := zerolog.New(zerologbridge.NewWriter(os.Stdout)).Hook(zerologbridge.NewHook())
//
// # Cost
//
// A span's fields are rendered from logbridge's template (compiled from and
// checked against logbridge's own output) into a buffer on the hook's
// stack, and written with one Event.RawJSON call: no per-byte escaping, and
// no allocation on any line, a span's first included. With zerolog's
// binary_log build tag (CBOR) the fields are written one by one with
// Event.Str and Event.Bool, and a Writer passes lines on unchanged.
package zerologbridge
