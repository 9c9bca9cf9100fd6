package ingest

import (
	"bytes"
	"os"
	"time"

	"github.com/cespare/xxhash/v2"
)

// File identity. A file is first known by its leading bytes (the
// fingerprint), which survive every way logs are rotated: a rename, a
// copy (copytruncate) and compression all keep them. But two different
// files may start alike — two services printing the same start-up
// banner, or a service writing that banner again into the new file after
// a rotation — so a matching head is only a candidate. A file is the one
// a checkpoint names when it has the same device and inode (a rename) and
// still holds what was read of it, or when it may be a copy of it: it is
// not certainly another file. It is certainly another file when
//
//   - it reaches the checkpoint's offset and its bytes before it are not
//     those read (they do not hash to Checkpoint.Mark);
//   - the file the checkpoint names is still there (at its path or, found
//     by its inode, at another listed path), still holding what was read
//     of it, and the two differ before the end of the shorter;
//   - it is shorter than what was read, has settled (see settlePeriod),
//     and does not end where a line read ended with the same bytes.
//
// A copy of a file holds at least what was read of it when it is made
// after the reads. Shorter, it is a copy still being written, or one made
// before the last reads: a snapshot, or a copytruncate copy that lacks the
// lines written between the copy and the truncation. Once settled, the
// first is ruled out, and the others end where a line read ended, with the
// same bytes: checked against the original while it still holds what was
// read, else against the last line ends read of it (lineEnds), kept in
// memory for a while after the original is truncated or gone. Such a copy
// becomes a file of its own, its lines up to its end already read.
// Where none of this can be told (no mark and no inode), heads alone
// decide.

// settlePeriod is how long a file shorter than what was read of the file
// it starts like must have gone unchanged (by its modification time)
// before it is judged by its end. A copy being written changes all the
// time: cp, logrotate and gzip write block after block, and every write
// sets the modification time, so a copier would have to stall for this
// long for its copy to be mistaken. Five seconds is generous for that and
// still short for the lines of a file that is not a copy.
const settlePeriod = 5 * time.Second

// markBytes is how many bytes before a checkpoint's offset its Mark hashes.
const markBytes = 256

// identify picks, among the files whose checkpoints match the head of f
// (ids), the one f is; known is false when f is none of them. upTo > 0
// says f is none of them but a copy of the first upTo bytes (line-1
// lines) of one, all of them read: a file of its own, to read from upTo.
func (t *tailer) identify(ids []uint64, f *os.File, gz bool) (id uint64, known bool, upTo, line int64) {
	t.verified, t.verifyErr = nil, nil
	if len(ids) == 0 {
		return 0, false, 0, 0
	}
	fi, err := f.Stat()
	if err != nil {
		return ids[0], true, 0, 0
	}
	me := identity(fi)
	var rewritten uint64 // the same file, truncated and written again
	if me != (fileID{}) {
		for _, id := range ids {
			if t.fileIDOf(id) == me {
				if gz || t.cps[id].MarkLen <= 0 || t.holds(id, f) {
					return id, true, 0, 0 // renamed, or the same name
				}
				rewritten = id
			}
		}
	}
	if gz {
		return t.identifyGzip(ids, f, rewritten)
	}
	for _, id := range ids {
		if id == rewritten {
			continue
		}
		if t.unmarked(id, f, fi) {
			continue
		}
		differ, held := t.differs(id, f, fi)
		if differ {
			continue
		}
		if fi.Size() >= t.cps[id].Offset || time.Since(fi.ModTime()) < settlePeriod {
			return id, true, 0, 0 // it may be a copy being written
		}
		last := func(n int) []byte {
			b := make([]byte, n)
			if m, _ := f.ReadAt(b, fi.Size()-int64(n)); m < n {
				return nil
			}
			return b
		}
		if held || t.endsLikeRead(id, fi.Size(), last) {
			lines, err := countLines(f, fi.Size())
			if err != nil {
				return id, true, 0, 0 // as if being written: looked at again
			}
			return 0, false, fi.Size(), lines + 1
		}
	}
	return 0, false, 0, 0
}

// identifyGzip is identify for a .gz, judged by what it decompresses to:
// its length, the bytes before each checkpoint's offset and its last
// bytes, all from one pass that also verifies it (attachFD then skips
// that, and reports its error). A .gz is complete once it verifies, so a shorter one is never a
// copy being written; it is judged at once.
func (t *tailer) identifyGzip(ids []uint64, f *os.File, skip uint64) (id uint64, known bool, upTo, line int64) {
	var offs []int64
	for _, id := range ids {
		if cp := t.cps[id]; id != skip && cp.Offset > 0 {
			offs = append(offs, cp.Offset)
		}
	}
	sc, err := scanGzip(f, offs)
	t.verified, t.verifyErr = f, err
	if err != nil {
		// damaged or still being written: reported, and looked at again
		// once it changes
		for _, id := range ids {
			if id != skip {
				return id, true, 0, 0
			}
		}
		return 0, false, 0, 0
	}
	last := func(n int) []byte {
		if n > len(sc.end) {
			return nil
		}
		return sc.end[len(sc.end)-n:]
	}
	for _, id := range ids {
		cp := t.cps[id]
		switch {
		case id == skip:
		case cp.Offset == 0:
			return id, true, 0, 0
		case sc.n >= cp.Offset:
			b := sc.before[cp.Offset]
			if cp.MarkLen <= 0 || len(b) >= cp.MarkLen && fingerprint(t.cfg.Host, b[len(b)-cp.MarkLen:]) == cp.Mark {
				return id, true, 0, 0
			}
		case t.endsAsOriginal(id, sc.n, last) || t.endsLikeRead(id, sc.n, last):
			return 0, false, sc.n, sc.lines + 1
		}
	}
	return 0, false, 0, 0
}

// endsAsOriginal reports whether a file of the given size whose last
// bytes last gives ends as the original of file id, still holding what
// was read of it, does at the same offset: a copy of it.
func (t *tailer) endsAsOriginal(id uint64, size int64, last func(n int) []byte) bool {
	if t.cps[id].Inode == 0 {
		return false
	}
	orig, done := t.original(id)
	if orig == nil {
		return false
	}
	defer done()
	w := min(int64(markBytes), size)
	a := last(int(w))
	b := make([]byte, w)
	n, _ := orig.ReadAt(b, size-w)
	return a != nil && int64(n) == w && bytes.Equal(a, b) && t.holds(id, orig)
}

// unmarked reports whether f (plain) is certainly not a copy of file id by
// its own bytes: it reaches the checkpoint's offset, and the bytes before
// it are not those read there (they do not hash to the Mark). A copy, a
// renamed file and a compressed one hold the original's bytes at the same
// offsets; a file that starts with the same banner and goes on otherwise
// does not.
func (t *tailer) unmarked(id uint64, f *os.File, fi os.FileInfo) bool {
	cp := t.cps[id]
	if cp.MarkLen <= 0 || fi.Size() < cp.Offset {
		return false
	}
	b := make([]byte, cp.MarkLen)
	n, _ := f.ReadAt(b, cp.Offset-int64(cp.MarkLen))
	return n == len(b) && fingerprint(t.cfg.Host, b) != cp.Mark
}

// fileIDOf is the identity of the file id names: of the descriptor it is
// read through, else as its checkpoint recorded it.
func (t *tailer) fileIDOf(id uint64) fileID {
	if s := t.active[id]; s != nil && s.f != nil {
		return s.fid
	}
	cp := t.cps[id]
	return fileID{cp.Dev, cp.Inode}
}

// differs reports whether f (plain) is certainly not a copy of file id:
// that file is still there holding what was read of it, and their bytes
// differ before the end of the shorter. held reports that they were
// compared and agree. Anything less certain (a .gz, an original truncated
// or gone) leaves the other checks to decide, as a copy may lack the last
// lines read of its original (copytruncate loses what is written between
// the copy and the truncation).
//
// The original is checked again after its bytes are read: truncated and
// written again in between, it would hold other bytes at the same offsets.
func (t *tailer) differs(id uint64, f *os.File, fi os.FileInfo) (differ, held bool) {
	if t.cps[id].Inode == 0 {
		return false, false
	}
	orig, done := t.original(id)
	if orig == nil {
		return false, false
	}
	defer done()
	n := min(fi.Size(), t.cps[id].Offset)
	if s := t.active[id]; s != nil && s.f == orig {
		n = min(fi.Size(), s.fdPos)
	}
	w := min(int64(markBytes), n)
	if w <= 0 {
		return false, false
	}
	if testBeforeCompare != nil {
		testBeforeCompare()
	}
	a, b := make([]byte, w), make([]byte, w)
	na, _ := f.ReadAt(a, n-w)
	nb, _ := orig.ReadAt(b, n-w)
	if int64(na) != w || int64(nb) != w || !t.holds(id, orig) {
		return false, false
	}
	same := bytes.Equal(a, b)
	return !same, same
}

// testBeforeCompare, when set by a test, runs in differs between the
// check of the original and the read of its bytes.
var testBeforeCompare func()

// original returns a descriptor of the plain file id names while it still
// holds what was read of it: the one being read, or the file at its
// checkpoint's path or at another listed path (found by its inode) when
// that is still it. done releases it.
func (t *tailer) original(id uint64) (f *os.File, done func()) {
	if s := t.active[id]; s != nil && s.f != nil {
		if s.gz || !t.holds(id, s.f) {
			return nil, nil
		}
		return s.f, func() {}
	}
	cp := t.cps[id]
	// At its checkpoint's path, or renamed to another listed path (a
	// rotation while the follower was stopped).
	for i, p := range append([]string{cp.Path}, t.listed...) {
		if p == "" || i > 0 && (p == cp.Path || cp.Inode == 0) {
			continue
		}
		if i > 0 {
			if fi, err := os.Stat(p); err != nil || identity(fi) != (fileID{cp.Dev, cp.Inode}) {
				continue
			}
		}
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		if !t.holds(id, f) {
			f.Close()
			continue
		}
		return f, func() { f.Close() }
	}
	return nil, nil
}

// holds reports whether f, the descriptor of file id being read or a file
// opened at its checkpoint's path, still holds what was read of it: not
// truncated below it and the same head, or the checkpoint's inode and the
// bytes before its offset hashing to its Mark.
func (t *tailer) holds(id uint64, f *os.File) bool {
	if s := t.active[id]; s != nil && s.f == f {
		return s.stillSame(t.cfg.Host)
	}
	cp := t.cps[id]
	fi, err := f.Stat()
	if err != nil || identity(fi) != (fileID{cp.Dev, cp.Inode}) || fi.Size() < cp.Offset || cp.MarkLen <= 0 {
		return false
	}
	want := make([]byte, cp.MarkLen)
	n, _ := f.ReadAt(want, cp.Offset-int64(cp.MarkLen))
	return n == len(want) && fingerprint(t.cfg.Host, want) == cp.Mark
}

// newFileID returns a file id for a file whose head matches other files'
// (fingerprint fp): one derived from its identity, not yet taken.
func (t *tailer) newFileID(fp uint64, me fileID) uint64 {
	var b [24]byte
	for i, v := range []uint64{fp, me.dev, me.ino} {
		for j := range 8 {
			b[i*8+j] = byte(v >> (8 * j))
		}
	}
	id := xxhash.Sum64(b[:])
	for {
		if _, taken := t.cps[id]; !taken && id != 0 {
			return id
		}
		id++
	}
}

// mark returns the hash and length of the bytes before offset off (up to
// markBytes): from the buffer, or for a plain file from the descriptor.
func (s *source) mark(host string, off int64) (uint64, int) {
	l := min(int64(markBytes), off)
	if l <= 0 {
		return 0, 0
	}
	bufStart := s.pos - int64(s.bstart) // file offset of buf[0]
	bufEnd := bufStart + int64(s.bend)
	if off-l >= bufStart && off <= bufEnd {
		return fingerprint(host, s.buf[off-l-bufStart:off-bufStart]), int(l)
	}
	if !s.gz && s.f != nil {
		if cap(s.head) < int(l) {
			s.head = make([]byte, l)
		}
		b := s.head[:l]
		// checked after the read, as in read: truncated and written again
		// first, the file would not start the same now
		if n, _ := s.f.ReadAt(b, off-l); int64(n) == l {
			if h := fingerprint(host, b); s.stillSame(host) { // b is sameAt's scratch too
				return h, int(l)
			}
		}
	}
	if s.gz && off == s.gzTailAt && int64(len(s.gzTail)) == l {
		return fingerprint(host, s.gzTail), int(l) // nothing read since it was attached
	}
	if off > bufStart && off <= bufEnd {
		return fingerprint(host, s.buf[:off-bufStart]), int(off - bufStart)
	}
	return 0, 0
}

// identityOf is the identity of f's file.
func identityOf(f *os.File) fileID {
	fi, err := f.Stat()
	if err != nil {
		return fileID{}
	}
	return identity(fi)
}

// lineEnds remembers where the last lines read of a file end, with a hash
// of each line's last bytes: a copy of the file that lacks only its last
// lines ends at one of them, with the same bytes. Kept for a while after
// the file is truncated or gone (keepEnds), so that its copy can be
// judged once it has settled.
type lineEnds struct {
	at    [lineEndsKept]lineEnd
	next  int
	until time.Time // when the file is gone: forget them after this
}

// lineEndsKept is how many line ends are kept per file: copytruncate
// loses what is written in the moment between the copy and the
// truncation, a few dozen lines even at 50,000 lines a second.
const lineEndsKept = 128

// keepEnds is how long the line ends of a file truncated or gone are
// kept: until its copy, listed at the next discovery, has settled.
const keepEnds = 3 * settlePeriod

type lineEnd struct {
	off int64 // offset just after the line's newline
	n   int   // bytes hashed: the line's last ones, newline included
	h   uint64
}

// add records that a line (its newline included) ends at off.
func (e *lineEnds) add(off int64, line []byte) {
	line = line[max(0, len(line)-markBytes):]
	e.at[e.next] = lineEnd{off: off, n: len(line), h: xxhash.Sum64(line)}
	e.next = (e.next + 1) % lineEndsKept
}

// endsLikeRead reports whether a file of the given size, whose last bytes
// last gives (nil when it has fewer), ends where one of the last lines
// read of file id ends, with the same bytes.
func (t *tailer) endsLikeRead(id uint64, size int64, last func(n int) []byte) bool {
	e := t.ends[id]
	if s := t.active[id]; s != nil && s.ends != nil {
		e = s.ends
	}
	if e == nil {
		return false
	}
	for _, le := range e.at {
		if le.off == size && le.n > 0 {
			b := last(le.n)
			return b != nil && xxhash.Sum64(b) == le.h
		}
	}
	return false
}
