package ingest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"slices"

	"github.com/cespare/xxhash/v2"
)

// fingerprint hashes the host and a file's leading bytes.
func fingerprint(host string, prefix []byte) uint64 {
	d := xxhash.New()
	d.WriteString(host)
	d.Write([]byte{0})
	d.Write(prefix)
	return d.Sum64()
}

// readHead returns up to n leading bytes of f, decompressed when f is
// gzip, and whether it is; the prefix is nil when it holds no complete line
// yet and is shorter than n.
//
// Whether f is gzip is decided from the same read as the prefix: a .gz
// being written is empty until its first buffer is flushed, so a check of
// its magic before the read could find nothing there, and the read then
// take compressed bytes for text.
func readHead(f *os.File, n int) (prefix []byte, gz bool, err error) {
	buf := make([]byte, n)
	got, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		return nil, false, err
	}
	if gz = got >= 2 && buf[0] == 0x1f && buf[1] == 0x8b; gz {
		zr, err := gzip.NewReader(io.NewSectionReader(f, 0, 1<<62))
		if err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, true, nil // its header is not all written yet
			}
			return nil, true, err
		}
		got, err = io.ReadFull(zr, buf)
		zr.Close()
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return nil, true, err
		}
	}
	buf = buf[:got]
	if got < n && bytes.IndexByte(buf, '\n') < 0 {
		return nil, gz, nil
	}
	return buf, gz, nil
}

// fpIndex finds the checkpoints of the files a file's leading bytes
// match: several files may start alike (the same start-up banner).
type fpIndex struct {
	host  string
	size  int
	full  map[uint64][]uint64 // fingerprint of size bytes → file ids
	short map[int]map[uint64][]uint64
}

func newFPIndex(host string, size int) *fpIndex {
	return &fpIndex{host: host, size: size, full: map[uint64][]uint64{}, short: map[int]map[uint64][]uint64{}}
}

func (x *fpIndex) bucket(n int) map[uint64][]uint64 {
	if n >= x.size {
		return x.full
	}
	m := x.short[n]
	if m == nil {
		m = map[uint64][]uint64{}
		x.short[n] = m
	}
	return m
}

func (x *fpIndex) add(fp uint64, n int, id uint64) {
	m := x.bucket(n)
	if !slices.Contains(m[fp], id) {
		m[fp] = append(m[fp], id)
	}
}

func (x *fpIndex) remove(fp uint64, n int, id uint64) {
	m := x.bucket(n)
	ids := slices.DeleteFunc(m[fp], func(v uint64) bool { return v == id })
	if len(ids) == 0 {
		delete(m, fp)
	} else {
		m[fp] = ids
	}
}

// match returns the ids of the files whose fingerprint covers the longest
// part of prefix. The slice is the index's: do not change it.
func (x *fpIndex) match(prefix []byte) []uint64 {
	if len(prefix) >= x.size {
		if ids := x.full[fingerprint(x.host, prefix[:x.size])]; len(ids) > 0 {
			return ids
		}
	}
	best := -1
	var out []uint64
	for n, m := range x.short {
		if n > len(prefix) || n <= best || len(m) == 0 {
			continue
		}
		if ids := m[fingerprint(x.host, prefix[:n])]; len(ids) > 0 {
			out, best = ids, n
		}
	}
	return out
}

// gzipScan is what a complete .gz decompresses to.
type gzipScan struct {
	n      int64            // length
	lines  int64            // newlines
	end    []byte           // last markBytes bytes (fewer when shorter)
	before map[int64][]byte // up to markBytes bytes before each offset asked for and reached
}

// scanGzip decompresses f to its end, as verifyGzip does and with its
// errors, and returns its length, newlines and last bytes, and the bytes
// before each of offs.
func scanGzip(f *os.File, offs []int64) (gzipScan, error) {
	sc := gzipScan{before: map[int64][]byte{}}
	zr, err := gzip.NewReader(io.NewSectionReader(f, 0, 1<<62))
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return sc, errGzipCut
		}
		return sc, err
	}
	defer zr.Close()
	buf := make([]byte, 64<<10)
	var win []byte // the bytes before the chunk read, then with it
	for {
		m, rerr := zr.Read(buf)
		if m > 0 {
			win = append(win, buf[:m]...)
			base := sc.n - int64(len(win)-m) // offset of win[0]
			for _, off := range offs {
				if off > sc.n && off <= sc.n+int64(m) {
					lo := max(base, off-markBytes)
					sc.before[off] = bytes.Clone(win[lo-base : off-base])
				}
			}
			sc.n += int64(m)
			sc.lines += int64(bytes.Count(buf[:m], []byte{'\n'}))
			win = win[:copy(win, win[max(0, len(win)-markBytes):])]
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if errors.Is(rerr, io.ErrUnexpectedEOF) {
				return sc, errGzipCut
			}
			return sc, rerr
		}
	}
	sc.end = win
	return sc, nil
}
