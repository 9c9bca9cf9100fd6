// Package zapbridge writes the trace a zap log line belongs to into the line.
// It wraps any zapcore.Core; the span comes from the context.Context given
// with the line, and the field names follow a logbridge profile (OTel's
// trace_id, span_id, trace_flags by default).
//
// # Set-up
//
// One line where the logger is built:
//
//	logger := zap.New(zapbridge.NewCore(core))
//	logger := zap.New(zapbridge.NewCore(core, logbridge.WithProfile(logbridge.ECS),
//		logbridge.WithService("questionnaire"), logbridge.WithBaggage("trial_id")))
//
// or, for an existing logger, zapbridge.New(logger), which also gives the
// request-scoped form below. For JSON lines, NewJSONEncoder in place of
// zapcore.NewJSONEncoder makes the trace fields cheaper to write:
//
//	enc := zapbridge.NewJSONEncoder(zap.NewProductionEncoderConfig())
//	logger := zap.New(zapbridge.NewCore(zapcore.NewCore(enc, zapcore.Lock(os.Stdout), zap.InfoLevel)))
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
//
// # How each field is treated
//
//   - A field whose value is a context.Context (Context's, or a Stringer or
//     Reflect field from zap.Any, zap.Reflect, zap.Stringer, the sugared
//     logger) never reaches the wrapped core: no encoder prints a context's
//     chain of values. Context's own field is a zapcore.SkipType field, so a
//     logger without the bridge ignores it too.
//   - A context with a valid span context (local, or remote from a propagated
//     traceparent; sampled or not) gives the profile's fields at the top level
//     of the line, before the line's other fields, followed by the configured
//     baggage members. A context without one gives no trace fields, never zeros.
//   - When a line has several contexts, the last one counts. A line's context
//     with a valid span replaces the one bound by With for that line, without
//     writing any key twice; a line's context without a span leaves the bound
//     span in place.
//   - A line's own field whose key the bridge writes on that line (trace_id,
//     say, added by hand) is dropped in favour of the bridge's value. Fields
//     bound by With are encoded by the wrapped core at With time and are left
//     as they are.
//   - Every other field passes through unchanged, in order; the caller's
//     slice is never modified.
//   - The trace fields stay at the top level when a zap.Namespace is open.
//     A namespace in the line comes after them. Fields that With binds from
//     a namespace on are kept by the bridge instead of the wrapped core, and
//     written after the trace fields on every line: they cost their encoding
//     per line instead of once at With.
//
// # Levels and cores
//
// A disabled level costs the wrapped core's level check and nothing else: no
// context is read. Check asks the wrapped core which cores want the entry
// and writes to exactly those, so the cores of a zapcore.NewTee keep their
// own levels, a sampler beneath the bridge (zap.NewProduction's) still
// samples, the logger's caller and stack reach the line, and write errors
// reach the logger's ErrorOutput.
//
// # Cost
//
// The span's fields are encoded once per span (logbridge caches them) and
// handed to the encoder as one inline field that points to the immutable
// cache entry; the rewritten field list lives in pooled scratch space, which
// also remembers the last context it looked up, so the lines of one request
// usually skip even the span lookup. Zap's JSON encoder escapes that field's
// keys and values byte by byte (~135 ns for the OTel profile's three).
// A line with a context and up to a few other fields adds no allocation once
// its span's ids are encoded, and at most one on a span's first line. A core
// that keeps fields after Write, such as zaptest/observer, copies the field
// list, and the values it keeps never point into pooled memory.
//
// Over a core made by zapcore.NewCore with NewJSONEncoder's encoder, nothing
// keeps fields, so the bridge hands over the line's span context instead
// (from its scratch space) and the encoder renders the fields from
// logbridge's template straight into the finished line: no span is encoded
// ahead, and no line allocates, a span's first included (for the usual
// profiles; many profiles with a long service name, baggage or a service
// name needing escapes take the encoded path). When the line's only context
// is a Context field, the bridge encodes and writes the line itself, as
// that core's Write would, without rewriting the field list.
// docs/BENCHMARKS.md has the figures.
package zapbridge
