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
// # Search index
//
// Every entry is also in a search space (s), per day and level rank
// (store.LevelRank), in groups: one key per write, file, rank and second
// of time, whose value lists each entry's time, offset and trace id,
// delta-encoded, with the group's services once (see storefmt/search.go).
// A search by window, service and level reads only those groups, a second
// at a time, newest first, and reads an entry (a point read) only to
// return it (see search.go). A search with text or field conditions reads
// candidates through that index up to a budget, then the window's entries
// in key order (scan.go). The groups hold a hundredth of the keys a key
// per entry would: the index adds 18% to the index's size and 4-9% to the
// CPU time of indexing (docs/BENCHMARKS.md); Options.NoSearchIndex leaves
// it out. A store records in its metadata
// that it has kept the index since it was created: one written before (or
// with NoSearchIndex, or with the earlier layout of a key per entry)
// answers Search with store.ErrNoSearchIndex, and is not converted in
// place; index the logs again into a new folder to search them.
//
// A traced entry's value is its raw line, its line number and file, and
// only those fields that parsing the raw line again would not give back
// (see storefmt/codec.go); a record the parser marks parse.Record.FromLine is stored
// without being parsed a second time. Pebble compresses 128 KiB blocks with
// zstd by default (Options.Compression).
//
// # Bulk loading
//
// With Options.BulkLoad (what `correlate index` uses) each entry is
// written once, straight into the last level (see bulk.go): encoded runs
// are spilled to files by part of the key space (trace id bits; time of
// day for untraced entries), and when the load ends each part is sorted
// in memory and written as last-level tables; the parts are disjoint, so
// all of them and the checkpoints are ingested in one atomic step, with
// no compaction after. Nothing of a load is visible or durable before it
// ends (or before an epoch of Options.BulkEpochBytes ends): a kill throws
// the load away, and the next run reads it again from the last ingested
// checkpoints. The spill files take about as much disk as the log lines,
// in the data folder, until the load ends.
//
// # Memory of an idle service
//
// Pebble keeps the memtable being filled and one flushed memtable for
// reuse (Options.MemTableBytes each) for as long as a store is open.
// ReleaseMemory, which `serve` calls once writes have stopped for 30 s,
// flushes the store, closes it and opens it again under the folder's
// lock, which it holds from Open to Close, so that no other process opens
// the folder meanwhile; it waits while a method is using the store or a
// commit, flush or compaction runs. The store starts again with a small
// memtable that grows with the next writes.
//
// # Format
//
// A new store is created at Pebble's newest format (pebble.FormatNewest);
// a writable open ratchets an older store up to it, as Pebble migrates its
// own folders, and a read-only open leaves the folder unchanged. Pebble
// reads its tables itself: nothing else depends on their layout.
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
