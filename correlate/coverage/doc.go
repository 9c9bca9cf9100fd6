// Package coverage finds where services drop the trace context: call sites
// that write log lines without a trace id while their process is serving a
// traced request. The classic cause is work moved to a goroutine (or a
// callback, or a helper) that was not handed the request's ctx:
//
//	go func() { log.Info("sending confirmation") }() // no ctx: no trace id
//
// # Definitions
//
//   - A process is a service and the file it logs to (Record.Service and
//     Record.File): replicas writing to their own files are separate.
//   - A traced line carries a trace id (sampled or not: the context was
//     there). Each trace seen in a process spans, in that process, the
//     interval from its first to its last traced line (widened by
//     WithSlack on both sides).
//   - An untraced line is inside a traced request when its time lies in
//     the interval of at least one trace of its own process.
//   - A call site is the caller (file:line) when the logger writes it, else
//     the message template: the first line of the message with quoted
//     values, numbers, ids and anything holding a digit replaced, so
//     "user 42 saved 'x.pdf'" and "user 7 saved 'y.pdf'" are one site.
//     Sites are per service.
//
// # Report
//
// Sites are ranked by how many untraced lines they wrote inside traced
// requests. A site also seen WITH trace ids is the sharpest signal (the
// same code runs with and without the context: some path drops it); it is
// marked. Each site keeps an example of each kind (file:line and message).
// Services that never write the caller are named, with how to turn callers
// on: zerolog `zerolog.New(w).With().Caller().Logger()` (or `.Caller()` on
// an event), slog `slog.HandlerOptions{AddSource: true}`, zap
// `zap.New(core, zap.AddCaller())` (zap.NewProduction has it on).
//
// # Cost
//
// Analyze reads the records twice, in time order: first the traced lines
// (to build each process's merged request intervals), then every line,
// each checked against a cursor into its process's sorted intervals. Memory
// is proportional to the traces and call sites, not to the lines.
package coverage
