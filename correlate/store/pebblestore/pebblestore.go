package pebblestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/sstable/block"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
)

// Compression names accepted by Options.Compression.
const (
	CompressionZstd   = "zstd"   // zstd level 1 in 128 KiB blocks: smallest index (the default)
	CompressionSnappy = "snappy" // Pebble's default: faster, about a third larger
	CompressionMinLZ  = "minlz"
	CompressionNone   = "none"
)

// Options configure a Store. The zero value is usable.
type Options struct {
	// ReadOnly opens an existing store for reading only; it fails when the
	// folder holds no store.
	ReadOnly bool
	// Compression of sstable blocks: CompressionZstd (default),
	// CompressionSnappy, CompressionMinLZ or CompressionNone.
	Compression string
	// CacheBytes is the block cache size (default 64 MiB).
	CacheBytes int64
	// MemTableBytes is the memtable size (default 16 MiB with the
	// write-ahead log, 64 MiB without, or a 40th of the file system when
	// that is less, at least 256 KiB). Write keeps
	// room for two memtables free on the file system, for the
	// write-ahead log: a default store keeps at most 5% of it free.
	MemTableBytes uint64
	// Sync makes every Write durable against power loss (fsync). Without
	// it a Write survives a crash of the process (kill -9), not of the
	// machine; Close always syncs.
	Sync bool
	// Untraced says how entries without a trace id are kept: "compact"
	// (default), "full" (raw line too) or "none".
	Untraced string
	// DisableWAL skips Pebble's write-ahead log: for one-shot bulk
	// indexing, which writes every byte once less and leaves no log files
	// behind. A crash then loses the writes since the last memtable flush,
	// but never splits an entry batch from its checkpoint (a batch lives in
	// one memtable), so a restart re-reads from the last flushed
	// checkpoint. Close flushes.
	DisableWAL bool
	// NoSearchIndex leaves out the search index (store.Searcher): an
	// index about a sixth smaller and a few percent less CPU to index;
	// Search then answers store.ErrNoSearchIndex, as it does on a store
	// once written without the index.
	NoSearchIndex bool
	// BulkLoad writes entries straight into the last level, for a
	// one-shot load (see bulk.go): runs are spilled to files by part of
	// the key space, and each part is sorted and written as final tables
	// when the load ends. Nothing written is visible, or durable, until
	// then; any read ends the load first. Call Compact when the load is
	// done.
	BulkLoad bool
	// BulkRunBytes is how much a BulkLoad store encodes before it spills
	// (default 24 MiB; two runs are in memory).
	BulkRunBytes int
	// BulkEpochBytes is how much a BulkLoad store spills before it writes
	// and ingests what it has (default 4 GiB, about as many bytes of log
	// lines): it bounds the memory of the final sort (a 150th of it per
	// core), the disk the spill files take, and what a kill loses. Every
	// epoch after the first overlaps those before it, and Compact merges
	// them.
	BulkEpochBytes int64
}

// Store is the Pebble store. Open one per data folder.
type Store struct {
	db   *pebble.DB
	dir  string
	opts Options
	wo   *pebble.WriteOptions

	mu      sync.Mutex
	buckets map[uint32]bool // buckets known to hold entries
	newest  time.Time

	po     *pebble.Options
	health *diskHealth
	// gate is held shared by every method that uses db, and alone by
	// ReleaseMemory while it closes and opens db again. db is nil when
	// that open failed (reopenErr), until a later ReleaseMemory opens it.
	gate      sync.RWMutex
	reopenErr error
	lock      *pebble.Lock // the folder's lock, held across those reopens
	// commits counts the commits still running after commit returned
	// (disk full): db is not closed under them.
	commits atomic.Int32
	// deleted is set once a range deletion was written (Compact must
	// then run even when all tables are in the last level).
	deleted atomic.Bool
	// searchable says the s space indexes every entry; searchMarked that
	// its marker (metaSearch) is written. Both are set at open; a write
	// sets searchMarked (under mu).
	searchable, searchMarked bool
	// searchOld says the store holds a search index of an earlier layout.
	searchOld bool
	deleteMu  sync.Mutex // DeleteTrace
	bulkMu    sync.Mutex
	bulk      bulkState // BulkLoad: entries not yet ingested (see bulk.go)
}

var _ store.Store = (*Store)(nil)

// ErrNoStore is returned (wrapped) by Open with ReadOnly when dir holds no
// store.
var ErrNoStore = errors.New("no index in this folder")

// ErrLocked is returned (wrapped) by Open when another process holds the
// folder.
var ErrLocked = errors.New("the data folder is in use by another process")

// Open opens (creating unless ReadOnly) the store in dir.
func Open(dir string, o Options) (*Store, error) {
	if o.CacheBytes == 0 {
		o.CacheBytes = 64 << 20
		if o.ReadOnly || o.BulkLoad {
			// A lookup process reads a few blocks once, and a bulk load
			// reads none: a small cache is recycled sooner, and fresh
			// memory costs a page fault per page.
			o.CacheBytes = 8 << 20
		}
	}
	if o.MemTableBytes == 0 {
		o.MemTableBytes = 64 << 20
		if !o.DisableWAL {
			// A service's memtables (the one being filled and the one
			// Pebble keeps for reuse) stay resident while it idles: at
			// 16 MiB it idles 95 MB smaller than at 64, for about a
			// tenth less push throughput (docs/RELIABILITY.md).
			o.MemTableBytes = 16 << 20
		}
		if fs := fsBytes(dir); fs > 0 && fs/40 < o.MemTableBytes {
			// A small file system: Write keeps two memtables free for
			// the write-ahead log (roomForWAL), a 20th of it at most.
			o.MemTableBytes = max(fs/40, minMemTableBytes)
		}
		if o.ReadOnly {
			// Opening allocates a first memtable even when nothing will
			// be written to it; C's calloc clears every page of it.
			o.MemTableBytes = 16 << 10
		}
	}
	if o.Untraced == "" {
		o.Untraced = "compact"
	}
	if o.BulkRunBytes <= 0 {
		o.BulkRunBytes = 24 << 20
	}
	if o.BulkEpochBytes <= 0 {
		o.BulkEpochBytes = 4 << 30
	}
	switch o.Untraced {
	case "compact", "full", "none":
	default:
		return nil, fmt.Errorf("pebblestore: unknown Untraced mode %q (want compact, full or none)", o.Untraced)
	}
	var prof *block.CompressionProfile
	switch o.Compression {
	case "", CompressionZstd:
		o.Compression = CompressionZstd
		prof = zstd1

	case CompressionSnappy:
		prof = block.SnappyCompression
	case CompressionMinLZ:
		prof = block.MinLZCompression
	case CompressionNone:
		prof = block.NoCompression
	default:
		return nil, fmt.Errorf("pebblestore: unknown compression %q", o.Compression)
	}
	if o.ReadOnly {
		if _, err := os.Stat(filepath.Join(dir, "CURRENT")); err != nil {
			if _, err2 := os.Stat(dir); err2 != nil {
				return nil, fmt.Errorf("%s: %w (the folder does not exist)", dir, ErrNoStore)
			}
			if m, _ := filepath.Glob(filepath.Join(dir, "MANIFEST-*")); len(m) == 0 {
				return nil, fmt.Errorf("%s: %w", dir, ErrNoStore)
			}
		}
	}
	cache := pebble.NewCache(o.CacheBytes)
	defer cache.Unref()
	po := &pebble.Options{
		Cache:                       cache,
		MemTableSize:                o.MemTableBytes,
		MemTableStopWritesThreshold: 2, // also caps recycled WAL files at 3
		DisableWAL:                  o.DisableWAL,
		L0CompactionThreshold:       4,
		L0StopWritesThreshold:       40,
		LBaseMaxBytes:               256 << 20,
		CompactionConcurrencyRange:  func() (int, int) { return 1, 2 },
		FormatMajorVersion:          storeFormat,
		ReadOnly:                    o.ReadOnly,
		DisableTableStats:           o.ReadOnly, // a lookup process needs none
		// Nor a stat of every table at open (~180 after a bulk load of
		// 10 M lines): a missing or cut table still fails the lookup that
		// reads it.
		DisableConsistencyCheck: o.ReadOnly,
		Logger:                  quietLogger{},
		// Without disk-health checks: Pebble leaks their goroutine when
		// Open fails (a locked folder).
		FS: privateFS{vfs.Default},
	}
	// Opening replays the MANIFEST's edits: keep it short, so that a
	// lookup process opens the store in a millisecond or two.
	po.MaxManifestFileSize = 4 << 20
	if o.BulkLoad {
		po.MaxManifestFileSize = 64 << 10 // hundreds of runs come and go
		// Every level below 0 empty but the last: the final compaction
		// then writes each entry once, into level 6, instead of once per
		// level on its way down.
		po.LBaseMaxBytes = 1 << 40
		po.L0CompactionThreshold = 1 << 20
		po.L0CompactionFileThreshold = 1 << 20
		po.L0StopWritesThreshold = 1 << 20
		// The final compaction is the only one: run it on both cores
		// from the start (Pebble raises concurrency above the lower
		// bound only as compaction debt builds up).
		po.CompactionConcurrencyRange = func() (int, int) { return 2, 2 }
	}
	for i := range po.Levels {
		// 64 KiB blocks above the last level: a merge holds one block of
		// every input table in memory, and the bulk load's final merge
		// reads a hundred level-0 tables at once.
		po.Levels[i].BlockSize = 64 << 10
		po.Levels[i].Compression = func() *block.CompressionProfile { return prof }
	}
	// 128 KiB blocks in the last level, which holds nearly everything: a
	// trace's entries are adjacent, so a lookup inflates one or two blocks
	// (0.1-0.2 ms each), and zstd packs log lines tighter the more of them
	// it sees at once. Measured at 10 M lines (docs/BENCHMARKS.md): zstd
	// level 1 in 128 KiB blocks made the index 6% larger than level 5 in
	// 64 KiB (573 against 539 MB) for a quarter of the compression CPU
	// (5.6 against 20.6 s); 256 KiB blocks would be 4% smaller again but
	// put the lookup p99 over 2 ms.
	po.Levels[len(po.Levels)-1].BlockSize = 128 << 10
	health := &diskHealth{}
	po.EventListener = health.listener()
	po.EnsureDefaults()
	if !o.ReadOnly {
		if err := makePrivate(dir); err != nil {
			return nil, fmt.Errorf("pebblestore: %s: %w", dir, err)
		}
	}
	// The folder's lock is taken here and kept until Close, so that no
	// other process opens the folder while ReleaseMemory reopens it.
	lock, err := pebble.LockDirectory(dir, po.FS)
	if err != nil {
		if isLockErr(err) {
			return nil, fmt.Errorf("%s: %w (a running correlate index or serve?)", dir, ErrLocked)
		}
		return nil, fmt.Errorf("pebblestore: lock %s: %w", dir, err)
	}
	po.Lock = lock
	db, err := pebble.Open(dir, po)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("pebblestore: open %s: %w", dir, err)
	}
	if !o.ReadOnly { // runs a killed bulk load was writing
		for _, pat := range []string{"bulk-*.sst", "bulk-*.spill"} {
			m, _ := filepath.Glob(filepath.Join(dir, pat))
			for _, f := range m {
				os.Remove(f)
			}
		}
	}
	s := &Store{db: db, dir: dir, opts: o, buckets: map[uint32]bool{}, wo: pebble.NoSync, po: po, health: health, lock: lock}
	if o.Sync {
		s.wo = pebble.Sync
	}
	if err := s.load(); err != nil {
		db.Close()
		lock.Close()
		return nil, err
	}
	return s, nil
}

// syncWrite is the write option for a change that must be durable when
// Commit returns: synced through the write-ahead log, or, without one,
// left to the flush at Close (Pebble refuses a synced write then, and
// `correlate index`, which runs without the log, applies retention).
func (s *Store) syncWrite() *pebble.WriteOptions {
	if s.opts.DisableWAL {
		return pebble.NoSync
	}
	return pebble.Sync
}

func isLockErr(err error) bool {
	// Another process's flock on the LOCK file: EWOULDBLOCK (== EAGAIN on Linux).
	if errors.Is(err, syscall.EWOULDBLOCK) || errors.Is(err, syscall.EAGAIN) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "lock held") || (strings.Contains(msg, "lock") && strings.Contains(msg, "resource temporarily unavailable"))
}

// zstd1 is zstd at level 1. On sorted index blocks of generated lines,
// level 1 compressed at 2.2 times the speed of level 5 (430 against 195
// MB/s per core) for tables 3% larger; levels 2 to 4 were no smaller
// than level 1 in 128 KiB blocks.
var zstd1 = func() *block.CompressionProfile {
	p := *block.ZstdCompression
	p.Name = "ZSTD1"
	p.DataBlocks.Level = 1
	p.ValueBlocks.Level = 1
	return &p
}()

type quietLogger struct{}

func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(format string, args ...any) {
	panic(fmt.Sprintf(format, args...))
}

var metaNewest = []byte{storefmt.SpaceMeta, 'n'}

// metaSearch marks a store that has kept the search index (s space, in
// groups: storefmt/search.go) since it was created. metaSearchEntries
// marked the earlier layout, a key per entry: such a store cannot be
// searched.
var (
	metaSearch        = []byte{storefmt.SpaceMeta, 's', '2'}
	metaSearchEntries = []byte{storefmt.SpaceMeta, 's'}
)

func (s *Store) load() error {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{storefmt.SpaceBucket}, UpperBound: []byte{storefmt.SpaceBucket + 1}})
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		if k := it.Key(); len(k) == 5 {
			s.buckets[binary.BigEndian.Uint32(k[1:])] = true
		}
	}
	if err := it.Close(); err != nil {
		return err
	}
	// The search index: complete when the store was created with it (its
	// marker), or when the store is empty (this process writes it).
	switch v, closer, err := s.db.Get(metaSearch); {
	case err == nil:
		closer.Close()
		_ = v
		s.searchable, s.searchMarked = true, true
	case errors.Is(err, pebble.ErrNotFound):
		s.searchable = len(s.buckets) == 0
		if !s.searchable {
			switch _, closer, err := s.db.Get(metaSearchEntries); {
			case err == nil:
				closer.Close()
				s.searchOld = true
			case !errors.Is(err, pebble.ErrNotFound):
				return err
			}
		}
	default:
		return err
	}
	if s.opts.NoSearchIndex && !s.opts.ReadOnly {
		// What this process writes goes unindexed: the index is no
		// longer complete.
		if s.searchMarked {
			if err := s.db.Delete(metaSearch, s.syncWrite()); err != nil {
				return err
			}
		}
		s.searchable, s.searchMarked = false, false
	}
	if s.opts.ReadOnly {
		// A lookup process does not need it: Stats reads it when asked,
		// and a lookup opens one table fewer (its own, after a bulk load).
		return nil
	}
	return s.loadNewest()
}

// loadNewest reads the newest entry's time.
func (s *Store) loadNewest() error {
	v, closer, err := s.db.Get(metaNewest)
	if err == nil {
		if len(v) == 8 {
			s.mu.Lock()
			s.newest = storefmt.AtFromKey(binary.BigEndian.Uint64(v))
			s.mu.Unlock()
		}
		closer.Close()
	} else if !errors.Is(err, pebble.ErrNotFound) {
		return err
	}
	return nil
}

// enter holds the gate shared for a method that uses db (and, in a bulk
// load, ingests the run being gathered); leave releases it.
func (s *Store) enter() error {
	if err := s.hold(); err != nil {
		return err
	}
	if err := s.ingestRun(); err != nil {
		s.gate.RUnlock()
		return err
	}
	return nil
}

func (s *Store) leave() { s.gate.RUnlock() }

// hold is enter without the bulk load's ingest, for writes.
func (s *Store) hold() error {
	s.gate.RLock()
	if s.db == nil {
		err := s.reopenErr
		s.gate.RUnlock()
		return fmt.Errorf("pebblestore: %s: the store could not be opened again after an idle release: %w", s.dir, err)
	}
	return nil
}

// releaseAbove is what a service's memtables must hold (in use or kept
// for reuse) before ReleaseMemory reopens the store to give them back.
var releaseAbove uint64 = 2 << 20

// ReleaseMemory gives back to the system what an idle service holds for
// writes. Pebble keeps the memtable being filled and one flushed memtable
// for reuse (MemTableBytes each) for as long as the store is open, so a
// store with a write-ahead log is flushed, closed and opened again, under
// the folder's lock throughout: it starts again with a small memtable that
// grows with the next writes. Then the heap pages C's allocator holds free
// (cached blocks and memtables, malloc_linux.go) go back to the system.
//
// It reports false when it should be called again later: a method was
// using the store, a commit, flush or compaction was running, or a
// failed reopen left the store closed (every method then returns that
// error until a later ReleaseMemory opens it).
func (s *Store) ReleaseMemory() bool {
	defer releaseFreed()
	if s.opts.ReadOnly || s.opts.DisableWAL || s.opts.BulkLoad {
		return true
	}
	if !s.gate.TryLock() {
		return false
	}
	defer s.gate.Unlock()
	if s.db == nil {
		s.reopenErr = s.open()
		return s.reopenErr == nil
	}
	if s.commits.Load() > 0 || s.health.err() != nil {
		return false
	}
	m := s.db.Metrics()
	if m.Compact.NumInProgress > 0 || m.Flush.NumInProgress > 0 {
		return false
	}
	if m.MemTable.Size+m.MemTable.ZombieSize <= releaseAbove || s.roomForWAL() != nil {
		return true // little to give back, or no room for a new log
	}
	if err := s.db.Flush(); err != nil {
		return true // the store stays as it is
	}
	err := s.db.Close()
	s.db = nil
	if err == nil {
		err = s.open()
	}
	s.reopenErr = err
	return err == nil
}

// open opens db again with the options and lock of the first Open, and a
// new (empty) block cache.
func (s *Store) open() error {
	cache := pebble.NewCache(s.opts.CacheBytes)
	defer cache.Unref()
	s.po.Cache = cache
	db, err := pebble.Open(s.dir, s.po)
	if err != nil {
		return err
	}
	s.db = db
	return nil
}

// Close flushes and closes the store.
func (s *Store) Close() error {
	s.gate.Lock()
	defer s.gate.Unlock()
	if s.db == nil {
		return s.lock.Close()
	}
	err := s.close()
	if s.health.err() == nil {
		// (A commit stalled on a full disk keeps the database and so
		// the lock; the process is ending.)
		s.lock.Close()
	}
	return err
}

func (s *Store) close() error {
	if err := s.ingestRun(); err != nil {
		s.db.Close()
		return err
	}
	if err := s.health.err(); err != nil {
		// A commit may be stalled waiting for room: Pebble would wait for
		// it forever. What the write-ahead log holds is recovered on the
		// next Open; without the log, the lines since the last flush are
		// read again from the last checkpoint.
		return err
	}
	if s.opts.ReadOnly {
		return s.db.Close()
	}
	// Everything into tables: with the write-ahead log on, the flush
	// also makes what it holds durable, and the next open has no log to
	// replay.
	if err := s.db.Flush(); err != nil {
		s.db.Close()
		return err
	}
	return s.db.Close()
}

// Flush writes the memtable to disk (for size measurements).
func (s *Store) Flush() error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	return s.db.Flush()
}

// Compact compacts the whole key space (for size measurements and after
// large expiries).
func (s *Store) Compact(ctx context.Context) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	if s.opts.BulkLoad && !s.deleted.Load() && onlyLastLevel(s.db.Metrics()) {
		// A bulk load in one epoch wrote every table into the last
		// level, disjoint: nothing to merge. (Pebble would rewrite the
		// whole level.)
		return nil
	}
	return s.db.Compact(ctx, []byte{0}, []byte{0xff}, true)
}

// onlyLastLevel reports whether every table is in the last level.
func onlyLastLevel(m *pebble.Metrics) bool {
	for i := 0; i < len(m.Levels)-1; i++ {
		if m.Levels[i].TablesCount > 0 {
			return false
		}
	}
	return true
}

// Checkpoints returns every file's checkpoint.
func (s *Store) Checkpoints(ctx context.Context) ([]store.Checkpoint, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	return s.checkpoints(ctx)
}

func (s *Store) checkpoints(ctx context.Context) ([]store.Checkpoint, error) {
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{LowerBound: []byte{storefmt.SpaceCheck}, UpperBound: []byte{storefmt.SpaceCheck + 1}})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	var cps []store.Checkpoint
	for it.First(); it.Valid(); it.Next() {
		var cp store.Checkpoint
		if err := json.Unmarshal(it.Value(), &cp); err != nil {
			return nil, fmt.Errorf("pebblestore: checkpoint %x: %w", it.Key(), err)
		}
		cps = append(cps, cp)
	}
	return cps, it.Error()
}

// kvSorter gathers a batch's keys and values in one buffer and sorts them.
type kvSorter struct {
	buf     []byte
	recs    []kvRec
	scratch parse.Record
	spare   []kvRec // sort's scratch, kept for the next batch

	// lows remembers the low-half keys (l space) this batch or run already
	// holds, per trace and day, so that a trace's later lines do not add
	// the same key again (before, only a line right after one of the same
	// trace was spared, and a trace crossing midnight could miss the key
	// of its second day). An entry counts only while its gen is the
	// sorter's: reset forgets them all at once.
	lows *[lowSlots]lowEntry
	gen  uint32

	groups searchGroups
}

// lowSlots is the size of kvSorter's direct-mapped set of low-half keys;
// a run of 24 MiB holds about 7,000 traces.
const lowSlots = 8192

type lowEntry struct {
	hi, lo uint64
	bucket uint32
	gen    uint32
}

// newLow reports whether the low-half key of trace (hi, lo) in bucket is
// not yet in this batch, and remembers it. A false "new" (the slot held
// another trace) only writes the key twice; Pebble keeps one.
func (x *kvSorter) newLow(bucket uint32, hi, lo uint64) bool {
	if x.lows == nil {
		x.lows = new([lowSlots]lowEntry)
		x.gen = 1
	}
	e := &x.lows[(hi^lo)%lowSlots]
	if e.gen == x.gen && e.hi == hi && e.lo == lo && e.bucket == bucket {
		return false
	}
	*e = lowEntry{hi: hi, lo: lo, bucket: bucket, gen: x.gen}
	return true
}

var kvPool = sync.Pool{New: func() any { return new(kvSorter) }}

func (x *kvSorter) reset() {
	if cap(x.buf) > 64<<20 {
		x.buf = nil
	}
	x.buf, x.recs = x.buf[:0], x.recs[:0]
	x.forgetLows()
}

// forgetLows empties the set of low-half keys.
func (x *kvSorter) forgetLows() {
	x.gen++
	if x.gen == 0 { // wrapped: entries of an old generation could match
		x.lows = nil
	}
}

// encodeEntries appends the keys and values of entries (read from file)
// to kv and returns the time buckets they touch and the newest time.
func (s *Store) encodeEntries(kv *kvSorter, entries []store.Entry, file uint64) (touched []uint32, newest time.Time) {
	for i := range entries {
		e := &entries[i]
		at := e.At
		if at.IsZero() {
			at = e.Time
		}
		bk := storefmt.BucketOf(at)
		if len(touched) == 0 || touched[len(touched)-1] != bk {
			if !slices.Contains(touched, bk) {
				touched = append(touched, bk)
			}
		}
		if at.After(newest) {
			newest = at
		}
		id, ok := store.TraceIDFromRecord(e.TraceID, e.TraceIDLow)
		if !ok {
			if s.opts.Untraced == "none" {
				continue
			}
			k := len(kv.buf)
			kv.buf = storefmt.AppendTimeKey(kv.buf, storefmt.SpaceUntraced, bk, at, file, e.Offset)
			v := len(kv.buf)
			kv.buf = storefmt.AppendEntry(kv.buf, e, s.opts.Untraced == "compact", &kv.scratch, nil)
			kv.mark(k, v)
			if !s.opts.NoSearchIndex {
				kv.groups.add(kv, bk, at, file, e, nil)
			}
			continue
		}
		hi := id.Hi
		if id.Only64 {
			hi = 0
		}
		k := len(kv.buf)
		kv.buf = storefmt.AppendTraceKey(kv.buf, bk, hi, id.Lo, at, file, e.Offset)
		v := len(kv.buf)
		kv.buf = storefmt.AppendEntry(kv.buf, e, false, &kv.scratch, &[2]uint64{hi, id.Lo})
		kv.mark(k, v)
		if !s.opts.NoSearchIndex {
			kv.groups.add(kv, bk, at, file, e, &[2]uint64{hi, id.Lo})
		}
		if hi != 0 && kv.newLow(bk, hi, id.Lo) {
			k = len(kv.buf)
			kv.buf = storefmt.AppendLowKey(kv.buf, bk, id.Lo, hi)
			kv.mark(k, len(kv.buf))
		}
	}
	kv.groups.flush(kv)
	return touched, newest
}

// searchGroups builds the search index groups (s space) of one write:
// an entry joins the open group of its day, rank and second, or starts
// one. A write's entries mostly move forward in time, so few groups are
// open at once; when more are, all are written out, and later entries
// of their seconds start new groups.
type searchGroups struct {
	gs   []storefmt.SearchGroup // gs[:n] are open
	n    int
	last [9]int // per rank, the index of the group it last added to
}

// maxOpenGroups is how many groups a write keeps open at once.
const maxOpenGroups = 32

// add adds entry e (at, in file, trace id id or nil) to its group.
func (sg *searchGroups) add(kv *kvSorter, bk uint32, at time.Time, file uint64, e *store.Entry, id *[2]uint64) {
	rank := store.LevelRank(e.Level)
	a := storefmt.AtKey(at)
	sec := storefmt.SecondOf(a)
	match := func(i int) bool {
		if i >= sg.n {
			return false
		}
		k := &sg.gs[i].Key
		return k.Second == sec && k.Bucket == bk && k.Rank == rank && k.File == file
	}
	i := sg.last[rank]
	if !match(i) {
		for i = 0; i < sg.n && !match(i); i++ {
		}
		if i == sg.n {
			if sg.n == maxOpenGroups {
				sg.flush(kv)
				i = 0
			}
			if sg.n == len(sg.gs) {
				sg.gs = append(sg.gs, storefmt.SearchGroup{})
			}
			sg.gs[i].Reset(storefmt.SearchKey{Bucket: bk, Rank: rank, Second: sec, File: file, First: e.Offset})
			sg.n++
		}
		sg.last[rank] = i
	}
	g := &sg.gs[i]
	g.Add(a, e.Offset, id, e.Service, e.Level)
	if g.Len() == storefmt.GroupEntries {
		// full: written now, and the slot starts a new group
		sg.write(kv, g)
		g.Reset(g.Key)
	}
}

// write appends group g's key and value to kv.
func (sg *searchGroups) write(kv *kvSorter, g *storefmt.SearchGroup) {
	if g.Len() == 0 {
		return
	}
	k := len(kv.buf)
	kv.buf = g.Key.Append(kv.buf)
	v := len(kv.buf)
	kv.buf = g.AppendValue(kv.buf)
	kv.mark(k, v)
}

// flush writes every open group and closes them.
func (sg *searchGroups) flush(kv *kvSorter) {
	for i := range sg.gs[:sg.n] {
		sg.write(kv, &sg.gs[i])
	}
	sg.n = 0
}

// Write stores entries and the checkpoint in one Pebble batch.
func (s *Store) Write(ctx context.Context, entries []store.Entry, cp store.Checkpoint) error {
	return s.write(ctx, entries, cp, s.wo)
}

// WriteSync is Write, and returns once the write-ahead log holding the
// batch is synced to disk. Pebble's commit pipeline syncs the log once for
// every batch queued meanwhile, so concurrent writers share a sync. A
// store without the log (DisableWAL, BulkLoad) cannot sync one write and
// refuses.
func (s *Store) WriteSync(ctx context.Context, entries []store.Entry, cp store.Checkpoint) error {
	if s.opts.DisableWAL || s.opts.BulkLoad {
		return errors.New("pebblestore: a store without its write-ahead log cannot sync a write")
	}
	return s.write(ctx, entries, cp, pebble.Sync)
}

var _ store.SyncWriter = (*Store)(nil)

func (s *Store) write(ctx context.Context, entries []store.Entry, cp store.Checkpoint, wo *pebble.WriteOptions) error {
	if s.opts.ReadOnly {
		return errors.New("pebblestore: store opened read-only")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.hold(); err != nil {
		return err
	}
	defer s.leave()
	if s.opts.BulkLoad {
		return s.bulkWrite(entries, cp)
	}
	if err := s.health.err(); err != nil {
		return err
	}
	kv := kvPool.Get().(*kvSorter)
	defer kvPool.Put(kv)
	kv.reset()
	var key []byte
	touched, newest := s.encodeEntries(kv, entries, cp.FileID)
	// Sized once: a growing batch would copy itself over and over.
	b := s.db.NewBatchWithSize(len(kv.buf) + 16*len(kv.recs) + 4096)
	committing := false
	defer func() {
		if !committing {
			b.Close()
		}
	}()
	// Sorted keys go into the memtable's skiplist next to each other: each
	// insert starts from the previous one's position.
	kv.sort()
	for _, r := range kv.recs {
		if err := b.Set(kv.buf[r.k:r.v], kv.buf[r.v:r.end], nil); err != nil {
			return err
		}
	}
	newBuckets := s.unknownBuckets(touched)
	for _, bk := range newBuckets {
		if err := b.Set(storefmt.AppendBucketKey(key[:0], storefmt.SpaceBucket, bk), nil, nil); err != nil {
			return err
		}
	}
	s.mu.Lock()
	if newest.After(s.newest) {
		s.newest = newest
		var nb [8]byte
		binary.BigEndian.PutUint64(nb[:], storefmt.AtKey(newest))
		if err := b.Set(metaNewest, nb[:], nil); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	mark := s.searchable && !s.searchMarked
	s.mu.Unlock()
	if mark {
		if err := b.Set(metaSearch, nil, nil); err != nil {
			return err
		}
	}
	if cp.Updated.IsZero() {
		cp.Updated = time.Now().UTC()
	}
	cpv, err := json.Marshal(cp)
	if err != nil {
		return err
	}
	if err := b.Set(storefmt.CheckKey(cp.FileID), cpv, nil); err != nil {
		return err
	}
	committing = true
	if err := s.commit(b, wo); err != nil {
		return fmt.Errorf("pebblestore: write: %w", err)
	}
	s.markBuckets(newBuckets)
	if mark {
		s.mu.Lock()
		s.searchMarked = true
		s.mu.Unlock()
	}
	return nil
}

// unknownBuckets returns those of bs not yet known to hold entries: their
// bucket keys go into the write.
func (s *Store) unknownBuckets(bs []uint32) []uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var unknown []uint32
	for _, bk := range bs {
		if !s.buckets[bk] {
			unknown = append(unknown, bk)
		}
	}
	return unknown
}

// markBuckets records that bs hold entries, once their keys are written.
func (s *Store) markBuckets(bs []uint32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, bk := range bs {
		s.buckets[bk] = true
	}
}

func (s *Store) sortedBuckets() []uint32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	bs := make([]uint32, 0, len(s.buckets))
	for b := range s.buckets {
		bs = append(bs, b)
	}
	slices.Sort(bs)
	return bs
}

// Logs returns every entry carrying one of ids, in time order.
func (s *Store) Logs(ctx context.Context, ids ...store.TraceID) ([]parse.Record, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	return s.logs(ctx, ids)
}

func (s *Store) logs(ctx context.Context, ids []store.TraceID) ([]parse.Record, error) {
	buckets := s.sortedBuckets()
	if len(buckets) == 0 {
		return nil, fmt.Errorf("%s: %w", s.dir, store.ErrEmpty)
	}
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{})
	if err != nil {
		return nil, err
	}
	defer it.Close()
	return storefmt.Logs(iterScanner{it}, buckets, ids)
}

// LogsPage returns a page of the entries carrying one of ids (see
// store.Pager): the iterator reads on from the cursor and stops at the
// page's end.
func (s *Store) LogsPage(ctx context.Context, ids []store.TraceID, after store.Cursor, limit int) (store.Page, error) {
	if limit <= 0 {
		limit = store.DefaultPageLines
	}
	if err := s.enter(); err != nil {
		return store.Page{}, err
	}
	defer s.leave()
	buckets := s.sortedBuckets()
	if len(buckets) == 0 {
		return store.Page{}, fmt.Errorf("%s: %w", s.dir, store.ErrEmpty)
	}
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{})
	if err != nil {
		return store.Page{}, err
	}
	defer it.Close()
	return storefmt.LogsPage(iterScanner{it}, buckets, ids, after, limit)
}

var _ store.Pager = (*Store)(nil)

// ScanRange reads the keys in [lo, hi) until fn says stop.
func (x iterScanner) ScanRange(lo, hi []byte, _ int, fn func(k, v []byte) error) error {
	for ok := x.it.SeekGE(lo); ok && (hi == nil || bytes.Compare(x.it.Key(), hi) < 0); ok = x.it.Next() {
		v, err := x.it.ValueAndErr()
		if err != nil {
			return err
		}
		if err := fn(x.it.Key(), v); err != nil {
			if errors.Is(err, storefmt.ErrStop) {
				return nil
			}
			return err
		}
	}
	return x.it.Error()
}

// iterScanner reads a prefix's keys through a Pebble iterator.
type iterScanner struct{ it *pebble.Iterator }

func (x iterScanner) ScanPrefix(p []byte, fn func(k, v []byte) error) error {
	for ok := x.it.SeekGE(p); ok && bytes.HasPrefix(x.it.Key(), p); ok = x.it.Next() {
		v, err := x.it.ValueAndErr()
		if err != nil {
			return err
		}
		if err := fn(x.it.Key(), v); err != nil {
			return err
		}
	}
	return x.it.Error()
}

// Range calls fn for every entry with from <= At < to (zero times leave
// that end open), day by day: first the day's untraced entries in time
// order, then its traced entries grouped by trace id, each trace's in time
// order: a whole day is read in key order, the cheapest way to read it
// all. Search reads entries newest first through the search index.
func (s *Store) Range(ctx context.Context, from, to time.Time, fn func(e *store.Entry) bool) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	it, err := s.db.NewIterWithContext(ctx, &pebble.IterOptions{})
	if err != nil {
		return err
	}
	defer it.Close()
	inRange := func(at time.Time) bool {
		return (from.IsZero() || !at.Before(from)) && (to.IsZero() || at.Before(to))
	}
	var p []byte
	for _, bk := range s.sortedBuckets() {
		if !to.IsZero() && !storefmt.BucketStart(bk).Before(to) {
			break
		}
		if !from.IsZero() && !storefmt.BucketStart(bk+1).After(from) {
			continue
		}
		// untraced, in time order
		p = storefmt.AppendBucketKey(p[:0], storefmt.SpaceUntraced, bk)
		start := append([]byte(nil), p...)
		if !from.IsZero() {
			start = binary.BigEndian.AppendUint64(start, storefmt.AtKey(from))
		}
		for ok := it.SeekGE(start); ok && bytes.HasPrefix(it.Key(), p); ok = it.Next() {
			k := it.Key()
			if len(k) != storefmt.TimeKeyLen {
				continue
			}
			at := storefmt.AtFromKey(binary.BigEndian.Uint64(k[5:]))
			if !to.IsZero() && !at.Before(to) {
				break
			}
			var e store.Entry
			v, err := it.ValueAndErr()
			if err != nil {
				return err
			}
			if err := storefmt.DecodeEntry(&e, v, at, int64(binary.BigEndian.Uint64(k[21:])), nil); err != nil {
				return err
			}
			if !fn(&e) {
				return nil
			}
		}
		// traced, by trace
		p = storefmt.AppendBucketKey(p[:0], storefmt.SpaceTrace, bk)
		for ok := it.SeekGE(p); ok && bytes.HasPrefix(it.Key(), p); ok = it.Next() {
			k := it.Key()
			if len(k) != storefmt.TraceKeyLen {
				continue
			}
			at := storefmt.AtFromKey(binary.BigEndian.Uint64(k[21:]))
			if !inRange(at) {
				continue
			}
			var e store.Entry
			v, err := it.ValueAndErr()
			if err != nil {
				return err
			}
			if err := storefmt.DecodeEntry(&e, v, at, int64(binary.BigEndian.Uint64(k[37:])), &[2]uint64{binary.BigEndian.Uint64(k[5:]), binary.BigEndian.Uint64(k[13:])}); err != nil {
				return err
			}
			if !fn(&e) {
				return nil
			}
		}
		if err := it.Error(); err != nil {
			return err
		}
	}
	return nil
}

// Stats describes the store; SizeBytes is what the folder holds on disk.
func (s *Store) Stats(ctx context.Context) (store.Stats, error) {
	if err := s.enter(); err != nil {
		return store.Stats{}, err
	}
	defer s.leave()
	cps, err := s.checkpoints(ctx)
	if err != nil {
		return store.Stats{}, err
	}
	if s.opts.ReadOnly {
		if err := s.loadNewest(); err != nil {
			return store.Stats{}, err
		}
	}
	bs := s.sortedBuckets()
	st := store.Stats{Files: len(cps), Buckets: len(bs), Compression: s.opts.Compression, DataDirectory: s.dir}
	s.mu.Lock()
	st.Newest = s.newest
	s.mu.Unlock()
	if len(bs) > 0 {
		st.Oldest = storefmt.BucketStart(bs[0])
	}
	m := s.db.Metrics()
	st.LiveBytes = int64(m.DiskSpaceUsage())
	st.SizeBytes = dirSize(s.dir)
	return st, nil
}

// DirSize returns the bytes of the regular files in dir (the size of an
// index on disk).
func DirSize(dir string) int64 { return dirSize(dir) }

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// Expire drops the day buckets that ended more than retention before the
// newest entry time seen (never later than now plus a day, so a bogus
// future time cannot expire everything). Zero retention keeps everything.
func (s *Store) Expire(ctx context.Context, retention time.Duration) (int, error) {
	if err := s.enter(); err != nil {
		return 0, err
	}
	defer s.leave()
	if retention <= 0 {
		return 0, nil
	}
	s.mu.Lock()
	ref := s.newest
	s.mu.Unlock()
	if lim := time.Now().Add(storefmt.BucketDuration); ref.After(lim) {
		ref = lim
	}
	cut := ref.Add(-retention)
	n := 0
	for _, bk := range s.sortedBuckets() {
		if storefmt.BucketStart(bk + 1).After(cut) {
			break
		}
		b := s.db.NewBatch()
		for _, sp := range []byte{storefmt.SpaceTrace, storefmt.SpaceLow, storefmt.SpaceUntraced, storefmt.SpaceSearch} {
			start := storefmt.AppendBucketKey(nil, sp, bk)
			if err := b.DeleteRange(start, storefmt.AppendBucketKey(nil, sp, bk+1), nil); err != nil {
				b.Close()
				return n, err
			}
		}
		if err := b.Delete(storefmt.AppendBucketKey(nil, storefmt.SpaceBucket, bk), nil); err != nil {
			b.Close()
			return n, err
		}
		if err := b.Commit(s.syncWrite()); err != nil {
			b.Close()
			return n, err
		}
		b.Close()
		s.deleted.Store(true)
		s.mu.Lock()
		delete(s.buckets, bk)
		s.mu.Unlock()
		n++
	}
	return n, ctx.Err()
}

// storeFormat is the format a new store is created at: the newest Pebble
// knows. A writable open ratchets a store made at an older format up to it
// (Pebble's own migration, never back down); a read-only open leaves the
// folder as it is.
const storeFormat = pebble.FormatNewest
