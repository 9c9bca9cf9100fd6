// Package store defines what the correlator keeps of the log lines it reads
// and the small interfaces through which ingest writes them and lookups,
// joins and views read them back. A backend (store/pebblestore, the
// embedded default; store/chstore, ClickHouse) implements them.
//
// # What is kept
//
// Every entry the parser emits is kept:
//
//   - entries that carry a trace id, in full (every Record field, the raw
//     line included), clustered by trace id and ordered by time, so that a
//     trace's lines come back in one range read and survive the rotation,
//     compression and deletion of their source file;
//   - entries without a trace id in a compact form (time, level, service,
//     caller, message cut to UntracedMsgBytes, file, line, offset; no raw
//     line), ordered by time, for coverage reports and time-range views;
//   - one Checkpoint per file, written in the same atomic write as the
//     entries it covers;
//   - where the store is a Searcher, a time-ordered index over every entry
//     (search.go), so that the entries of a window, service and level
//     come back newest first without reading the others.
//
// # Trace ids
//
// A trace id is 128 bits. Loggers that know only 64 bits (a legacy 16-hex
// Jaeger id, Datadog's decimal dd.trace_id, a B3 64-bit id) yield records
// whose high half is zero; a lookup of a full 128-bit id also returns
// those whose low half matches, and a lookup of a 64-bit id (ParseTraceID
// of 16 hex digits or a decimal number) returns every 128-bit trace whose
// low half it is.
//
// # Idempotence
//
// An entry's key is a function of its file (Checkpoint.FileID) and byte
// offset, so writing the same entries again (a restart that re-reads from
// the last checkpoint) overwrites them instead of adding duplicates.
//
// # Retention
//
// Entries expire by age: Expire drops what is older than the retention
// before the newest entry time the store has seen (as Prometheus measures
// block age), so indexing an old backlog does not delete it on arrival.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/traceline/traceline/correlate/parse"
)

// UntracedMsgBytes caps the message kept of an entry without a trace id.
const UntracedMsgBytes = 512

// ErrNotFound is returned (wrapped) by Reader.Logs when no entry carries
// the trace id.
var ErrNotFound = errors.New("no such trace in the index")

// ErrEmpty is returned (wrapped) by Reader.Logs when the store holds no
// entries at all.
var ErrEmpty = errors.New("the index is empty")

// Entry is a Record as written to a store: the parsed record and the time
// it sorts by.
type Entry struct {
	parse.Record
	// At is the time the entry sorts by: Record.Time, or, for an entry
	// without a time, the At of the entry before it in the same file (the
	// file's first-seen time when there is none). Ingest sets it so that a
	// re-read from a checkpoint yields the same At again.
	At time.Time
}

// Checkpoint says how much of one file is in the store. It is written in
// the same atomic write as the entries read before Offset.
type Checkpoint struct {
	// FileID names the file in entry keys: the fingerprint it had when it
	// was first seen. It never changes, even when the fingerprint grows.
	FileID uint64
	// Fingerprint is a hash of the host name and the first FingerprintLen
	// bytes of the (decompressed) file; FingerprintLen is below the
	// fingerprint size only while the file is shorter than that.
	Fingerprint    uint64
	FingerprintLen int
	// Dev and Inode identify the file on its machine, where the system
	// gives them (zero otherwise): of two files whose first bytes match
	// the fingerprint, the one with this inode is this file while it
	// still holds what was read (Mark).
	Dev   uint64 `json:",omitempty"`
	Inode uint64 `json:",omitempty"`
	// Mark is a hash of the MarkLen bytes before Offset (0: none): it
	// tells whether the file at Path still holds what was read.
	Mark    uint64 `json:",omitempty"`
	MarkLen int    `json:",omitempty"`
	// Path is where the file was last read.
	Path string
	// Offset is the byte offset (in the decompressed content) to resume
	// reading at, Line the 1-based number of the line that starts there.
	Offset int64
	Line   int64
	// LastAt is the At of the last entry before Offset; a resumed reader
	// gives it to entries without a time.
	LastAt time.Time
	// Created is when the file was first seen; Updated when this
	// checkpoint was written.
	Created, Updated time.Time
	// Done is set when a compressed (hence finished) file was read to its
	// end: it is not opened again.
	Done bool
}

// Writer is what ingest needs of a store.
type Writer interface {
	// Checkpoints returns every file's checkpoint.
	Checkpoints(ctx context.Context) ([]Checkpoint, error)
	// Write stores the entries of one file and its new checkpoint
	// atomically: after a crash either both are there or neither is.
	// Entries may be empty (a checkpoint alone). The store may keep the
	// entries' strings but not the slice.
	Write(ctx context.Context, entries []Entry, cp Checkpoint) error
}

// SyncWriter is a Writer that can make one write durable against power
// loss before it returns. Push ingest needs it: its 2xx answer promises
// that the lines survive a crash, and unlike a followed file nothing can
// read them again. Concurrent WriteSync calls may share one sync.
type SyncWriter interface {
	Writer
	// WriteSync is Write, durable (synced to disk) when it returns nil.
	WriteSync(ctx context.Context, entries []Entry, cp Checkpoint) error
}

// Reader is what lookups, joins and views need of a store.
type Reader interface {
	// Logs returns every entry carrying one of ids, in time order (At,
	// then file, then offset). It returns an error wrapping ErrEmpty or
	// ErrNotFound when there is nothing to return.
	Logs(ctx context.Context, ids ...TraceID) ([]parse.Record, error)
	// Range calls fn for every entry with from <= At < to (a zero time
	// leaves that end open), traced (complete) and untraced (compact, Raw
	// empty) alike, until fn returns false. Order: by day; within a day the
	// untraced entries in time order, then the traced ones grouped by trace,
	// each trace in time order. Coverage reports and exports use it;
	// lookups use Logs.
	Range(ctx context.Context, from, to time.Time, fn func(e *Entry) bool) error
	// Stats describes the store.
	Stats(ctx context.Context) (Stats, error)
}

// Store is a Writer and a Reader that can expire old entries.
type Store interface {
	Writer
	Reader
	// Expire drops entries older than the retention before the newest
	// entry time seen, and returns how many time buckets it dropped.
	Expire(ctx context.Context, retention time.Duration) (int, error)
	Close() error
}

// Stats describes a store's content.
type Stats struct {
	Files         int       // checkpoints
	Oldest        time.Time // start of the oldest time bucket held
	Newest        time.Time // newest entry time seen
	SizeBytes     int64     // bytes on disk
	LiveBytes     int64     // bytes of live data (excluding obsolete files)
	Buckets       int       // time buckets held
	Compression   string    // compression of the data blocks
	DataDirectory string
}
