// Package otlptee holds no code. Its tests prove that one logging call both
// writes the local, grep-able JSON line with Traceline's trace fields and
// emits an OpenTelemetry log record whose TraceId, SpanId and TraceFlags are
// set, when a Traceline adapter runs beside a contrib OTLP bridge. The
// records are read back through the OTel log SDK (a LoggerProvider with a
// simple processor and an in-memory exporter), not through our own code.
//
// It is a module of its own so that the contrib bridges and the log SDK
// never enter the library's go.mod.
//
// # zap: zapbridge in a zapcore.NewTee with contrib otelzap
//
//	logger := zap.New(zapcore.NewTee(
//		zapbridge.NewCore(zapcore.NewCore(zapcore.NewJSONEncoder(cfg), os.Stdout, zap.InfoLevel)),
//		otelzap.NewCore("questionnaire", otelzap.WithLoggerProvider(provider)),
//	))
//	logger.Info("form stored", zapbridge.Context(ctx))  // or zap.Any("ctx", ctx)
//
// Both cores read the context from the same field: zapbridge writes
// trace_id, span_id and trace_flags into the JSON line and never prints the
// context; otelzap takes any field whose value is a context.Context as the
// record's context, from which the SDK sets TraceId, SpanId and TraceFlags.
//
// # slog: slogbridge beside contrib otelslog
//
//	logger := slog.New(slog.NewMultiHandler(
//		slogbridge.NewHandler(slog.NewJSONHandler(os.Stdout, nil)),
//		otelslog.NewHandler("questionnaire", otelslog.WithLoggerProvider(provider)),
//	))
//	logger.InfoContext(ctx, "form stored")
//
// slog.NewMultiHandler is Go 1.26's; on older Go any handler that calls
// each of its handlers with the record's context does the same.
//
// # What is checked
//
//	call                               JSON line                         OTel record
//	span in ctx, sampled               trace_id, span_id, trace_flags 01  TraceId, SpanId, TraceFlags sampled
//	span in ctx, not sampled           same, trace_flags 00              same ids, TraceFlags 0
//	no span                            no trace fields                   zero ids
//	context as a field (zap)           never printed                     never an attribute
package otlptee
