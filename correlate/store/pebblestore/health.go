package pebblestore

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/cockroachdb/pebble/v2"
)

// diskHealth remembers that Pebble could not write a table because the
// file system is full. Pebble itself then stalls every write until a
// flush succeeds (and retries the flush without pause), so a writer would
// hang with no word of why. While the disk is full, Write fails at once
// with an error that wraps syscall.ENOSPC and leaves the memtable as it
// is; the first flush or compaction that succeeds clears the state.
type diskHealth struct {
	mu   sync.Mutex
	full error
	ch   chan struct{} // closed while full is set
}

func (h *diskHealth) set(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.full == nil {
		if h.ch == nil {
			h.ch = make(chan struct{})
		}
		close(h.ch)
	}
	h.full = err
}

func (h *diskHealth) clear() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.full != nil {
		h.full, h.ch = nil, make(chan struct{})
	}
}

// fullC returns a channel that is closed while the disk is full.
func (h *diskHealth) fullC() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ch == nil {
		h.ch = make(chan struct{})
	}
	return h.ch
}

func (h *diskHealth) listener() *pebble.EventListener {
	note := func(err error) {
		if isNoSpace(err) {
			e := fmt.Errorf("pebblestore: the disk is full, entries wait until there is room: %w", noSpace{err})
			h.set(e)
		}
	}
	return &pebble.EventListener{
		BackgroundError: note,
		FlushEnd: func(info pebble.FlushInfo) {
			if info.Err == nil {
				h.clear()
			}
		},
		CompactionEnd: func(info pebble.CompactionInfo) {
			if info.Err == nil {
				h.clear()
			}
		},
	}
}

// err is the disk-full error, or nil.
func (h *diskHealth) err() error {
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.full
}

func isNoSpace(err error) bool {
	return err != nil && (errors.Is(err, syscall.ENOSPC) || strings.Contains(err.Error(), "no space left on device"))
}

// noSpace keeps Pebble's message and makes errors.Is(err, syscall.ENOSPC)
// hold even where Pebble's error wrapping does not say so.
type noSpace struct{ err error }

func (e noSpace) Error() string        { return e.err.Error() }
func (e noSpace) Is(target error) bool { return target == syscall.ENOSPC }
func (e noSpace) Unwrap() error        { return e.err }

// commit commits b and closes it. While the disk is full, Pebble stalls a
// commit until a flush succeeds; commit then returns the disk-full error
// at once and lets the stalled commit finish on its own once there is
// room. That is harmless: entries are keyed by file and offset, so when
// the writer sends them again they land on the same keys.
func (s *Store) commit(b *pebble.Batch, wo *pebble.WriteOptions) error {
	if err := s.roomForWAL(); err != nil {
		b.Close()
		return err
	}
	done := make(chan error, 1)
	s.commits.Add(1)
	go func() {
		defer s.commits.Add(-1)
		err := b.Commit(wo)
		b.Close()
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-s.health.fullC():
		select {
		case err := <-done:
			return err
		default:
			return s.health.err()
		}
	}
}

// roomForWAL fails with a disk-full error while the data folder's file
// system has less room than two memtables. Pebble panics, and takes the
// process with it, when it cannot close a full write-ahead log or create
// the next one; a commit that could fill the log must not start then.
// (Found by TestDiskFullReal: which write meets the full disk first
// depends on the table sizes.)
func (s *Store) roomForWAL() error {
	if s.opts.DisableWAL {
		return nil
	}
	free, ok := fsFree(s.dir)
	if !ok {
		return nil // no figure: let Pebble find out
	}
	if need := 2 * s.opts.MemTableBytes; free < need {
		return fmt.Errorf("pebblestore: %s: the disk is full (%d KiB free, %d KiB kept for the write-ahead log), entries wait until there is room: %w",
			s.dir, free>>10, need>>10, noSpace{syscall.ENOSPC})
	}
	return nil
}

// minMemTableBytes is the smallest memtable Open picks for a small file
// system.
const minMemTableBytes = 256 << 10

// fsFree returns the bytes free to an unprivileged writer on dir's file
// system.
func fsFree(dir string) (uint64, bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, false
	}
	return st.Bavail * uint64(st.Bsize), true
}

// fsBytes returns the size of the file system dir is on (or would be
// created on), 0 when unknown.
func fsBytes(dir string) uint64 {
	for {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err == nil {
			return st.Blocks * uint64(st.Bsize)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return 0
		}
		dir = parent
	}
}
