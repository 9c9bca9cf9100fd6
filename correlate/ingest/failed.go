package ingest

import (
	"errors"
	"os"
	"time"
)

// A file that cannot be read (a damaged or cut .gz, a read error) costs
// only itself: it is reported in Stats.Failed and skipped, and the
// Follower opens it again only once it changes. A damaged .gz is the same
// bytes on every poll, and reading it again would decompress it up to the
// damage each time.

// errGzipCut is a .gz whose stream ends before its end marker.
var errGzipCut = errors.New("gzip stream cut short (truncated, or still being written)")

// failedFile is a file that could not be read, as it was then.
type failedFile struct {
	size  int64
	mtime time.Time
	id    fileID
	why   string
	since time.Time
	// quiet: not reported yet. A .gz the Follower finds cut short may be
	// one being written; it is reported once it has stayed so for
	// Config.IdleFlush.
	quiet bool
	// grew: a quiet .gz changed since it was found cut. It is read again
	// once it stops changing for a poll, not on every poll while its
	// compressor writes it: each read decompresses it from its start.
	grew bool
}

func (f *failedFile) same(fi os.FileInfo) bool {
	return fi.Size() == f.size && fi.ModTime().Equal(f.mtime) && identity(fi) == f.id
}

// fail records that the file at p could not be read.
func (t *tailer) fail(p string, err error, quiet bool) {
	fi, serr := os.Stat(p)
	if serr != nil {
		t.report(p, err.Error()) // gone meanwhile: nothing to wait for
		return
	}
	f := &failedFile{size: fi.Size(), mtime: fi.ModTime(), id: identity(fi), why: err.Error(), since: time.Now(), quiet: quiet}
	t.failed[p] = f
	if !quiet {
		t.report(p, f.why)
	}
}

// report counts a file that cannot be read.
func (t *tailer) report(p, why string) {
	t.stats.Errors++
	t.stats.LastError = why
	if t.stats.Failed == nil {
		t.stats.Failed = map[string]string{}
	}
	t.stats.Failed[p] = why
}

// stillFailed reports whether the file at p (now fi) failed before and has
// not changed since: it is not read again.
func (t *tailer) stillFailed(p string, fi os.FileInfo) bool {
	f := t.failed[p]
	if f == nil {
		return false
	}
	switch same := f.same(fi); {
	case f.quiet && !same: // still being written: wait for it to settle
		f.size, f.mtime, f.id, f.since, f.grew = fi.Size(), fi.ModTime(), identity(fi), time.Now(), true
		return true
	case same && !f.grew:
		if f.quiet && time.Since(f.since) >= t.cfg.IdleFlush {
			f.quiet = false
			t.report(p, f.why)
		}
		return true
	}
	delete(t.failed, p)
	delete(t.stats.Failed, p)
	return false
}
