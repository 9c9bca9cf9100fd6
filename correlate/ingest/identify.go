package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"

	"github.com/cespare/xxhash/v2"
)

// File identity. A file is first known by its leading bytes (the
// fingerprint), which survive every way logs are rotated: a rename, a
// copy (copytruncate) and compression all keep them. But two different
// files may start alike — two services printing the same start-up
// banner, or a service writing that banner again into the new file after
// a rotation — so a matching head is not enough. A file is the one a
// checkpoint names when
//
//   - it is the same file: the same device and inode (a rename), and
//     still holds what was read (not truncated and written again), or
//   - it holds the same content where the checkpoint ends: the bytes
//     before Checkpoint.Offset hash to Checkpoint.Mark (a copy, or a
//     compressed copy, of what was read).
//
// A copy still being made is shorter than what was read of the file it
// copies: a plain one is compared with the original while that is open,
// and a .gz being written is looked at again on a later poll. Where the
// system gives no inodes, or a checkpoint has none, heads alone decide.

// markBytes is how many bytes before a checkpoint's offset its Mark hashes.
const markBytes = 256

type verdict uint8

const (
	contentDiffers verdict = iota
	contentSame
	contentUnknown // not yet: a .gz being written
)

// identify picks, among the files whose checkpoints match the head of f
// (ids), the one f is. known is false when f is none of them; wait is set
// when that cannot be told yet.
func (t *tailer) identify(ids []uint64, f *os.File, fi os.FileInfo, gz bool) (id uint64, known, wait bool) {
	if len(ids) == 0 {
		return 0, false, false
	}
	me := identity(fi)
	if me == (fileID{}) {
		return ids[0], true, false
	}
	for _, id := range ids {
		if t.fileIDOf(id) != me {
			continue
		}
		if s := t.active[id]; s != nil && s.f != nil {
			return id, true, false // the descriptor read: renamed
		}
		// The same inode, unless it was truncated and written again
		// (copytruncate) or reused for another file.
		if t.sameContent(id, f, fi, gz) != contentDiffers {
			return id, true, false
		}
	}
	for _, id := range ids {
		switch t.sameContent(id, f, fi, gz) {
		case contentSame:
			return id, true, false
		case contentUnknown:
			wait = true
		}
	}
	return 0, false, wait
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

// sameContent tells whether f holds what was read of file id.
func (t *tailer) sameContent(id uint64, f *os.File, fi os.FileInfo, gz bool) verdict {
	cp := t.cps[id]
	if cp.Inode == 0 || cp.MarkLen == 0 {
		return contentSame // no identity recorded: the head decides
	}
	want := make([]byte, cp.MarkLen)
	n, complete, err := readDecoded(f, gz, cp.Offset-int64(cp.MarkLen), want)
	if err != nil {
		return contentDiffers
	}
	if n == len(want) {
		if fingerprint(t.cfg.Host, want) == cp.Mark {
			return contentSame
		}
		return contentDiffers
	}
	// Shorter than what was read of file id: a copy being made, a copy
	// that missed the last lines read (copytruncate loses what is written
	// between the copy and the truncation), or another file.
	if gz && !complete {
		return contentUnknown
	}
	if gz {
		return contentSame // cannot be compared byte for byte: the head decides
	}
	orig, done := t.original(id)
	if orig == nil {
		return contentSame // nothing left to compare with: the head decides
	}
	defer done()
	size := fi.Size()
	w := min(int64(markBytes), size)
	a, b := make([]byte, w), make([]byte, w)
	if n, _ := f.ReadAt(a, size-w); int64(n) == w {
		if m, _ := orig.ReadAt(b, size-w); int64(m) == w && bytes.Equal(a, b) {
			return contentSame
		}
	}
	return contentDiffers
}

// original returns a descriptor of the plain file id names while it still
// holds what was read of it: the one being read, or the file at its
// checkpoint's path when that is still it. done releases it.
func (t *tailer) original(id uint64) (f *os.File, done func()) {
	if s := t.active[id]; s != nil && s.f != nil {
		if s.gz || !s.stillSame(t.cfg.Host) {
			return nil, nil
		}
		return s.f, func() {}
	}
	cp := t.cps[id]
	if cp.Path == "" {
		return nil, nil
	}
	f, err := os.Open(cp.Path)
	if err != nil {
		return nil, nil
	}
	fi, err := f.Stat()
	want := make([]byte, cp.MarkLen)
	if err == nil && identity(fi) == (fileID{cp.Dev, cp.Inode}) && fi.Size() >= cp.Offset {
		if n, _ := f.ReadAt(want, cp.Offset-int64(cp.MarkLen)); n == len(want) && fingerprint(t.cfg.Host, want) == cp.Mark {
			return f, func() { f.Close() }
		}
	}
	f.Close()
	return nil, nil
}

// readDecoded reads len(p) bytes at decompressed offset off of f (a gzip
// stream when gz). It returns how many it read and, when fewer, whether
// the file ended cleanly (false: a .gz cut short, maybe being written).
func readDecoded(f *os.File, gz bool, off int64, p []byte) (n int, complete bool, err error) {
	if !gz {
		n, err = f.ReadAt(p, off)
		if errors.Is(err, io.EOF) {
			err = nil
		}
		return n, true, err
	}
	zr, err := gzip.NewReader(io.NewSectionReader(f, 0, 1<<62))
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, false, nil
		}
		return 0, false, err
	}
	defer zr.Close()
	if _, err := io.CopyN(io.Discard, zr, off); err != nil {
		if errors.Is(err, io.EOF) {
			return 0, true, nil
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, false, nil
		}
		return 0, false, err
	}
	n, err = io.ReadFull(zr, p)
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// ReadFull says ErrUnexpectedEOF for a clean end after some bytes
		// too: ask the stream itself whether it ended cleanly.
		var one [1]byte
		_, err2 := zr.Read(one[:])
		return n, errors.Is(err2, io.EOF), nil
	case err != nil:
		return n, false, err
	}
	return n, true, nil
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
		if n, _ := s.f.ReadAt(b, off-l); int64(n) == l {
			return fingerprint(host, b), int(l)
		}
	}
	if off > bufStart && off <= bufEnd {
		return fingerprint(host, s.buf[:off-bufStart]), int(off - bufStart)
	}
	return 0, 0
}
