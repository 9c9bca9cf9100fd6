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
// A traced entry's value is its raw line, its line number and file, and
// only those fields that parsing the raw line again would not give back
// (see codec.go); a record the parser marks parse.Record.FromLine is stored
// without being parsed a second time. Pebble compresses 128 KiB blocks with
// zstd by default (Options.Compression).
//
// # Bulk loading
//
// With Options.BulkLoad (what `correlate index` uses) entries bypass the
// memtable: each run of Options.BulkRunBytes is sorted, written as an
// sstable together with the checkpoints it reaches, and ingested in one
// atomic step while the next run fills; level-0 compactions wait for the
// final Compact. Each byte is then compressed twice in all (fast MinLZ into
// level 0, zstd by the final compaction) instead of once per memtable flush
// and again at every compaction that the random trace ids make overlap.
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
