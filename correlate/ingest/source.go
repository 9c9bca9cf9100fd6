package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/traceline/traceline/correlate/parse"
	"github.com/traceline/traceline/correlate/store"
)

// source is one file being read: its checkpoint (as of the last batch
// handed to the store), its descriptor and the parser state.
type source struct {
	cp      store.Checkpoint
	path    string      // "" when no listed path names it now
	pathFI  os.FileInfo // what path named when attached
	seen    os.FileInfo // path's file when last found the same and read to its end
	f       *os.File    // nil once the file is gone (truncated under us)
	fid     fileID      // identity of f's file
	gz      bool
	zr      *gzip.Reader
	counter countingReader
	rd      io.Reader
	fdPos   int64 // decompressed bytes consumed from the descriptor
	asm     *parse.Assembler

	buf          []byte
	bstart, bend int
	pos          int64 // offset of buf[bstart]
	line         int64 // number of the line starting at pos
	lastAt       time.Time
	long         []byte // head of an over-long line being skipped
	longTail     []byte // its last parse.TailBytes read so far (only its ids are used)
	longOff      int64
	longLine     int64
	skipping     bool
	held         bool // the assembler may hold an entry back
	lastGrowth   time.Time
	eof          bool // the last read reached the end
	gzDone       bool // a gzip stream read to its clean end
	gzCut        bool // the last read met the end of a gzip stream cut short
	recs         []parse.Record
	head         []byte    // scratch for sameAt
	ends         *lineEnds // where its last lines end (plain files)
	gzTail       []byte    // a .gz's bytes before gzTailAt, the offset it was attached at
	gzTailAt     int64
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// open positions a new source's descriptor at its checkpoint.
func (t *tailer) openSource(cp store.Checkpoint, path string, fi os.FileInfo, f *os.File, gz bool) (*source, error) {
	s := &source{cp: cp, path: path, pathFI: fi, f: f, gz: gz,
		pos: cp.Offset, line: cp.Line, lastAt: cp.LastAt, lastGrowth: time.Now()}
	if s.line == 0 {
		s.line = 1
	}
	if e := t.ends[cp.FileID]; e != nil {
		s.ends, e.until = e, time.Time{}
		delete(t.ends, cp.FileID)
	}
	s.asm = parse.NewAssembler(path, t.cfg.Parse)
	s.buf = make([]byte, min(64<<10, t.cfg.maxLine()+1)) // grows for long lines
	if err := t.attach(s, f, gz, cp.Offset); err != nil {
		return nil, err
	}
	return s, nil
}

// attach is attachFD, for a .gz identify has just verified without
// verifying it again.
func (t *tailer) attach(s *source, f *os.File, gz bool, off int64) error {
	if gz && t.verified == f && t.verifyErr != nil {
		return t.verifyErr
	}
	return s.attachFD(f, gz, gz && t.verified == f, off, &t.stats.BytesRead)
}

// attachFD makes f the descriptor, positioned at decompressed offset off.
// A .gz is verified first, unless verified says it just was.
func (s *source) attachFD(f *os.File, gz, verified bool, off int64, counter *int64) error {
	s.f, s.gz, s.seen = f, gz, nil
	if fi, err := f.Stat(); err == nil {
		s.fid = identity(fi)
	}
	if gz {
		if !verified {
			if err := verifyGzip(f); err != nil {
				return err
			}
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		zr, err := gzip.NewReader(countingReader{f, counter})
		if err != nil {
			return err
		}
		s.zr = zr
		if off > 0 {
			// the bytes before off are kept for the checkpoint's mark, so
			// that it names this file even when nothing is read after them
			l := min(int64(markBytes), off)
			s.gzTail = s.gzTail[:0]
			_, err := io.CopyN(io.Discard, zr, off-l)
			if err == nil {
				s.gzTail, s.gzTailAt = slices.Grow(s.gzTail, int(l))[:l], off
				_, err = io.ReadFull(zr, s.gzTail)
			}
			if err != nil {
				s.gzTail = s.gzTail[:0]
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					// shorter than the checkpoint: it is done, or being written
					s.fdPos = off
					s.rd = zr
					return nil
				}
				return err
			}
		}
		s.rd = zr
	} else {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return err
		}
		s.rd = countingReader{f, counter}
	}
	s.fdPos = off
	return nil
}

// verifyGzip reads f's gzip stream to its end and reports what is wrong
// with it: a bad CRC (which only the end of the stream tells), a corrupt
// deflate stream, or errGzipCut when it ends too soon (cut, or still being
// written). A .gz is read only once it verifies, so that no line of a
// damaged one is indexed, not even those before the damage.
func verifyGzip(f *os.File) error {
	_, err := scanGzip(f, nil)
	return err
}

func (s *source) close() {
	if s.zr != nil {
		s.zr.Close()
		s.zr = nil
	}
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// stillSame reports whether the descriptor still holds the file the
// checkpoint names: not truncated below what was read, the same first
// bytes, and the same bytes before the checkpoint's offset (its Mark), so
// that a file truncated and written again with the same first bytes (a
// start-up banner) is not taken for the file read.
func (s *source) stillSame(host string) bool {
	if s.f == nil || s.gz {
		return s.f != nil
	}
	fi, err := s.f.Stat()
	if err != nil || fi.Size() < s.fdPos {
		return false
	}
	return s.headSame(host) && s.markSame(host)
}

// unchanged reports whether the file at the source's path (now fi) has
// the size and modification time it had when last found the same and
// read to its end: nothing to check or read. Truncated and written again
// to the same size, it would have a later modification time, unless both
// writes fell within one tick of the file system's clock; the next write
// then shows it.
func (s *source) unchanged(fi os.FileInfo) bool {
	return s.f != nil && s.seen != nil && s.eof && fi.Size() == s.seen.Size() && fi.ModTime().Equal(s.seen.ModTime())
}

// headSame reports whether the descriptor's file still starts with the
// bytes the checkpoint's fingerprint covers.
func (s *source) headSame(host string) bool {
	return s.sameAt(host, 0, s.cp.FingerprintLen, s.cp.Fingerprint)
}

// markSame reports whether the descriptor's file still holds the bytes the
// checkpoint's Mark covers (true when it has no Mark).
func (s *source) markSame(host string) bool {
	return s.cp.MarkLen <= 0 || s.sameAt(host, s.cp.Offset-int64(s.cp.MarkLen), s.cp.MarkLen, s.cp.Mark)
}

// sameAt reports whether the n bytes at off of the descriptor's file hash
// to want.
func (s *source) sameAt(host string, off int64, n int, want uint64) bool {
	if cap(s.head) < n {
		s.head = make([]byte, n)
	}
	p := s.head[:n]
	if m, _ := s.f.ReadAt(p, off); m < n {
		return false
	}
	return fingerprint(host, p) == want
}

// read reads what is new, up to the end of the descriptor, handing batches
// to submit. It reports whether anything was read.
func (t *tailer) read(s *source) (bool, error) {
	if s.f == nil || s.rd == nil {
		return false, nil
	}
	max := t.cfg.maxLine()
	grew := false
	s.eof, s.gzCut = false, false
	var lastErr error
	for {
		// complete lines in the buffer
		for s.bstart < s.bend {
			chunk := s.buf[s.bstart:s.bend]
			i := bytes.IndexByte(chunk, '\n')
			if s.skipping {
				if i < 0 {
					s.longTail = keepTail(s.longTail, chunk)
					s.pos += int64(len(chunk))
					s.bstart = s.bend
					break
				}
				s.longTail = keepTail(s.longTail, chunk[:i])
				s.recs = s.asm.AddCut(s.recs, s.long, s.longTail, s.longOff, s.longLine)
				s.skipping = false
				s.long = s.long[:0]
				s.pos += int64(i + 1)
				s.bstart += i + 1
				s.line = s.longLine + 1
				_, _, s.held = s.asm.Pending()
				t.stats.Lines++
				continue
			}
			if i < 0 {
				if len(chunk) > max {
					s.long = append(s.long[:0], chunk[:max]...)
					s.longTail = keepTail(s.longTail[:0], chunk[max:])
					s.longOff, s.longLine, s.skipping = s.pos, s.line, true
					s.pos += int64(len(chunk))
					s.bstart = s.bend
				}
				break
			}
			s.recs = s.asm.Add(s.recs, chunk[:i], s.pos, s.line)
			if !s.gz {
				if s.ends == nil {
					s.ends = &lineEnds{}
				}
				s.ends.add(s.pos+int64(i+1), chunk[:i+1])
			}
			s.pos += int64(i + 1)
			s.bstart += i + 1
			s.line++
			_, _, s.held = s.asm.Pending()
			t.stats.Lines++
			if len(s.recs) >= t.cfg.BatchEntries {
				if err := t.submit(s, false); err != nil {
					return grew, err
				}
			}
		}
		if lastErr != nil {
			s.eof = true
			if errors.Is(lastErr, io.EOF) {
				if s.gz {
					s.gzDone = true
				}
				break
			}
			if errors.Is(lastErr, io.ErrUnexpectedEOF) && s.gz {
				s.gzCut = true
				break // a .gz still being written: wait
			}
			return grew, fmt.Errorf("%s: %w", s.path, lastErr)
		}
		// refill
		if s.bstart > 0 {
			s.bend = copy(s.buf, s.buf[s.bstart:s.bend])
			s.bstart = 0
		}
		if s.bend == len(s.buf) {
			// a line longer than the buffer: grow it, up to the line limit
			nb := make([]byte, min(2*len(s.buf), max+64<<10))
			s.bend = copy(nb, s.buf[:s.bend])
			s.buf = nb
		}
		n, err := s.rd.Read(s.buf[s.bend:])
		if n > 0 && !s.gz && !(s.headSame(t.cfg.Host) && s.markSame(t.cfg.Host)) {
			t.rescan = true
			// Truncated (copytruncate) and written again since the last
			// check: these bytes may be the new content at the old
			// offset. Checked after the read, the head and the mark prove
			// them: had the truncation come first, they would differ now.
			// The rest of the old content is in the copy, if it is listed.
			s.close()
			s.eof = true
			break
		}
		if n > 0 {
			s.bend += n
			s.fdPos += int64(n)
			grew = true
			s.lastGrowth = time.Now()
		}
		lastErr = err
		if n == 0 && err == nil {
			s.eof = true
			break
		}
	}
	if s.held && s.eof {
		// all that was written is read: a complete JSON line waits for
		// nothing
		s.recs = s.asm.FlushSettled(s.recs)
		_, _, s.held = s.asm.Pending()
	}
	if len(s.recs) > 0 || grew {
		return grew, t.submit(s, false)
	}
	return grew, nil
}

// submit hands the records read so far and the checkpoint they reach to the
// store writer; flush first emits the entry held back for continuation
// lines.
func (t *tailer) submit(s *source, flush bool) error {
	if flush && s.held {
		s.recs = s.asm.Flush(s.recs)
		s.held = false
	}
	entries := t.getEntries()
	var traced int64
	for i := range s.recs {
		r := &s.recs[i]
		at := r.Time
		if at.IsZero() {
			at = s.lastAt
			if at.IsZero() {
				at = s.cp.Created
			}
		}
		s.lastAt = at
		if r.TraceID != "" || r.TraceIDLow != "" {
			traced++
		}
		entries = append(entries, store.Entry{Record: *r, At: at})
	}
	clear(s.recs)
	s.recs = s.recs[:0]
	cp := s.cp
	cp.Path = s.path
	if cp.Path == "" {
		cp.Path = s.cp.Path
	}
	off, line, pending := s.asm.Pending()
	if pending {
		cp.Offset, cp.Line = off, line
	} else if s.skipping {
		cp.Offset, cp.Line = s.longOff, s.longLine
	} else {
		cp.Offset, cp.Line = s.pos, s.line
	}
	cp.LastAt = s.lastAt
	if mark, n := s.mark(t.cfg.Host, cp.Offset); n > 0 || cp.Offset != s.cp.Offset || s.cp.MarkLen <= 0 {
		cp.Dev, cp.Inode = s.fid.dev, s.fid.ino
		cp.Mark, cp.MarkLen = mark, n
	}
	// Else nothing was read since the last checkpoint, and this descriptor
	// does not reach its offset (a file shorter than what was read, taken
	// for a copy of it): the last checkpoint's inode and mark still say
	// what was read, and tell that file apart once it grows past the
	// offset with other bytes.
	// A finished .gz file is Done only once its last entry is out of the
	// assembler too: one held back for continuation lines must be read
	// again after a crash.
	cp.Done = s.gzDone && !s.skipping && s.bstart == s.bend && !pending
	cp.Updated = time.Now().UTC()
	s.cp = cp
	t.cps[cp.FileID] = cp
	t.stats.Entries += int64(len(entries))
	t.stats.Traced += traced
	if err := t.commit.submit(entries, cp); err != nil {
		return wrapStore(err)
	}
	if t.cfg.Progress != nil && time.Since(t.lastProgress) >= 100*time.Millisecond {
		t.lastProgress = time.Now()
		t.stats.Files = len(t.files)
		t.stats.Elapsed = time.Since(t.start)
		t.cfg.Progress(t.snapshot())
	}
	return nil
}

// countLines counts the newlines in f's first n bytes.
func countLines(f *os.File, n int64) (int64, error) {
	buf := make([]byte, 64<<10)
	var lines int64
	for off := int64(0); off < n; {
		m, err := f.ReadAt(buf[:min(int64(len(buf)), n-off)], off)
		lines += int64(bytes.Count(buf[:m], []byte{'\n'}))
		off += int64(m)
		if err != nil && off < n {
			return 0, err
		}
	}
	return lines, nil
}

// keepTail appends b to tail and keeps the last parse.TailBytes.
func keepTail(tail, b []byte) []byte {
	if len(b) >= parse.TailBytes {
		return append(tail[:0], b[len(b)-parse.TailBytes:]...)
	}
	tail = append(tail, b...)
	if n := len(tail) - parse.TailBytes; n > 0 {
		tail = tail[:copy(tail, tail[n:])]
	}
	return tail
}
