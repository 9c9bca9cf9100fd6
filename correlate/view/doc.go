// Package view renders a joined trace (join.Trace) for people and for
// programs.
//
//	view.Text(os.Stdout, j, view.TextOptions{Color: view.IsColorTerminal(os.Stdout)})
//	view.JSON(os.Stdout, j)
//	view.Merged(os.Stdout, j, view.TextOptions{})
//
// # Views
//
//   - Text: the span tree as a waterfall. One row per span, children under
//     their parent, indented by depth: a bar showing where the span starts
//     and how long it lasts relative to the trace, its duration, service and
//     name, and an ERROR marker (with "no log lines" for a silent error).
//     Each span's log lines follow it, with their offset from the trace's
//     start, level and message; inferred, ambiguous and skewed lines say so.
//     Orphans are listed last with their reason.
//   - JSON: the fixed object of `correlate trace --format json` and
//     `/api/v1/traces/{id}`:
//     {"trace_id","spans":[{"span_id","parent_span_id","service","name",
//     "start","duration_ms","error","logs":[line+"match"]}],
//     "orphans":[line+"reason"]}. A line object is parse.Record.AppendJSON's
//     (file, line, trace_id, span_id, time, level, msg, service, …). Extra
//     keys: span "kind", "status" ("ok" or "error"; absent when unset),
//     "status_message", "silent_error", "attributes" (the span's own, an
//     object of strings), "resource" (its resource's or process's),
//     "events" ([{"time","name","attributes"}], time order); line
//     "candidates" (ambiguous), "skewed" and "skew_ms", "time_approx" (a
//     time too coarse to order the line by), and "pos" on lines and orphans
//     (the place in the trace's reading order; see package join); top-level
//     "source_error" when the trace source failed. Spans are in start order,
//     lines in reading order, "spans" and "orphans" are never null.
//   - Merged: every line of the trace in time order, each with the span it
//     sits under (or its orphan reason): the story as the services told it.
//     MergedJSONL is the same as JSON lines.
//
// Colour is used only when TextOptions.Color is set; IsColorTerminal says
// whether a file is a terminal and NO_COLOR is unset (https://no-color.org).
package view
