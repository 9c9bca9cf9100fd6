package ingest

import (
	"bytes"
	"os"

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
// not certainly another file. It is
// certainly another file when it reaches the checkpoint's offset and its
// bytes before it are not those read (they do not hash to
// Checkpoint.Mark), or when the file the checkpoint names is still there
// (at its path or, found by its inode, at another listed path), still
// holding what was read of it, and the two differ before the end of the
// shorter. Where neither can be told (no mark and no inode, or the
// original gone and the other file shorter than what was read of it),
// heads alone decide.

// markBytes is how many bytes before a checkpoint's offset its Mark hashes.
const markBytes = 256

// identify picks, among the files whose checkpoints match the head of f
// (ids), the one f is; known is false when f is none of them.
func (t *tailer) identify(ids []uint64, f *os.File, gz bool) (id uint64, known bool) {
	if len(ids) == 0 {
		return 0, false
	}
	fi, err := f.Stat()
	if err != nil {
		return ids[0], true
	}
	me := identity(fi)
	var rewritten uint64 // the same file, truncated and written again
	if me != (fileID{}) {
		for _, id := range ids {
			if t.fileIDOf(id) == me {
				if gz || t.cps[id].MarkLen <= 0 || t.holds(id, f) {
					return id, true // renamed, or the same name
				}
				rewritten = id
			}
		}
	}
	for _, id := range ids {
		if id != rewritten && (gz || !t.unmarked(id, f, fi) && !t.differs(id, f, fi)) {
			return id, true
		}
	}
	return 0, false
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
// differ before the end of the shorter. Anything less certain (a .gz, an
// original truncated or gone) leaves the head to decide, as a copy may
// lack the last lines read of its original (copytruncate loses what is
// written between the copy and the truncation).
//
// The original is checked again after its bytes are read: truncated and
// written again in between, it would hold other bytes at the same offsets.
func (t *tailer) differs(id uint64, f *os.File, fi os.FileInfo) bool {
	if t.cps[id].Inode == 0 {
		return false
	}
	orig, done := t.original(id)
	if orig == nil {
		return false
	}
	defer done()
	n := min(fi.Size(), t.cps[id].Offset)
	if s := t.active[id]; s != nil && s.f == orig {
		n = min(fi.Size(), s.fdPos)
	}
	w := min(int64(markBytes), n)
	if w <= 0 {
		return false
	}
	if testBeforeCompare != nil {
		testBeforeCompare()
	}
	a, b := make([]byte, w), make([]byte, w)
	na, _ := f.ReadAt(a, n-w)
	nb, _ := orig.ReadAt(b, n-w)
	return int64(na) == w && int64(nb) == w && !bytes.Equal(a, b) && t.holds(id, orig)
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
