// Package zapbridge writes the trace a zap log line belongs to into the line.
// The span comes from the context.Context given with the line, and the field
// names follow a logbridge profile (OTel's trace_id, span_id, trace_flags by
// default).
//
// # Set-up
//
// For JSON lines, NewJSONCore in place of zapcore.NewCore(zapcore.NewJSONEncoder(cfg), ws, enab):
//
//	logger := zap.New(zapbridge.NewJSONCore(zap.NewProductionEncoderConfig(), zapcore.Lock(os.Stdout), zap.InfoLevel))
//
// It writes zap's line byte for byte, with the trace fields after the line's
// other fields. For any other core (a console encoder, a tee, a sampler),
// NewCore wraps it:
//
//	logger := zap.New(zapbridge.NewCore(core))
//	logger := zap.New(zapbridge.NewCore(core, logbridge.WithProfile(logbridge.ECS),
//		logbridge.WithService("questionnaire"), logbridge.WithBaggage("trial_id")))
//
// For an existing logger, zapbridge.New(logger) wraps its core and gives the
// request-scoped form below.
//
// # Giving the context
//
// Any of these carries the request's context into a line:
//
//	logger.Info("form stored", zapbridge.Context(ctx))        // the cheapest
//	logger.Info("form stored", zap.Any("ctx", ctx))           // what contrib otelzap reads
//	sugar.Infow("form stored", "ctx", ctx)                    // the sugared logger
//	logger.With(zapbridge.Context(ctx)).Info("form stored")   // bound to a child logger
//	zapbridge.New(logger).Ctx(ctx).Info("form stored")        // like uptrace's otelzap
//
// Logger.Ctx returns a LoggerWithCtx, a small value whose Debug, Info, Warn,
// Error, DPanic, Panic, Fatal and Log check the level first and then write
// the line with the context, at no allocation beyond the bare zap call.
// Loggers derived by With, WithLazy, Named and WithOptions keep Ctx.
//
// # How each field is treated
//
//   - A field whose value is a context.Context (Context's, or a Stringer or
//     Reflect field from zap.Any, zap.Reflect, zap.Stringer, the sugared
//     logger) is never written: no encoder prints a context's chain of
//     values. Context's own field is a zapcore.SkipType field, so a logger
//     without the bridge ignores it too.
//   - A context with a valid span context (local, or remote from a propagated
//     traceparent; sampled or not) gives the profile's fields at the top level
//     of the line, and the service name if set. The configured baggage
//     members present in the context are written too, with or without a
//     span. A context without a valid span gives no trace fields, never zeros.
//   - When a line has several contexts, the last one counts. A line's context
//     with a valid span replaces the one bound by With for that line; a
//     line's context without a span leaves the bound span in place.
//   - A caller's top-level field whose key the bridge writes on that line (a
//     hand-written trace_id, say, or a baggage member's key) is dropped: the
//     bridge's value wins, and each key is written once. On a line where the
//     bridge does not write the key (no span, no such member), the caller's
//     field is written as given. This holds for fields bound by With too.
//   - Every other field passes through unchanged, in order; the caller's
//     slice is never modified.
//   - The trace fields stay at the top level when a zap.Namespace is open.
//     NewCore keeps the fields that With binds from a namespace on and
//     writes them after the trace fields on every line: they cost their
//     encoding per line instead of once at With. NewJSONCore has no such
//     cost.
//
// # Where the fields go
//
// NewCore writes the span's fields first among the line's own fields (after
// those bound by With), then the baggage members. NewJSONCore writes the
// line's fields as zap's JSON encoder does and then, before the closing
// brace, the span's fields and the baggage members.
//
// # Levels and cores
//
// A disabled level costs the wrapped core's level check and nothing else: no
// context is read. NewCore's Check asks the wrapped core's Check and writes
// each line through the entry that returned, so the cores of a
// zapcore.NewTee keep their own levels, a sampler beneath the bridge still
// samples, a core that prepares an entry in Check gets it, and write errors
// reach the logger's ErrorOutput as zap's own core reports them.
//
// # Cost
//
// NewJSONCore renders the span's fields from the span context as ready JSON
// (escaped once, when the core is built) and inserts them before the end of
// the line zap's encoder wrote: no line allocates, a span's first included,
// unless the fields are longer than 512 bytes. Baggage members are encoded
// by zap's encoder, at no allocation; so are the span's fields when the
// service name holds a character logbridge's template escapes otherwise
// than zap (a control character other than tab, newline and carriage
// return, or DEL), at one allocation on a span's first line.
//
// NewCore hands the span's fields to the wrapped core as one inline field
// that points to logbridge's immutable cache entry, and zap's encoder
// escapes them byte by byte. A line with a context and up to a few other
// fields adds no allocation once its span's ids are encoded, and one on a
// span's first line. A core that keeps fields after Write, such as
// zaptest/observer, copies the field list; the values it keeps never point
// into pooled memory. docs/BENCHMARKS.md has the figures.
package zapbridge
