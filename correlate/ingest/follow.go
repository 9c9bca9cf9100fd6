package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"sync"
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
	failed map[string]*failedFile // by path
	ends   map[uint64]*lineEnds   // of files truncated or gone, by file id
	// doneGzip holds the .gz files read to their end (by path, as they
	// were then): not opened again while they stay so.
	doneGzip map[string]os.FileInfo
	// verified is the .gz identify has just verified whole, and
	// verifyErr what was wrong with it.
	verified  *os.File
	verifyErr error
	start     time.Time
	// listed is every path being read (the last poll's, or Index's
	// queue): where an original renamed while nobody watched may be.
	listed []string
	// rescan: a listed path is gone, names another file or was
	// truncated: the Follower looks for new files at once (a rotation).
	rescan bool

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
	return newTailerFrom(ctx, w, cfg, cps), nil
}

// newTailerFrom returns a tailer that knows the files cps name.
func newTailerFrom(ctx context.Context, w store.Writer, cfg Config, cps []store.Checkpoint) *tailer {
	t := &tailer{cfg: cfg, w: w, cps: map[uint64]store.Checkpoint{}, fps: newFPIndex(cfg.Host, cfg.FingerprintBytes),
		active: map[uint64]*source{}, byPath: map[string]*source{}, files: map[uint64]bool{}, failed: map[string]*failedFile{}, ends: map[uint64]*lineEnds{}, doneGzip: map[string]os.FileInfo{}, start: time.Now()}
	t.stats.Skipped = map[string]int64{}
	for _, cp := range cps {
		t.cps[cp.FileID] = cp
		t.fps.add(cp.Fingerprint, cp.FingerprintLen, cp.FileID)
	}
	// writes already handed over finish even when ctx ends
	t.commit = newCommitter(context.WithoutCancel(ctx), w)
	return t
}

// poll lists the paths and reads what is new. With final, every source is
// read to its end, its held-back entry emitted, and closed (Index).
func (t *tailer) poll(ctx context.Context, paths []string, final bool) error {
	if !final {
		t.listed = paths
	}
	handled := make(map[uint64]bool, len(t.active))
	listed := make(map[string]bool, len(paths))
	for _, p := range paths {
		listed[p] = true
	}
	for p, s := range t.byPath {
		if !listed[p] {
			delete(t.byPath, p)
			s.path = ""
		}
	}
	for p := range t.doneGzip {
		if !listed[p] {
			delete(t.doneGzip, p)
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
			t.fail(p, err, errors.Is(err, errGzipCut) && !final)
		} else if s := t.byPath[p]; s != nil && s.gzCut {
			t.fail(p, fmt.Errorf("%s: %w", p, errGzipCut), !final)
		}
	}
	// sources no listed path names any more: read on through the descriptor
	for id, s := range t.active {
		if handled[id] || t.failed[s.path] != nil {
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
			if (!s.eof || s.bstart < s.bend || s.skipping) && !s.gzCut && t.failed[s.path] == nil {
				t.stats.Partial++
			}
			t.trace("close", s)
			if s.gzDone && s.path != "" && t.byPath[s.path] == s {
				t.doneGzip[s.path] = s.pathFI
			}
			if s.f == nil && s.ends != nil {
				// truncated or gone: its copy may lack its last lines
				s.ends.until = now.Add(keepEnds)
				t.ends[id] = s.ends
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
	for id, e := range t.ends {
		if now.After(e.until) {
			delete(t.ends, id)
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

// testAfterOpen, when set by a test, runs between a file's open and the
// first read of its head.
var testAfterOpen func(path string)

func wrapStore(err error) error { return fmt.Errorf("%w: %w", errStore, err) }

// trace reports a decision about s to Config.Trace.
func (t *tailer) trace(what string, s *source) {
	if t.cfg.Trace == nil {
		return
	}
	t.cfg.Trace("%s %s id=%x gz=%v fdPos=%d pos=%d line=%d buffered=%d cp=%d/%d", what, s.path, s.cp.FileID, s.gz, s.fdPos, s.pos, s.line, s.bend-s.bstart, s.cp.Offset, s.cp.Line)
}

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
		t.rescan = true
		return nil // gone since listed
	}
	if t.stillFailed(p, fi) {
		return nil
	}
	if d := t.doneGzip[p]; d != nil {
		if os.SameFile(fi, d) && fi.Size() == d.Size() && fi.ModTime().Equal(d.ModTime()) {
			return nil // read to its end, and not changed since
		}
		delete(t.doneGzip, p)
	}
	if s := t.byPath[p]; s != nil {
		if os.SameFile(fi, s.pathFI) && s.unchanged(fi) {
			handled[s.cp.FileID] = true
			return nil
		}
		if os.SameFile(fi, s.pathFI) && s.stillSame(t.cfg.Host) {
			handled[s.cp.FileID] = true
			s.seen = fi
			_, err := t.read(s)
			return err
		}
		delete(t.byPath, p)
		t.rescan = true
		t.trace("unnamed", s) // s.path is still p
		s.path = ""
		if s.f != nil && !s.stillSame(t.cfg.Host) {
			// truncated (copytruncate) or overwritten: what is left to read
			// is in the copy, if it is among the paths
			s.close()
			t.trace("truncated", s)
		}
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	if testAfterOpen != nil {
		testAfterOpen(p)
	}
	prefix, gz, err := readHead(f, t.cfg.FingerprintBytes)
	if err != nil || prefix == nil {
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return nil
	}
	alike := t.fps.match(prefix)
	id, known, upTo, upToLine := t.identify(alike, f, gz)
	if known && handled[id] {
		f.Close() // the same content under a second name
		return nil
	}
	if known {
		if s := t.active[id]; s != nil {
			if old := s.path; old != "" && t.byPath[old] == s {
				delete(t.byPath, old)
			}
			s.path, s.pathFI, s.seen = p, fi, nil
			t.byPath[p] = s
			if s.f != nil && !s.stillSame(t.cfg.Host) {
				s.close() // truncated under us: read on from the copy
				t.rescan = true
				t.trace("truncated", s)
			}
			if s.f == nil {
				if err := t.attach(s, f, gz, s.fdPos); err != nil {
					f.Close()
					return err
				}
				t.trace("reattached", s)
			} else {
				t.trace("renamed", s)
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
			if gz {
				t.doneGzip[p] = fi
			}
			return nil
		}
	} else {
		fp := fingerprint(t.cfg.Host, prefix)
		id = fp
		if _, taken := t.cps[fp]; taken || len(alike) > 0 {
			id = t.newFileID(fp, identityOf(f)) // another file starts alike
		}
		cp = store.Checkpoint{FileID: id, Fingerprint: fp, FingerprintLen: len(prefix), Line: 1, Created: time.Now().UTC()}
		if upTo > 0 {
			// a copy of what was read of another file: read up to its end
			cp.Offset, cp.Line = upTo, upToLine
		}
		t.fps.add(fp, len(prefix), id)
		t.cps[id] = cp
	}
	s, err := t.openSource(cp, p, fi, f, gz)
	if err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", p, err)
	}
	t.upgradeFingerprint(s, prefix)
	switch {
	case known:
		t.trace("resumed", s)
	case upTo > 0:
		t.trace("opened as a copy of what was read of a file that starts alike", s)
	case len(alike) > 0:
		t.trace("opened apart from files that start alike", s)
	default:
		t.trace("opened", s)
	}
	t.active[id] = s
	t.byPath[p] = s
	t.files[id] = true
	handled[id] = true
	grew, err := t.read(s)
	if err == nil && upTo > 0 && !grew {
		err = t.submit(s, false) // its checkpoint: read up to its end
	}
	return err
}

// upgradeFingerprint lengthens a short fingerprint once the file has grown.
func (t *tailer) upgradeFingerprint(s *source, prefix []byte) {
	if s.cp.FingerprintLen >= len(prefix) {
		return
	}
	t.fps.remove(s.cp.Fingerprint, s.cp.FingerprintLen, s.cp.FileID)
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
// path that does not exist is an error; a file that cannot be read (a
// damaged or cut .gz, a read error, not a regular file) is not: it is
// counted in Stats.Errors and named in Stats.Failed, and the others are
// read.
//
// Files are read Config.Workers at a time, each to its end by one
// worker. Files whose first bytes agree (a rotated file and its .gz copy
// may hold the same lines) go to the same worker, which reads them in
// turn and so knows the second for what it is; files too short to tell
// are read last, by a reader that knows every file read before.
func Index(ctx context.Context, w store.Writer, cfg Config) (Stats, error) {
	start := time.Now()
	paths, other, err := discover(cfg.Paths, cfg.Exclude, true)
	if err != nil {
		return Stats{}, fmt.Errorf("ingest: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return Stats{}, err
	}
	cps, err := w.Checkpoints(ctx)
	if err != nil {
		return Stats{}, fmt.Errorf("ingest: read checkpoints: %w", err)
	}
	var total int64
	sizes := make(map[string]int64, len(paths))
	for _, p := range paths {
		if fi, err := os.Stat(p); err == nil {
			total += fi.Size()
			sizes[p] = fi.Size()
		}
	}
	groups, rest := groupByHead(paths, cfg.FingerprintBytes)
	nw := cfg.Workers
	if nw == 0 {
		nw = runtime.GOMAXPROCS(0)
	}
	nw = max(1, min(nw, len(groups)))
	queues := deal(groups, sizes, nw)

	sum := &progressSum{fn: cfg.Progress, last: make([]Stats, nw+1), total: total, start: start}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tailers := make([]*tailer, nw)
	errs := make([]error, nw)
	var wg sync.WaitGroup
	for i := range tailers {
		c := cfg
		if cfg.Progress != nil {
			c.Progress = sum.reporter(i)
		}
		tailers[i] = newTailerFrom(ctx, w, c, cps)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = tailers[i].readAll(ctx, queues[i])
			if cerr := tailers[i].close(); errs[i] == nil {
				errs[i] = cerr
			}
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	var st Stats
	for _, t := range tailers {
		st.add(t.snapshot())
	}
	err = firstError(errs)
	if err == nil && len(rest) > 0 {
		// what every worker read, as the next reader must know it
		known := map[uint64]store.Checkpoint{}
		for _, cp := range cps {
			known[cp.FileID] = cp
		}
		for _, t := range tailers {
			for id := range t.files {
				known[id] = t.cps[id]
			}
		}
		all := make([]store.Checkpoint, 0, len(known))
		for _, cp := range known {
			all = append(all, cp)
		}
		c := cfg
		if cfg.Progress != nil {
			c.Progress = sum.reporter(nw)
		}
		t := newTailerFrom(ctx, w, c, all)
		err = t.readAll(ctx, rest)
		if cerr := t.close(); err == nil {
			err = cerr
		}
		st.add(t.snapshot())
	}
	for p, why := range other {
		st.add(Stats{Errors: 1, LastError: why, Failed: map[string]string{p: why}})
	}
	st.BytesTotal = total
	st.Elapsed = time.Since(start)
	return st, err
}

// readAll reads each of paths to its end, one after the other.
func (t *tailer) readAll(ctx context.Context, paths []string) error {
	t.listed = paths
	for _, p := range paths {
		if err := t.poll(ctx, []string{p}, true); err != nil {
			return err
		}
	}
	return nil
}

func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// headBytes is how many first bytes group files for Index: two files of
// which one may continue the other agree on them.
const headBytes = 256

// groupByHead groups paths whose first headBytes agree, in the order of
// paths; rest are the files too short to tell (or unreadable, so that
// their error is met where it was before).
func groupByHead(paths []string, fpBytes int) (groups [][]string, rest []string) {
	byHead := map[uint64]int{}
	for _, p := range paths {
		head := fileHead(p, fpBytes)
		if len(head) < headBytes {
			rest = append(rest, p)
			continue
		}
		k := fingerprint("", head[:headBytes])
		g, ok := byHead[k]
		if !ok {
			g = len(groups)
			byHead[k] = g
			groups = append(groups, nil)
		}
		groups[g] = append(groups[g], p)
	}
	return groups, rest
}

func fileHead(p string, n int) []byte {
	f, err := os.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	head, _, _ := readHead(f, max(n, headBytes))
	return head
}

// deal hands the groups to n queues, the largest (by sizes) first to the
// emptiest.
func deal(groups [][]string, sizes map[string]int64, n int) [][]string {
	type sized struct {
		g []string
		n int64
	}
	gs := make([]sized, len(groups))
	for i, g := range groups {
		gs[i].g = g
		for _, p := range g {
			gs[i].n += sizes[p]
		}
	}
	slices.SortStableFunc(gs, func(a, b sized) int { return cmp.Compare(b.n, a.n) })
	queues := make([][]string, n)
	load := make([]int64, n)
	for _, g := range gs {
		i := slices.Index(load, slices.Min(load))
		queues[i] = append(queues[i], g.g...)
		load[i] += g.n
	}
	return queues
}

// progressSum adds up the workers' progress for Config.Progress.
type progressSum struct {
	mu    sync.Mutex
	fn    func(Stats)
	last  []Stats
	total int64
	start time.Time
}

func (p *progressSum) reporter(i int) func(Stats) {
	return func(s Stats) {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.last[i] = s
		var sum Stats
		for _, l := range p.last {
			sum.add(l)
		}
		sum.BytesTotal = p.total
		sum.Elapsed = time.Since(p.start)
		p.fn(sum)
	}
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
// are counted in Stats.Errors, named in Stats.Failed, and tried again once
// they change.
func (f *Follower) Run(ctx context.Context) error {
	t, err := newTailer(ctx, f.w, f.cfg)
	if err != nil {
		return err
	}
	tick := time.NewTicker(f.cfg.PollInterval)
	defer tick.Stop()
	var paths []string
	var found time.Time // of the last discovery
	for {
		// Known files are polled every PollInterval; new ones are looked
		// for every DiscoverInterval, and at once after a rotation.
		if found.IsZero() || t.rescan || time.Since(found) >= f.cfg.DiscoverInterval {
			var other map[string]string
			paths, other, _ = discover(f.cfg.Paths, f.cfg.Exclude, false)
			found, t.rescan = time.Now(), false
			for p, why := range other {
				if _, told := t.stats.Failed[p]; !told {
					t.report(p, why)
				}
			}
		}
		err := t.poll(ctx, paths, false)
		if err == nil {
			// a write that failed after the poll handed it over: there may
			// be no next batch to tell
			if cerr := t.commit.failed(); cerr != nil {
				err = wrapStore(cerr)
			}
		}
		if err != nil && ctx.Err() == nil {
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
