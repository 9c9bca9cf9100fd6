package chstore

import (
	"encoding/gob"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/traceline/traceline/correlate/store"
)

// ErrSpoolFull is wrapped (with ErrUnavailable) by Write when ClickHouse is
// unreachable and the spool has no room for the batch.
var ErrSpoolFull = errors.New("spool full")

// spool is a folder of batches waiting for ClickHouse, one file each,
// named by a sequence number so they are sent in the order written. A file
// is written to a temporary name, synced and renamed, so a crash leaves
// either the whole batch or none; it is removed only after the batch and
// its checkpoint are in ClickHouse.
type spool struct {
	dir   string
	limit int64

	mu    sync.Mutex
	seqs  []uint64 // files held, oldest first
	sizes map[uint64]int64
	cps   map[uint64]store.Checkpoint // checkpoint of each file held
	bytes int64
	next  uint64
}

type spoolBatch struct {
	Entries []store.Entry
	CP      store.Checkpoint
}

const spoolExt = ".batch"

func openSpool(dir string, limit int64) (*spool, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("chstore: spool: %w", err)
	}
	sp := &spool{dir: dir, limit: limit, sizes: map[uint64]int64{}, cps: map[uint64]store.Checkpoint{}}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("chstore: spool: %w", err)
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasSuffix(name, ".tmp") {
			os.Remove(filepath.Join(dir, name)) // a batch a crash cut short; its Write never returned
			continue
		}
		seq, err := strconv.ParseUint(strings.TrimSuffix(name, spoolExt), 10, 64)
		if err != nil || !strings.HasSuffix(name, spoolExt) {
			continue
		}
		b, err := sp.read(seq)
		if err != nil {
			return nil, err
		}
		fi, err := e.Info()
		if err != nil {
			return nil, err
		}
		sp.seqs = append(sp.seqs, seq)
		sp.sizes[seq] = fi.Size()
		sp.cps[seq] = b.CP
		sp.bytes += fi.Size()
		sp.next = max(sp.next, seq+1)
	}
	slices.Sort(sp.seqs)
	return sp, nil
}

func (sp *spool) path(seq uint64) string {
	return filepath.Join(sp.dir, fmt.Sprintf("%020d%s", seq, spoolExt))
}

func (sp *spool) pending() bool {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return len(sp.seqs) > 0
}

// len returns the number of batches and bytes held.
func (sp *spool) len() (int, int64) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	return len(sp.seqs), sp.bytes
}

func (sp *spool) add(entries []store.Entry, cp store.Checkpoint) error {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	seq := sp.next
	tmp := sp.path(seq) + ".tmp"
	size, err := writeBatch(tmp, spoolBatch{Entries: entries, CP: cp})
	if err == nil && sp.bytes+size > sp.limit {
		err = fmt.Errorf("chstore: %w (%d bytes held, limit %d): %w", ErrSpoolFull, sp.bytes, sp.limit, ErrUnavailable)
	}
	if err == nil {
		err = os.Rename(tmp, sp.path(seq))
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	sp.next++
	sp.seqs = append(sp.seqs, seq)
	sp.sizes[seq] = size
	sp.cps[seq] = cp
	sp.bytes += size
	return nil
}

// writeBatch writes b to a new file at path, synced, and returns its size.
func writeBatch(path string, b spoolBatch) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600) // log lines: private
	if err != nil {
		return 0, fmt.Errorf("chstore: spool: %w", err)
	}
	err = gob.NewEncoder(f).Encode(b)
	if err == nil {
		err = f.Sync()
	}
	var size int64
	if fi, serr := f.Stat(); serr == nil {
		size = fi.Size()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("chstore: spool: %w", err)
	}
	return size, nil
}

// forget takes the entries match selects out of every batch held, and
// returns how many. A batch it changes is rewritten (a new file, synced,
// renamed over the old one); its checkpoint stays, so the lines taken out
// are not read again.
func (sp *spool) forget(match func(*store.Entry) bool) (int, error) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	n := 0
	for _, seq := range sp.seqs {
		b, err := sp.read(seq)
		if err != nil {
			return n, err
		}
		kept := b.Entries[:0]
		for i := range b.Entries {
			if !match(&b.Entries[i]) {
				kept = append(kept, b.Entries[i])
			}
		}
		if len(kept) == len(b.Entries) {
			continue
		}
		removed := len(b.Entries) - len(kept)
		b.Entries = kept
		tmp := sp.path(seq) + ".tmp"
		size, err := writeBatch(tmp, b)
		if err == nil {
			err = os.Rename(tmp, sp.path(seq))
		}
		if err != nil {
			os.Remove(tmp)
			return n, err
		}
		sp.bytes += size - sp.sizes[seq]
		sp.sizes[seq] = size
		n += removed
	}
	return n, nil
}

func (sp *spool) read(seq uint64) (spoolBatch, error) {
	var b spoolBatch
	f, err := os.Open(sp.path(seq))
	if err != nil {
		return b, fmt.Errorf("chstore: spool: %w", err)
	}
	defer f.Close()
	if err := gob.NewDecoder(f).Decode(&b); err != nil {
		return b, fmt.Errorf("chstore: spool file %s: %w", sp.path(seq), err)
	}
	for i := range b.Entries {
		b.Entries[i].At = b.Entries[i].At.UTC()
		if !b.Entries[i].Time.IsZero() {
			b.Entries[i].Time = b.Entries[i].Time.UTC()
		}
	}
	return b, nil
}

// oldest returns the oldest batch held, ok false when none.
func (sp *spool) oldest() (uint64, bool) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if len(sp.seqs) == 0 {
		return 0, false
	}
	return sp.seqs[0], true
}

// remove drops a batch that is in ClickHouse (or rejected).
func (sp *spool) remove(seq uint64) error {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if err := os.Remove(sp.path(seq)); err != nil && !os.IsNotExist(err) {
		return err
	}
	sp.seqs = slices.DeleteFunc(sp.seqs, func(s uint64) bool { return s == seq })
	sp.bytes -= sp.sizes[seq]
	delete(sp.sizes, seq)
	delete(sp.cps, seq)
	return nil
}

func (sp *spool) checkpoints() []store.Checkpoint {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	cps := make([]store.Checkpoint, 0, len(sp.cps))
	for _, seq := range sp.seqs {
		cps = append(cps, sp.cps[seq])
	}
	return cps
}

// Spooled returns how many batches and bytes wait in the spool.
func (s *Store) Spooled() (batches int, bytes int64) {
	if s.spool == nil {
		return 0, 0
	}
	return s.spool.len()
}

// drain sends the spool's batches, oldest first, until Close. A batch that
// fails with a retryable error is tried again after a pause that grows to
// 5s; one that ClickHouse rejects outright is moved to rejected/ (kept for
// inspection) so it cannot block the ones after it.
func (s *Store) drain() {
	defer close(s.drainDone)
	pause := 100 * time.Millisecond
	ctx := contextUntil(s.drainStop)
	for {
		seq, ok := s.spool.oldest()
		if !ok {
			select {
			case <-s.drainStop:
				return
			case <-s.kick:
				continue
			}
		}
		s.sending.Lock()
		b, err := s.spool.read(seq)
		if err == nil {
			err = s.send(ctx, b.Entries, b.CP)
		}
		s.sending.Unlock()
		switch {
		case err == nil:
			s.spool.remove(seq)
			pause = 100 * time.Millisecond
			continue
		case errors.Is(err, ErrUnavailable) || ctx.Err() != nil:
		default:
			rej := filepath.Join(s.spool.dir, "rejected")
			os.MkdirAll(rej, 0o700)
			os.Rename(s.spool.path(seq), filepath.Join(rej, filepath.Base(s.spool.path(seq))))
			s.spool.remove(seq)
			continue
		}
		select {
		case <-s.drainStop:
			return
		case <-time.After(pause):
		}
		pause = min(2*pause, 5*time.Second)
	}
}
