// Package chstore is the correlator's store on ClickHouse: a store.Store for
// a fleet, where several stateless correlator replicas write the lines of
// their own nodes and any of them answers any lookup. It speaks only
// ClickHouse's HTTP interface (plain net/http, no driver), with SQL that runs
// unchanged on 18.16 (Debian's package) and on current releases.
//
//	st, err := chstore.Open(ctx, chstore.Config{
//		Shards:   []string{"http://ch1:8123", "http://ch2:8123"},
//		Cluster:  "logs",                    // names both in remote_servers
//		SpoolDir: "/var/lib/correlate/spool", // batches wait here while a shard is down
//	})
//	if err != nil { … }
//	defer st.Close()
//	ids, _ := store.ParseTraceID("4bf92f3577b34da6a3ce929d0e0e4736")
//	recs, err := st.Logs(ctx, ids...)
//
// # Schema
//
// Open creates, on every shard, database Config.Database (default
// "traceline") and three ReplacingMergeTree tables, each partitioned by UTC
// day (toYYYYMMDD(at)):
//
//   - entries_local: entries with a trace id, every Record field and the raw
//     line, ORDER BY (trace_lo, trace_hi, at, at_ns, file, offset). The low
//     64 bits come first: they are as random as the whole id, and a lookup
//     of a 64-bit id (Datadog, B3; store.TraceID.Only64) or of a 128-bit id
//     together with its 64-bit-only lines (trace_hi = 0) is then one primary
//     key range either way, with no side index.
//     Its index granule is 1024 rows (not 8192): a lookup reads a few
//     small granules instead of one large one.
//   - untraced_local: entries without a trace id, compact (no raw line,
//     message cut to store.UntracedMsgBytes), ORDER BY (at, at_ns, file,
//     offset), for coverage and Range.
//   - checkpoints_local: one row per write of a file's checkpoint (JSON),
//     versioned by its Updated time.
//
// Times are a DateTime('UTC') column (seconds) plus at_ns (nanoseconds within
// the second); strings are String. With Config.Cluster set, a Distributed
// table over the cluster sits beside each (entries, untraced, checkpoints),
// sharded by trace_lo, file and file.
//
// # Sharding
//
// Rows are placed by the correlator itself: a traced entry goes to shard
// trace_lo mod N (Config.Shards order, equal weights, which is what the
// Distributed table's sharding key computes too), an untraced entry and a
// checkpoint to shard file mod N. Writing to the shard tables directly
// rather than through the Distributed table with insert_distributed_sync=1
// keeps the write path free of the initiator's fan-out and of its
// asynchronous queue, makes a failure name the shard that failed, and
// needs no interserver traffic. Logs goes straight to the one shard that
// owns each id's low half, so a lookup touches one server, and while one
// shard is down the traces of the others are still found. Range reads
// through the Distributed tables of the first shard that answers; when a
// shard is down it fails with a *ShardError naming every shard that does
// not answer /ping.
//
// # Search
//
// Search (store.Searcher) queries both entry tables through the
// Distributed tables, newest first, with the window, service, level and
// text conditions in SQL and field conditions applied here; days outside
// the window are skipped by partition, and within a day's parts the
// untraced table's primary key is time. It reads in two passes: the
// first orders only the matching rows' keys, trace ids, levels and
// services (an IndexOnly search, as the list of failures makes, stops
// there); the second reads the page's rows whole, by primary key. Sorting
// whole rows would read the message and raw line of every matching row.
// There is no time-ordered copy of the traced rows: 18.16 has no skip
// indexes, and such a copy would add to what every write sends; so a
// search scans the key columns of the window's days, and its time grows
// with a day's entries (docs/BENCHMARKS.md).
//
// FirstPages (store.FirstPager) reads the first page of many traces in
// one query per shard (LIMIT … BY the trace id's halves): the list of
// failures reads a hundred traces' lines in one round trip.
//
// # Guarantee: no transactions, no loss, no duplicates
//
// ClickHouse has no transactions, so the embedded store's atomic
// checkpoint is replaced by ordering and idempotence:
//
//   - Every row's key is (file, offset): the file id is the fingerprint of
//     the host name and the file's first bytes (store.Checkpoint.FileID),
//     so two nodes' app.log never collide, and a re-read of a file yields
//     identical rows.
//   - Write inserts the batch's entries on every shard concerned and only
//     then, when all succeeded, the checkpoint. So a checkpoint read back by
//     Checkpoints never covers an entry ClickHouse lacks: after a crash or a
//     failed Write the reader resumes at or before the first missing entry.
//     What it re-sends is written twice, never lost.
//   - Duplicates are removed at read time: Logs and Range order by (at,
//     at_ns, file, offset), where the copies of a row are adjacent, and
//     keep one; ReplacingMergeTree also merges them away in the background.
//     Checkpoints takes argMax(cp, updated) per file.
//
// The guarantee is at-least-once storage with exactly-once reads, for a
// writer that calls Write in file order, one batch of a file at a time
// (as ingest does), and resumes from Checkpoints. A
// replica restarted on another machine resumes from what ClickHouse holds
// (plus its own spool, if it kept the folder).
//
// # Faults and the spool
//
// Without Config.SpoolDir, a Write that cannot reach a shard returns an
// error wrapping ErrUnavailable (and a *ShardError naming the shard): the
// caller retries the same batch. With it, the batch is written to a file in
// that folder (synced, renamed into place) and Write returns nil; while the
// spool holds anything, later batches go there too, so they reach
// ClickHouse in the order written. A background loop sends the oldest batch
// until it succeeds (backing off to 5s), then deletes its file. A resend
// after a partial success only repeats rows, which reads collapse. The
// spool is capped at Config.SpoolBytes; beyond it Write returns an error
// wrapping ErrSpoolFull and ErrUnavailable, and the caller must hold back.
// Checkpoints includes the checkpoints of spooled batches. A batch that
// ClickHouse rejects outright (bad data, not unavailability) is moved to
// SpoolDir/rejected.
//
// # Deleting a trace
//
// DeleteTrace forgets a trace's lines on request (privacy): an ALTER TABLE
// entries_local DELETE mutation on every shard, awaited until done, and
// the same lines taken out of the spool. A mutation rewrites the table's
// parts; it suits occasional requests, not bulk deletion (that is what
// retention is for).
//
// # Retention
//
// Expire drops, on every shard, the day partitions of the entry tables
// that ended more than the retention before the newest entry time held
// (ALTER TABLE … DROP PARTITION), like the embedded store drops whole days.
//
// # Newer ClickHouse features avoided
//
// The same SQL must run on 18.16, which rejects or lacks these; each has a
// portable replacement here:
//
//   - DateTime64: DateTime plus a UInt32 nanoseconds column.
//   - TTL (table and column): partition drops by Expire.
//   - CODEC(...) and LowCardinality(String) (the latter needs a flag on
//     18.16): plain String with the default LZ4 compression.
//   - Data-skipping indexes (INDEX … TYPE bloom_filter): the primary key
//     order makes trace-id lookups a key range instead.
//   - Map and JSON/Object columns: the record's fields are fixed columns.
//   - Lightweight DELETE and transactions: idempotent keys,
//     ReplacingMergeTree and read-time deduplication.
//   - mutations_sync: DeleteTrace (an ALTER … DELETE mutation, which 18.16
//     has but runs in the background) waits on system.mutations instead.
//   - ON CLUSTER DDL (needs ZooKeeper/Keeper): Open runs the DDL on each
//     shard.
//   - DROP PARTITION ID and the partition_id column: partitions are
//     toYYYYMMDD numbers, dropped by value.
//   - Native-protocol drivers (clickhouse-go v2 batch inserts and its HTTP
//     mode fail against 18.16): INSERT … FORMAT JSONEachRow and SELECT …
//     FORMAT TabSeparated over HTTP work on every version. Strings are
//     written with only '"', '\\' and control bytes escaped and read back
//     from TabSeparated, so invalid UTF-8 survives byte for byte.
package chstore
