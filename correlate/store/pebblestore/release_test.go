package pebblestore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/store"
)

// bigBatch is n entries of trace traceA at offsets from off, each with a
// message of about 1 KiB.
func bigBatch(off int64, n int) []store.Entry {
	pad := strings.Repeat("x", 1000)
	es := make([]store.Entry, n)
	for i := range es {
		o := off + int64(i)*2000
		es[i] = rec(o, t0.Add(time.Duration(o)*time.Microsecond), traceA, "", fmt.Sprintf("m%d %s", o, pad))
	}
	return es
}

// releaseSoon calls ReleaseMemory until it is done, as serve does: a
// flush or compaction the last writes started may still be running.
func releaseSoon(t *testing.T, s *Store) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !s.ReleaseMemory(); {
		if time.Now().After(deadline) {
			t.Fatal("the store asked to be released later for 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestReleaseMemoryReopens: an idle store's memtables go back to the
// system (the store is closed and opened again: Pebble keeps them for as
// long as it is open), what it held stays, the folder stays locked
// throughout, and writes go on after.
func TestReleaseMemoryReopens(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	defer s.Close()
	for i := range 4 {
		if err := s.Write(ctx, bigBatch(int64(i)*2000*1000, 1000), store.Checkpoint{FileID: 1, Path: "a.log", Offset: int64(i+1) * 2000 * 1000}); err != nil {
			t.Fatal(err)
		}
	}
	before := s.db.Metrics().MemTable
	if before.Size+before.ZombieSize <= releaseAbove {
		t.Fatalf("memtables hold %d bytes before the release: the test writes too little", before.Size+before.ZombieSize)
	}
	releaseSoon(t, s)
	after := s.db.Metrics().MemTable
	if after.Size+after.ZombieSize >= before.Size+before.ZombieSize || after.Size > 1<<20 {
		t.Errorf("memtables %d + %d bytes after the release, %d + %d before", after.Size, after.ZombieSize, before.Size, before.ZombieSize)
	}
	if _, err := Open(dir, Options{ReadOnly: true}); !errors.Is(err, ErrLocked) {
		t.Errorf("another open after the release: %v, want ErrLocked", err)
	}
	ids, _ := store.ParseTraceID(traceA)
	if got, err := s.Logs(ctx, ids...); err != nil || len(got) != 4000 {
		t.Fatalf("after the release: %d entries, %v; want 4000", len(got), err)
	}
	if err := s.Write(ctx, bigBatch(9_000_000_000, 10), store.Checkpoint{FileID: 1, Path: "a.log", Offset: 9_000_100_000}); err != nil {
		t.Fatal(err)
	}
	cps, err := s.Checkpoints(ctx)
	if err != nil || len(cps) != 1 || cps[0].Offset != 9_000_100_000 {
		t.Errorf("checkpoints %+v, %v", cps, err)
	}
	releaseSoon(t, s)
}

// TestReleaseMemoryWaitsForUse: a release while a method uses the store
// does nothing and asks to be called again.
func TestReleaseMemoryWaitsForUse(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir(), Options{})
	defer s.Close()
	if err := s.Write(ctx, bigBatch(0, 3000), store.Checkpoint{FileID: 1, Path: "a.log", Offset: 6_000_000}); err != nil {
		t.Fatal(err)
	}
	inRange, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		first := true
		done <- s.Range(ctx, time.Time{}, time.Time{}, func(*store.Entry) bool {
			if first {
				first = false
				close(inRange)
				<-release
			}
			return true
		})
	}()
	<-inRange
	db := s.db
	if s.ReleaseMemory() {
		t.Error("released while a Range was reading")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if s.db != db {
		t.Error("the store was reopened under a Range")
	}
	releaseSoon(t, s)
	if s.db == db {
		t.Error("not reopened once the Range ended")
	}
}

// TestReleaseMemoryUnderLoad: reopens while writers and a reader run lose
// nothing and fail nothing (run with -race): the writers go on until the
// store has been reopened three times under them.
func TestReleaseMemoryUnderLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir, Options{})
	defer func() { s.Close() }()
	// Reopen whatever the memtables hold: the writers keep them small.
	defer func(v uint64) { releaseAbove = v }(releaseAbove)
	releaseAbove = 0
	const writers, per = 4, 100
	var wg sync.WaitGroup
	errs := make(chan error, writers+2)
	stop := make(chan struct{})
	var mu sync.Mutex
	written := 0
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; ; b++ {
				select {
				case <-stop:
					return
				default:
				}
				off := int64(w)*1e12 + int64(b)*per*2000
				if err := s.WriteSync(ctx, bigBatch(off, per), store.Checkpoint{FileID: uint64(w + 1), Path: fmt.Sprintf("w%d.log", w), Offset: off + per*2000}); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				written += per
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		}()
	}
	ids, _ := store.ParseTraceID(traceA)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if _, err := s.LogsPage(ctx, ids, store.Cursor{}, 20); err != nil && !errors.Is(err, store.ErrEmpty) {
				errs <- err
				return
			}
		}
	}()
	reopens := 0
	deadline := time.Now().Add(60 * time.Second)
	for reopens < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		db := s.dbForTest()
		if s.ReleaseMemory() && s.dbForTest() != db {
			reopens++
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if reopens < 3 {
		t.Fatalf("%d reopens in 60 s under load, want 3", reopens)
	}
	got, err := s.Logs(ctx, ids...)
	if err != nil || len(got) != written {
		t.Fatalf("%d entries, %v; want the %d written", len(got), err, written)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openTest(t, dir, Options{ReadOnly: true})
	if got, err := s.Logs(ctx, ids...); err != nil || len(got) != written {
		t.Fatalf("opened again: %d entries, %v; want %d", len(got), err, written)
	}
}

// dbForTest reads db under the gate.
func (s *Store) dbForTest() any {
	s.gate.RLock()
	defer s.gate.RUnlock()
	return s.db
}
