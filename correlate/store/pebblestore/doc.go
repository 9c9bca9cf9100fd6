// Package pebblestore is the correlator's embedded store: a store.Store on
// Pebble (CockroachDB's LSM key-value engine), in one data folder, with no
// server to run.
//
// # Layout
//
// Traced entries are kept whole and clustered by trace id, then time, then
// file and offset, so a trace's lines are one short range read. A second,
// tiny key space maps the low 64 bits of each 128-bit trace id to its high
// half, so that a decimal Datadog or B3 id finds the full trace. Untraced
// entries are kept compact (no raw line) in time order. Every key starts
// with a day bucket of the entry's time; retention deletes whole days with
// range deletions. Checkpoints live beside the entries and are written in
// the same Pebble batch as the entries they cover.
//
// Values store level, message, service and caller as references into the
// raw line when they occur in it, and Pebble compresses blocks with zstd
// by default (Options.Compression).
//
// # Concurrency
//
// Pebble locks the data folder: one process opens it at a time. Within the
// process a Store is safe for concurrent use.
//
// # Example
//
//	st, err := pebblestore.Open("/var/lib/correlate", pebblestore.Options{})
//	if err != nil { … }
//	defer st.Close()
//	ids, _ := store.ParseTraceID("4bf92f3577b34da6a3ce929d0e0e4736")
//	recs, err := st.Logs(ctx, ids...)
package pebblestore
