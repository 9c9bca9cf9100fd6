package ingest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/traceline/traceline/correlate/store"
)

// tailer holds the state shared by Index and Follower.
type tailer struct {
	cfg    Config
	w      store.Writer
	commit *committer
	cps    map[uint64]store.Checkpoint
	fps    *fpIndex
	active map[uint64]*source
	byPath map[string]*source
	stats  Stats
	files  map[uint64]bool
	start  time.Time

	lastProgress time.Time
}

func newTailer(ctx context.Context, w store.Writer, cfg Config) (*tailer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cps, err := w.Checkpoints(ctx)
	if err != nil {
		return nil, fmt.Errorf("ingest: read checkpoints: %w", err)
	}
	t := &tailer{cfg: cfg, w: w, cps: map[uint64]store.Checkpoint{}, fps: newFPIndex(cfg.Host, cfg.FingerprintBytes),
		active: map[uint64]*source{}, byPath: map[string]*source{}, files: map[uint64]bool{}, start: time.Now()}
	t.stats.Skipped = map[string]int64{}
	for _, cp := range cps {
		t.cps[cp.FileID] = cp
		t.fps.add(cp.Fingerprint, cp.FingerprintLen, cp.FileID)
	}
	// writes already handed over finish even when ctx ends
	t.commit = newCommitter(context.WithoutCancel(ctx), w)
	return t, nil
}

// poll lists the paths and reads what is new. With final, every source is
// read to its end, its held-back entry emitted, and closed (Index).
func (t *tailer) poll(ctx context.Context, paths []string, final bool) error {
	handled := map[uint64]bool{}
	listed := map[string]bool{}
	for _, p := range paths {
		listed[p] = true
	}
	for p, s := range t.byPath {
		if !listed[p] {
			delete(t.byPath, p)
			s.path = ""
		}
	}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := t.pollPath(p, handled, final); err != nil {
			if errors.Is(err, errStore) {
				return err
			}
			t.stats.Errors++
			t.stats.LastError = err.Error()
			if final {
				return err
			}
		}
	}
	// sources no listed path names any more: read on through the descriptor
	for id, s := range t.active {
		if handled[id] {
			continue
		}
		if _, err := t.read(s); err != nil {
			if errors.Is(err, errStore) {
				return err
			}
			t.stats.Errors++
			t.stats.LastError = err.Error()
		}
	}
	now := time.Now()
	for id, s := range t.active {
		idle := now.Sub(s.lastGrowth) >= t.cfg.IdleFlush
		switch {
		case final || (s.gz && s.eof) || (s.path == "" && s.eof && idle) || s.f == nil && idle:
			if err := t.submit(s, true); err != nil {
				return wrapStore(err)
			}
			if !s.eof || s.bstart < s.bend || s.skipping {
				t.stats.Partial++
			}
			st := s.asm.Stats()
			for k, v := range st.Reasons() {
				t.stats.Skipped[k] += v
			}
			s.close()
			delete(t.active, id)
			if t.byPath[s.path] == s {
				delete(t.byPath, s.path)
			}
		case idle && s.held:
			if err := t.submit(s, true); err != nil {
				return wrapStore(err)
			}
		}
	}
	t.stats.Files = len(t.files)
	t.stats.Elapsed = time.Since(t.start)
	if t.cfg.Progress != nil {
		t.cfg.Progress(t.snapshot())
	}
	return nil
}

var errStore = errors.New("store write failed")

func wrapStore(err error) error { return fmt.Errorf("%w: %w", errStore, err) }

func (t *tailer) snapshot() Stats {
	s := t.stats.clone()
	for _, src := range t.active {
		st := src.asm.Stats()
		for k, v := range st.Reasons() {
			s.Skipped[k] += v
		}
	}
	return s
}

func (t *tailer) pollPath(p string, handled map[uint64]bool, final bool) error {
	fi, err := os.Stat(p)
	if err != nil {
		return nil // gone since listed
	}
	if s := t.byPath[p]; s != nil {
		if os.SameFile(fi, s.pathFI) && s.stillSame(t.cfg.Host) {
			handled[s.cp.FileID] = true
			_, err := t.read(s)
			return err
		}
		delete(t.byPath, p)
		s.path = ""
		if s.f != nil && !s.stillSame(t.cfg.Host) {
			// truncated (copytruncate) or overwritten: what is left to read
			// is in the copy, if it is among the paths
			s.close()
		}
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	gz := isGzip(f)
	prefix, err := readPrefix(f, gz, t.cfg.FingerprintBytes)
	if err != nil || prefix == nil {
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return nil
	}
	id, known := t.fps.match(prefix)
	if known && handled[id] {
		f.Close() // the same content under a second name
		return nil
	}
	if known {
		if s := t.active[id]; s != nil {
			if old := s.path; old != "" && t.byPath[old] == s {
				delete(t.byPath, old)
			}
			s.path, s.pathFI = p, fi
			t.byPath[p] = s
			if s.f != nil && !s.stillSame(t.cfg.Host) {
				s.close() // truncated under us: read on from the copy
			}
			if s.f == nil {
				if err := s.attachFD(f, gz, s.fdPos, &t.stats.BytesRead); err != nil {
					f.Close()
					return err
				}
			} else {
				f.Close() // keep reading through the descriptor already open
			}
			t.upgradeFingerprint(s, prefix)
			handled[id] = true
			_, err := t.read(s)
			return err
		}
	}
	var cp store.Checkpoint
	if known {
		cp = t.cps[id]
		if cp.Done {
			f.Close()
			return nil
		}
	} else {
		fp := fingerprint(t.cfg.Host, prefix)
		cp = store.Checkpoint{FileID: fp, Fingerprint: fp, FingerprintLen: len(prefix), Line: 1, Created: time.Now().UTC()}
		t.fps.add(fp, len(prefix), fp)
		id = fp
	}
	s, err := t.openSource(cp, p, fi, f, gz)
	if err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", p, err)
	}
	t.upgradeFingerprint(s, prefix)
	t.active[id] = s
	t.byPath[p] = s
	t.files[id] = true
	handled[id] = true
	_, err = t.read(s)
	return err
}

// upgradeFingerprint lengthens a short fingerprint once the file has grown.
func (t *tailer) upgradeFingerprint(s *source, prefix []byte) {
	if s.cp.FingerprintLen >= len(prefix) {
		return
	}
	t.fps.remove(s.cp.Fingerprint, s.cp.FingerprintLen)
	s.cp.Fingerprint, s.cp.FingerprintLen = fingerprint(t.cfg.Host, prefix), len(prefix)
	t.fps.add(s.cp.Fingerprint, s.cp.FingerprintLen, s.cp.FileID)
	t.cps[s.cp.FileID] = s.cp
}

func (t *tailer) close() error {
	for _, s := range t.active {
		s.close()
	}
	return t.commit.close()
}

// Index reads every file the paths name to its end, once, and returns what
// it read. A file already indexed is read on from its checkpoint. A plain
// path that does not exist is an error.
func Index(ctx context.Context, w store.Writer, cfg Config) (Stats, error) {
	paths, err := discover(cfg.Paths, cfg.Exclude, true)
	if err != nil {
		return Stats{}, fmt.Errorf("ingest: %w", err)
	}
	t, err := newTailer(ctx, w, cfg)
	if err != nil {
		return Stats{}, err
	}
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			t.stats.BytesTotal += fi.Size()
		}
	}
	// one file at a time, each to its end
	for _, p := range paths {
		if err = t.poll(ctx, []string{p}, true); err != nil {
			break
		}
	}
	if cerr := t.close(); err == nil {
		err = cerr
	}
	st := t.snapshot()
	st.Elapsed = time.Since(t.start)
	return st, err
}

// Follower tails files, folders and globs into a store until its context
// ends: `correlate serve` runs one.
type Follower struct {
	w   store.Writer
	cfg Config
}

// NewFollower returns a Follower writing to w.
func NewFollower(w store.Writer, cfg Config) (*Follower, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Follower{w: w, cfg: cfg}, nil
}

// Run reads until ctx ends, then writes what it holds and returns nil; it
// returns an error only when the store fails. Files that cannot be read
// are counted in Stats.Errors and retried on the next poll.
func (f *Follower) Run(ctx context.Context) error {
	t, err := newTailer(ctx, f.w, f.cfg)
	if err != nil {
		return err
	}
	tick := time.NewTicker(f.cfg.PollInterval)
	defer tick.Stop()
	for {
		paths, _ := discover(f.cfg.Paths, f.cfg.Exclude, false)
		if err := t.poll(ctx, paths, false); err != nil && ctx.Err() == nil {
			t.close()
			return err
		}
		select {
		case <-ctx.Done():
			// keep the held-back entries for the next run: the checkpoints
			// already resume before them
			if err := t.commit.close(); err != nil && !errors.Is(err, context.Canceled) {
				return err
			}
			for _, s := range t.active {
				s.close()
			}
			return nil
		case <-tick.C:
		}
	}
}
