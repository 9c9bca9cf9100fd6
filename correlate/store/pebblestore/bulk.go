package pebblestore

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/traceline/traceline/correlate/store"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
)

// A BulkLoad store writes each entry into the database once, straight
// into its last level, without the memtable and without compactions:
//
//   - Write encodes entries into a run. A full run is scattered, in the
//     background while the next one fills, into spill files: one per part
//     of the key space (see spillPart: the top bits of the trace id; slots
//     of the day for entries without a trace). A spill file is a plain
//     list of keys and values, in the order they were written.
//   - When the load ends (Compact, Close, or any read), each spill file is
//     read back, sorted in memory and written as tables of the last level,
//     two files at a time; the tables do not overlap, so all of them, and
//     small ones with the checkpoints and the store metadata, are ingested
//     together in one atomic step, into level 6 of an empty database.
//
// So the entries and the checkpoints that cover them become durable
// together, and the only sstable writer an entry meets is the final one
// (before, every run was written as a level-0 table and everything was
// merged again at the end: two table writes and a merge per entry).
//
// A load that spills Options.BulkEpochBytes ends an epoch: what it has
// spilled is written and ingested then, as at the end, so that memory
// (one spill file, about a 150th of the epoch, is sorted at a time per
// core) and the work a kill throws away stay bounded. Tables of a later
// epoch overlap those of an earlier one and land above them; Compact
// merges them.
type bulkState struct {
	run      *bulkRun
	spare    *bulkRun
	inflight chan bulkDone
	ep       *epoch
	seq      int // epochs begun: names their files
	// failed is the first error of the load. It sticks: a later epoch
	// carries later checkpoints, so ingesting it after a lost one would
	// skip that one's entries for good. The load stops; the next one
	// resumes from the last ingested checkpoint.
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
	// About 150 bytes a record: room for the records too.
	return &bulkRun{kv: kvSorter{buf: make([]byte, 0, size+size/8), recs: make([]kvRec, 0, size/128)}, checks: map[uint64]store.Checkpoint{}}
}

func (r *bulkRun) empty() bool { return len(r.kv.recs) == 0 && len(r.checks) == 0 }

func (r *bulkRun) reset() {
	r.kv.buf, r.kv.recs = r.kv.buf[:0], r.kv.recs[:0]
	r.kv.forgetLows()
	r.buckets = r.buckets[:0]
	r.newest = time.Time{}
	clear(r.checks)
}

// The spill parts. A part's tables are cut where the day changes, so a
// table holds one day of one part: the parts of a day are disjoint key
// ranges, and so are the days.
const (
	traceParts    = 128 // t space: the trace id's top 7 bits
	zeroHiParts   = 32  // t space, 64-bit ids (high half zero): the low half's top 5 bits
	lowParts      = 4   // l space: the low half's top 2 bits
	untracedParts = 16  // u space: slots of the day (see untracedSlots)
	searchParts   = 64  // s space: slots of the day; a fifth of the bytes of t or less, in parts as small
	spillParts    = traceParts + zeroHiParts + lowParts + untracedParts + searchParts
	// untracedSlots cuts a day into slots of 21 s, dealt round the u
	// parts: logs that span minutes, not the whole day, still spread
	// over all the parts.
	untracedSlots = 4096
)

// spillPart returns the spill part of key k (t, l or u space) and the
// table it belongs in: space, day and part.
func spillPart(k []byte) (part int, table uint64) {
	if len(k) < 6 {
		return 0, uint64(k[0]) << 56
	}
	b := binary.BigEndian.Uint32(k[1:5])
	t := uint64(k[0])<<56 | uint64(b)<<16
	switch {
	case k[0] == storefmt.SpaceTrace:
		if len(k) >= 14 && binary.BigEndian.Uint64(k[5:13]) == 0 {
			// Datadog's and old Jaeger's ids would all land in part 0;
			// they sort before every 128-bit id of the day
			p := int(k[13] >> 3)
			return traceParts + p, t | 1<<7 | uint64(p)
		}
		p := int(k[5] >> 1)
		return p, t | uint64(p)
	case k[0] == storefmt.SpaceLow:
		p := int(k[5] >> 6)
		return traceParts + zeroHiParts + p, t | uint64(p)
	case k[0] == storefmt.SpaceUntraced && len(k) >= 13:
		// the slot is monotonic in the entry's time within the day, as
		// the keys are: tables of different slots do not overlap
		slot := daySlot(b, binary.BigEndian.Uint64(k[5:13]))
		return traceParts + zeroHiParts + lowParts + slot%untracedParts, t | uint64(slot)
	case k[0] == storefmt.SpaceSearch && len(k) >= 14:
		// by rank, then slot of the day: monotonic in the key
		slot := daySlot(b, binary.BigEndian.Uint64(k[6:14]))
		return traceParts + zeroHiParts + lowParts + untracedParts + slot%searchParts, t | uint64(k[5])<<12 | uint64(slot)
	}
	return 0, t
}

// daySlot is which of untracedSlots equal slots of day b the time key at
// falls in.
func daySlot(b uint32, at uint64) int {
	base := storefmt.AtKey(storefmt.BucketStart(b))
	if at <= base {
		return 0
	}
	return int(min((at-base)/uint64(storefmt.BucketDuration/untracedSlots), untracedSlots-1))
}

// epoch is what a load has spilled since its last ingest.
type epoch struct {
	seq     int
	spills  [spillParts]*spillFile
	bytes   int64
	checks  map[uint64]store.Checkpoint
	buckets []uint32
	newest  time.Time
}

type spillFile struct {
	path string
	f    *os.File
	w    *bufio.Writer
	n    int64 // bytes
	recs int   // records
}

// remove closes and deletes the epoch's spill files.
func (ep *epoch) remove() {
	for _, sf := range ep.spills {
		if sf != nil {
			sf.f.Close()
			os.Remove(sf.path)
		}
	}
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
	if err := s.waitScatterLocked(); err != nil {
		return err
	}
	if b.ep != nil && b.ep.bytes >= s.opts.BulkEpochBytes {
		if err := s.finishEpochLocked(); err != nil {
			return err
		}
	}
	// Scatter this run in the background while the next one fills.
	ep := s.epochLocked()
	ch := make(chan bulkDone, 1)
	b.inflight = ch
	go func() { ch <- bulkDone{r, s.scatter(ep, r)} }()
	if b.spare != nil {
		b.run, b.spare = b.spare, nil
	} else {
		b.run = newBulkRun(s.opts.BulkRunBytes)
	}
	return nil
}

func (s *Store) epochLocked() *epoch {
	b := &s.bulk
	if b.ep == nil {
		b.seq++
		b.ep = &epoch{seq: b.seq, checks: map[uint64]store.Checkpoint{}}
	}
	return b.ep
}

// waitScatterLocked waits for the background scatter, if any, and returns
// the load's error.
func (s *Store) waitScatterLocked() error {
	b := &s.bulk
	if b.inflight != nil {
		d := <-b.inflight
		b.inflight = nil
		d.r.reset()
		b.spare = d.r
		if d.err != nil && b.failed == nil {
			b.failed = d.err
		}
	}
	return b.failed
}

// ingestRun ingests what a BulkLoad store has written so far: the run
// being filled is scattered, and the epoch is written and ingested.
func (s *Store) ingestRun() error {
	if !s.opts.BulkLoad {
		return nil
	}
	s.bulkMu.Lock()
	defer s.bulkMu.Unlock()
	b := &s.bulk
	err := s.waitScatterLocked()
	if err == nil && b.run != nil && !b.run.empty() {
		err = s.scatter(s.epochLocked(), b.run)
		b.run.reset()
		if err != nil {
			b.failed = err
		}
	}
	if err != nil {
		if b.ep != nil {
			b.ep.remove()
			b.ep = nil
		}
		return err
	}
	// The load may go on, but most likely it ends here: the runs' memory
	// goes back to the collector before the sort takes its own.
	if b.run != nil || b.spare != nil {
		b.run, b.spare = nil, nil
		runtime.GC()
	}
	return s.finishEpochLocked()
}

// scatter appends run r's records to the epoch's spill files, each as
// uvarint key length, uvarint value length, key, value, and takes over
// its checkpoints.
func (s *Store) scatter(ep *epoch, r *bulkRun) error {
	kv := &r.kv
	var hdr [2 * binary.MaxVarintLen32]byte
	for i := range kv.recs {
		rec := &kv.recs[i]
		p, _ := spillPart(kv.buf[rec.k:rec.v])
		sf := ep.spills[p]
		if sf == nil {
			path := filepath.Join(s.dir, fmt.Sprintf("bulk-%06d-%02d.spill", ep.seq, p))
			f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_RDWR, fileMode)
			if err != nil {
				return fmt.Errorf("pebblestore: bulk load: %w", err)
			}
			sf = &spillFile{path: path, f: f, w: bufio.NewWriterSize(f, 64<<10)}
			ep.spills[p] = sf
		}
		n := binary.PutUvarint(hdr[:], uint64(rec.v-rec.k))
		n += binary.PutUvarint(hdr[n:], uint64(rec.end-rec.v))
		sf.w.Write(hdr[:n]) // a write error sticks: the next Write returns it
		if _, err := sf.w.Write(kv.buf[rec.k:rec.end]); err != nil {
			return fmt.Errorf("pebblestore: bulk load: %w", err)
		}
		size := int64(n) + int64(rec.end-rec.k)
		sf.n += size
		sf.recs++
		ep.bytes += size
	}
	for _, bk := range r.buckets {
		if !slices.Contains(ep.buckets, bk) {
			ep.buckets = append(ep.buckets, bk)
		}
	}
	if r.newest.After(ep.newest) {
		ep.newest = r.newest
	}
	for id, cp := range r.checks {
		ep.checks[id] = cp
	}
	return nil
}

// spillChunkBytes caps what of one spill file is sorted at once; a larger
// file (keys crowded into one part) is written and ingested a chunk at a
// time. A variable for tests.
var spillChunkBytes int64 = 256 << 20

// finishEpochLocked writes the epoch's spill files as tables of the last
// level and ingests them with the epoch's checkpoints in one step.
func (s *Store) finishEpochLocked() (err error) {
	b := &s.bulk
	ep := b.ep
	if ep == nil {
		return nil
	}
	b.ep = nil
	defer ep.remove()
	defer func() {
		if err != nil {
			err = fmt.Errorf("pebblestore: bulk load: %w", err)
			b.failed = err
		}
	}()
	for _, sf := range ep.spills {
		if sf != nil {
			if err := sf.w.Flush(); err != nil {
				return err
			}
		}
	}
	var paths []string
	defer func() {
		for _, p := range paths {
			os.Remove(p) // Ingest linked them into the database
		}
	}()
	paths, err = s.writeSpills(ep)
	if err != nil {
		return err
	}
	newBuckets := s.unknownBuckets(ep.buckets)
	s.mu.Lock()
	newest := s.newest
	if ep.newest.After(newest) {
		newest = ep.newest
	}
	s.mu.Unlock()
	var meta kvSorter
	for _, bk := range newBuckets {
		k := len(meta.buf)
		meta.buf = storefmt.AppendBucketKey(meta.buf, storefmt.SpaceBucket, bk)
		meta.mark(k, len(meta.buf))
	}
	s.mu.Lock()
	mark := s.searchable && !s.searchMarked
	s.mu.Unlock()
	if mark {
		k := len(meta.buf)
		meta.buf = append(meta.buf, metaSearch...)
		meta.mark(k, len(meta.buf))
	}
	if !newest.IsZero() {
		k := len(meta.buf)
		meta.buf = append(meta.buf, metaNewest...)
		v := len(meta.buf)
		meta.buf = binary.BigEndian.AppendUint64(meta.buf, storefmt.AtKey(newest))
		meta.mark(k, v)
	}
	for file, cp := range ep.checks {
		cpv, err := json.Marshal(cp)
		if err != nil {
			return err
		}
		k := len(meta.buf)
		meta.buf = append(meta.buf, storefmt.CheckKey(file)...)
		v := len(meta.buf)
		meta.buf = append(meta.buf, cpv...)
		meta.mark(k, v)
	}
	meta.sort()
	mp, err := s.writeTables(fmt.Sprintf("bulk-%06d-meta", ep.seq), &meta, func(k []byte) uint64 { return uint64(k[0]) })
	paths = append(paths, mp...)
	if err != nil {
		return err
	}
	if err := syncFiles(paths); err != nil {
		return err
	}
	if err := s.db.Ingest(context.Background(), paths); err != nil {
		return err
	}
	s.markBuckets(newBuckets)
	s.mu.Lock()
	if mark {
		s.searchMarked = true
	}
	if newest.After(s.newest) {
		s.newest = newest
	}
	s.mu.Unlock()
	return nil
}

// writeSpills sorts and writes the epoch's spill files, two at a time,
// and returns the tables to ingest.
func (s *Store) writeSpills(ep *epoch) ([]string, error) {
	todo := make(chan int, spillParts)
	// Each worker takes its buffers once, for the largest part: a fresh
	// page costs a fault (16 µs on this project's VM), and growing them
	// part by part faulted in 250 MB at 10 M lines.
	var maxBytes int64
	maxRecs := 0
	for p, sf := range ep.spills {
		if sf != nil && sf.n > 0 {
			todo <- p
			maxBytes, maxRecs = max(maxBytes, sf.n), max(maxRecs, sf.recs)
		}
	}
	close(todo)
	if maxBytes > spillChunkBytes {
		maxRecs = int(int64(maxRecs) * spillChunkBytes / maxBytes)
		maxBytes = spillChunkBytes
	}
	var (
		mu    sync.Mutex
		paths []string
		errs  []error
		wg    sync.WaitGroup
	)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			kv := kvSorter{
				buf:   make([]byte, 0, maxBytes+64<<10),
				recs:  make([]kvRec, 0, maxRecs+1),
				spare: make([]kvRec, maxRecs+1),
			}
			for p := range todo {
				ps, err := s.writeSpill(ep, p, &kv)
				mu.Lock()
				paths = append(paths, ps...)
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}()
	}
	wg.Wait()
	return paths, errors.Join(errs...)
}

// writeSpill sorts spill part p in kv and writes it as tables. A part
// larger than spillChunkBytes is sorted a chunk at a time; every chunk
// but the last is ingested at once (its keys overlap the next chunk's).
func (s *Store) writeSpill(ep *epoch, p int, kv *kvSorter) (paths []string, err error) {
	sf := ep.spills[p]
	if _, err := sf.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	rd := bufio.NewReaderSize(sf.f, 256<<10)
	for chunk := 0; ; chunk++ {
		kv.buf, kv.recs = kv.buf[:0], kv.recs[:0]
		more := false
		for {
			kl, err := binary.ReadUvarint(rd)
			if err == io.EOF {
				break
			}
			if err != nil {
				return paths, fmt.Errorf("%s: %w", sf.path, err)
			}
			vl, err := binary.ReadUvarint(rd)
			if err != nil {
				return paths, fmt.Errorf("%s: %w", sf.path, err)
			}
			k := len(kv.buf)
			kv.buf = slices.Grow(kv.buf, int(kl+vl))[:k+int(kl+vl)]
			if _, err := io.ReadFull(rd, kv.buf[k:]); err != nil {
				return paths, fmt.Errorf("%s: %w", sf.path, err)
			}
			kv.markAt(k, k+int(kl), len(kv.buf))
			if int64(len(kv.buf)) >= spillChunkBytes {
				more = true
				break
			}
		}
		if more {
			if _, err := rd.Peek(1); err == io.EOF {
				more = false
			}
		}
		if !more {
			// Read: its pages need not reach the disk.
			sf.f.Close()
			os.Remove(sf.path)
			ep.spills[p] = nil
		}
		kv.sort()
		ps, err := s.writeTables(fmt.Sprintf("bulk-%06d-%02d-%d", ep.seq, p, chunk), kv, func(k []byte) uint64 {
			_, t := spillPart(k)
			return t
		})
		if err == nil && more {
			// overlaps the next chunk: ingested on its own, now
			if err = syncFiles(ps); err == nil {
				err = s.db.Ingest(context.Background(), ps)
			}
			for _, path := range ps {
				os.Remove(path)
			}
			ps = nil
		}
		paths = append(paths, ps...)
		if err != nil || !more {
			return paths, err
		}
	}
}

// writeTables writes kv's sorted records as tables of the last level
// named prefix-N.sst, a new table wherever table(key) changes, and
// returns their paths. Of equal keys it keeps the one written last.
func (s *Store) writeTables(prefix string, kv *kvSorter, table func(k []byte) uint64) (paths []string, err error) {
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
	var cur uint64
	for i, rec := range kv.recs {
		if i+1 < len(kv.recs) && kv.cmpKeys(&kv.recs[i], &kv.recs[i+1]) == 0 {
			continue // a later one follows
		}
		k := kv.buf[rec.k:rec.v]
		if t := table(k); w == nil || t != cur {
			if err := closeW(); err != nil {
				return paths, err
			}
			path := filepath.Join(s.dir, fmt.Sprintf("%s-%d.sst", prefix, len(paths)))
			f, err := s.po.FS.Create(path, vfs.WriteCategoryUnspecified)
			if err != nil {
				return paths, err
			}
			paths = append(paths, path)
			w = sstable.NewWriter(objstorageprovider.NewFileWritable(noSync{f}), s.po.MakeWriterOptions(len(s.po.Levels)-1, s.db.TableFormat()))
			cur = t
		}
		if err := w.Set(k, kv.buf[rec.v:rec.end]); err != nil {
			return paths, err
		}
	}
	return paths, nil
}

// noSync leaves a table's fsync to syncFiles: one at a time, as each
// table is finished, they kept the writers waiting for the disk (5 of
// 25 s at 10 M lines).
type noSync struct{ vfs.File }

func (noSync) Sync() error { return nil }

// syncFiles makes the tables at paths durable, a few at a time, before
// they are ingested.
func syncFiles(paths []string) error {
	todo := make(chan string, len(paths))
	for _, p := range paths {
		todo <- p
	}
	close(todo)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range todo {
				f, err := os.Open(p)
				if err == nil {
					err = f.Sync()
					f.Close()
				}
				if err != nil && errs[i] == nil {
					errs[i] = err
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
