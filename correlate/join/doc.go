// Package join places the log records of one trace under the spans that
// wrote them, and says why the rest could not be placed.
//
//	tr, _ := src.Trace(ctx, id)          // traces.Trace from Jaeger or a file
//	recs, _ := st.Logs(ctx, id)          // []parse.Record of that trace
//	j := join.Join(tr, recs, join.WithSkewTolerance(time.Second))
//	for _, s := range j.Spans { … s.Logs … }
//	for _, o := range j.Orphans { … o.Reason … }
//
// Join is pure and fast: spans are indexed by id and, per service, swept in
// start order against the records in time order, so a 1,000-span trace with
// 10,000 records joins in a few milliseconds.
//
// # Rules
//
// A record is placed by the first rule that applies:
//
//   - exact: its span id is a span of the trace. It joins that span.
//   - inferred: it has a trace id only (no span id). It joins the innermost
//     span of its service (of any service when the record names none) whose
//     [start, end] holds the record's time. The record's time is read as the
//     window [Time, Time+TimePrecision): a line stamped "12:00:01" was written
//     somewhere in that second.
//   - ambiguous: it has a trace id only and the window does not single out
//     one span: several spans at the same depth hold it (overlapping
//     siblings), a deeper span overlaps only part of the window, or the
//     window is wider than the spans (a coarse timestamp). The record lists
//     the candidate span ids (at most MaxCandidates) and is attached to the
//     best candidate, so the line still shows in the tree: the deepest span
//     that surely holds the window (the latest started among equals), or,
//     when no span surely holds it, the outermost candidate. A record with no
//     time at all is ambiguous among its service's spans unless the service
//     has one span.
//
// A trace-only record whose time lies in no span of its service joins the
// nearest span of that service (inferred).
//
// A record that cannot be placed is an orphan with the likely reason, checked
// in this order:
//
//   - "unsampled": trace_flags 00; the service did not export the span.
//   - "trace unavailable": the trace source failed (WithSourceError); the
//     record is shown, the error says why.
//   - "not yet exported": the record is younger than the exporters' delay
//     (WithExportDelay, default 10 s): the span is probably still in a batch.
//     The caller may wait and join again.
//   - "trace missing": the source has no span of this trace at all.
//   - "dropped downstream": trace_flags 01 (sampled at the head) but the span
//     is absent while other spans of the trace exist, e.g. tail sampling or a
//     collector dropping spans.
//   - "span missing": anything else (no flags written, a span id from
//     another trace, a service that exported nothing).
//
// # Flags
//
// A placed record whose time window lies outside its span by more than the
// skew tolerance (WithSkewTolerance, default 1 s) is marked Skewed, with the
// distance in Skew; its time is never changed. A span in error that has no
// record at all is marked SilentError: something failed and said nothing.
// A failed client (or producer) span is not, when a child span (the server
// side of the call) holds records: the lines are there, one level down.
//
// # Reading order
//
// Lines and orphans come in time order, and Line.Pos numbers them across
// the trace. A time coarser than its neighbours' (whole seconds beside
// milliseconds) that a finer time falls within cannot be ordered by
// itself: it is marked Approx and sorts at the middle of its precision
// narrowed to its span, never before a line above it in its own file (see
// order.go). Order does the same for lines without spans.
package join
