package pebblestore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/traceline/traceline/correlate/store"
)

// A BulkLoad store does not write entries through the memtable. Write
// gathers them in a run; when the run is full, it is sorted,
// written as one sstable with the latest checkpoint of each file and the
// store metadata, and ingested into the database in one atomic step. So
// entries and the checkpoints that cover them still become durable
// together, each byte is written once before the final compaction, and
// the memtable's copying and flushing are skipped. Until a run is
// ingested its entries are invisible; every reading method ingests the
// pending run first. A run is Options.BulkRunBytes of keys and values.
// bulkState is a BulkLoad store's runs: the one being filled, a spare,
// and the result of the ingest running in the background (at most one at
// a time, so runs are ingested in the order they were written).
type bulkState struct {
	run      *bulkRun
	spare    *bulkRun
	inflight chan bulkDone
	seq      int
	// scratch is the sort's scratch array, lent to the run being ingested.
	scratch []kvRec
	// failed is the first ingest error. It sticks: a later run carries
	// later checkpoints, so ingesting it after a lost run would skip that
	// run's entries for good. The load stops; the next one resumes from
	// the last ingested checkpoint.
	failed error
}

type bulkRun struct {
	kv      kvSorter
	checks  map[uint64]store.Checkpoint
	buckets []uint32
	newest  time.Time
}

type bulkDone struct {
	r   *bulkRun
	err error
}

func newBulkRun(size int) *bulkRun {
	// One buffer for the run's life: growing it would copy it over.
	return &bulkRun{kv: kvSorter{buf: make([]byte, 0, size+size/8)}, checks: map[uint64]store.Checkpoint{}}
}

func (r *bulkRun) empty() bool { return len(r.kv.recs) == 0 && len(r.checks) == 0 }

func (r *bulkRun) reset() {
	r.kv.buf, r.kv.recs = r.kv.buf[:0], r.kv.recs[:0]
	r.kv.forgetLows()
	r.buckets = r.buckets[:0]
	r.newest = time.Time{}
	clear(r.checks)
}

func (s *Store) bulkWrite(entries []store.Entry, cp store.Checkpoint) error {
	s.bulkMu.Lock()
	defer s.bulkMu.Unlock()
	b := &s.bulk
	if b.failed != nil {
		return b.failed
	}
	if b.run == nil {
		b.run = newBulkRun(s.opts.BulkRunBytes)
	}
	r := b.run
	touched, newest := s.encodeEntries(&r.kv, entries, cp.FileID)
	for _, bk := range touched {
		if !slices.Contains(r.buckets, bk) {
			r.buckets = append(r.buckets, bk)
		}
	}
	if newest.After(r.newest) {
		r.newest = newest
	}
	if cp.Updated.IsZero() {
		cp.Updated = time.Now().UTC()
	}
	r.checks[cp.FileID] = cp
	if len(r.kv.buf) < s.opts.BulkRunBytes {
		return nil
	}
	// Ingest this run in the background while the next one fills.
	if err := s.waitIngestLocked(); err != nil {
		return err
	}
	ch := make(chan bulkDone, 1)
	b.inflight = ch
	b.seq++
	seq := b.seq
	go func() { ch <- bulkDone{r, s.ingestBulkRun(r, seq)} }()
	if b.spare != nil {
		b.run, b.spare = b.spare, nil
	} else {
		b.run = newBulkRun(s.opts.BulkRunBytes)
	}
	return nil
}

// waitIngestLocked waits for the background ingest, if any, and returns
// its error.
func (s *Store) waitIngestLocked() error {
	b := &s.bulk
	if b.inflight == nil {
		return nil
	}
	d := <-b.inflight
	b.inflight = nil
	d.r.reset()
	b.spare = d.r
	if d.err != nil && b.failed == nil {
		b.failed = d.err
	}
	return b.failed
}

// ingestRun ingests what a BulkLoad store has written so far: it waits
// for the background ingest and ingests the run being filled.
func (s *Store) ingestRun() error {
	if !s.opts.BulkLoad {
		return nil
	}
	s.bulkMu.Lock()
	defer s.bulkMu.Unlock()
	if err := s.waitIngestLocked(); err != nil {
		return err
	}
	b := &s.bulk
	if b.failed != nil {
		return b.failed
	}
	if b.run == nil || b.run.empty() {
		return nil
	}
	b.seq++
	err := s.ingestBulkRun(b.run, b.seq)
	b.run.reset()
	if err != nil {
		b.failed = err
	}
	return err
}

// ingestBulkRun writes run r as an sstable, with the checkpoints and the
// store metadata, and ingests it.
func (s *Store) ingestBulkRun(r *bulkRun, seq int) error {
	kv := &r.kv
	newBuckets := s.unknownBuckets(r.buckets)
	s.mu.Lock()
	newest := s.newest
	if r.newest.After(newest) {
		newest = r.newest
	}
	s.mu.Unlock()
	for _, bk := range newBuckets {
		k := len(kv.buf)
		kv.buf = appendBucketKey(kv.buf, spaceBucket, bk)
		kv.mark(k, len(kv.buf))
	}
	if !newest.IsZero() {
		k := len(kv.buf)
		kv.buf = append(kv.buf, metaNewest...)
		v := len(kv.buf)
		kv.buf = binary.BigEndian.AppendUint64(kv.buf, atKey(newest))
		kv.mark(k, v)
	}
	for file, cp := range r.checks {
		cpv, err := json.Marshal(cp)
		if err != nil {
			return err
		}
		k := len(kv.buf)
		kv.buf = append(kv.buf, checkKey(file)...)
		v := len(kv.buf)
		kv.buf = append(kv.buf, cpv...)
		kv.mark(k, v)
	}
	// Of equal keys (a 128-bit trace's low-half key written by two
	// batches) the one written last sorts last, and is kept.
	// Runs are sorted one at a time: they share one scratch array.
	kv.spare, s.bulk.scratch = s.bulk.scratch, nil
	kv.sort()
	kv.spare, s.bulk.scratch = nil, kv.spare
	paths, err := s.writeRun(fmt.Sprintf("bulk-%06d", seq), kv)
	if err == nil {
		err = s.db.Ingest(context.Background(), paths)
	}
	for _, p := range paths {
		os.Remove(p) // Ingest linked them into the database
	}
	if err != nil {
		return fmt.Errorf("pebblestore: bulk load: %w", err)
	}
	s.markBuckets(newBuckets)
	s.mu.Lock()
	if newest.After(s.newest) {
		s.newest = newest
	}
	s.mu.Unlock()
	return nil
}

// writeRun writes kv's sorted records as sstables named prefix-N.sst, as
// level 0 of this database would (format, block size, compression, key
// schema), and returns their paths. A run is cut into one table per
// partition (see partition), so that the final compaction can merge the
// partitions of all runs side by side.
func (s *Store) writeRun(prefix string, kv *kvSorter) (paths []string, err error) {
	var w *sstable.Writer
	closeW := func() error {
		if w == nil {
			return nil
		}
		err := w.Close()
		w = nil
		return err
	}
	defer func() {
		if cerr := closeW(); err == nil {
			err = cerr
		}
	}()
	var part uint64
	for i, rec := range kv.recs {
		if i+1 < len(kv.recs) && kv.cmpKeys(&kv.recs[i], &kv.recs[i+1]) == 0 {
			continue // a later one follows
		}
		k := kv.buf[rec.k:rec.v]
		if p := partition(k); w == nil || p != part {
			if err := closeW(); err != nil {
				return paths, err
			}
			path := filepath.Join(s.dir, fmt.Sprintf("%s-%d.sst", prefix, len(paths)))
			f, err := vfs.Default.Create(path, vfs.WriteCategoryUnspecified)
			if err != nil {
				return paths, err
			}
			paths = append(paths, path)
			w = sstable.NewWriter(objstorageprovider.NewFileWritable(f), s.po.MakeWriterOptions(0, s.db.TableFormat()))
			part = p
		}
		if err := w.Set(k, kv.buf[rec.v:rec.end]); err != nil {
			return paths, err
		}
	}
	return paths, nil
}

// partitions is how many parts the traced entries of a day are cut into.
// Eight parts even out the final compaction's work between the two
// compactions that run at once (with four, the last pair to finish left
// one core idle).
const partitions = 8

// partition names the part of the key space k is in: its key space and
// day bucket, and for traced entries the top bits of the trace id. The
// boundaries are the same for every run, and no key lies on one, so the
// tables of one partition never overlap those of another and Pebble
// compacts the partitions concurrently.
func partition(k []byte) uint64 {
	if len(k) < 6 || (k[0] != spaceTrace && k[0] != spaceUntraced && k[0] != spaceLow) {
		return uint64(k[0]) << 56
	}
	p := uint64(k[0])<<56 | uint64(binary.BigEndian.Uint32(k[1:5]))<<8
	if k[0] == spaceTrace {
		p |= uint64(k[5] >> 5) // partitions == 8
	}
	return p
}
