// Package slogbridge writes the trace of a request into the log/slog records
// written for it. NewHandler wraps any slog.Handler; each record logged with
// a context (InfoContext, Log, LogAttrs) gets the span's fields under the
// chosen naming profiles (see package logbridge), top-level:
//
//	logger := slog.New(slogbridge.NewHandler(slog.NewJSONHandler(os.Stdout, nil)))
//	logger.InfoContext(ctx, "form stored", "form", "PHQ-9")
//	// {"time":"…","level":"INFO","msg":"form stored","form":"PHQ-9","trace_id":"0af7…319c","span_id":"b7ad…3331","trace_flags":"01"}
//
// For slog's JSONHandler, NewJSONHandler writes the same lines faster:
//
//	logger := slog.New(slogbridge.NewJSONHandler(os.Stdout, nil))
//
// slog's JSONHandler formats each line and the span's fields are written in
// before its closing brace from a template of ready JSON, instead of joining
// the record as attributes that are escaped byte by byte on every line; an
// open group costs nothing more either. See NewJSONHandler for when it
// takes NewHandler's path instead.
//
// # Record conversion
//
//	context of the call with a valid span     trace fields after the record's attributes
//	remote span context (traceparent)         trace fields
//	unsampled span                            trace fields, trace_flags "00" (GCP trace_sampled false)
//	nil context, no span, all-zero span       no trace fields (baggage members still copied)
//	slog.Any("ctx", ctx) in the record        not written; its span is used when the call's context has none
//	logger.With("ctx", ctx)                   not written; its span is used when neither of the above has one
//	a context nested in a group               removed from the group; an emptied group is dropped
//	WithGroup("g")                            the caller's attributes go under g; trace fields stay top-level
//	caller's top-level attribute under a key  dropped when the line carries our field of that key
//	  of ours (trace_id, span_id, …)          (ours win: each key once); written as given otherwise
//	the same key inside a named group         written as given: g.trace_id is not trace_id
//	disabled level                            Handle is not called: nothing is read from the context
//	LogValuer, Stringer                       passed on unresolved: the next handler resolves them
//
// A caller's attribute is top-level when it is the record's or added by
// With before any WithGroup; the members of a group with an empty key are
// inlined (slog's rule). A group named like a field of ours, from WithGroup
// or slog.Group, is dropped whole on a line that carries that field. The
// trace, span, flags and service fields are carried on a line with a valid
// span, a baggage member whenever the context holds it.
//
// # Records are not shared
//
// Handle never changes the caller's record: it adds to a Clone (slog.Record
// copies share the array of attributes past the fifth), or builds a new
// record when groups are open. The trace values are immutable strings, so a
// handler that keeps records after Handle returns sees the right values.
//
// # Cost
//
// With no open group and up to two attributes of its own, a record has room
// for the three OTel fields inline: once a span's ids are encoded (by its
// first line, one allocation) the handler adds none. More attributes, more
// fields (service, several profiles, baggage) or an open group cost slog's
// own allocation of the record's overflow array or the nested group.
// NewJSONHandler adds no allocation in any of these cases, on a span's
// first line neither.
package slogbridge
