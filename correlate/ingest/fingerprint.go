package ingest

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"

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

// fpIndex finds a file's checkpoint by its leading bytes.
type fpIndex struct {
	host  string
	size  int
	full  map[uint64]uint64 // fingerprint of size bytes → file id
	short map[int]map[uint64]uint64
}

func newFPIndex(host string, size int) *fpIndex {
	return &fpIndex{host: host, size: size, full: map[uint64]uint64{}, short: map[int]map[uint64]uint64{}}
}

func (x *fpIndex) add(fp uint64, n int, id uint64) {
	if n >= x.size {
		x.full[fp] = id
		return
	}
	m := x.short[n]
	if m == nil {
		m = map[uint64]uint64{}
		x.short[n] = m
	}
	m[fp] = id
}

func (x *fpIndex) remove(fp uint64, n int) {
	if n >= x.size {
		delete(x.full, fp)
	} else {
		delete(x.short[n], fp)
	}
}

// match returns the id of the file whose fingerprint covers the longest
// part of prefix.
func (x *fpIndex) match(prefix []byte) (id uint64, ok bool) {
	if len(prefix) >= x.size {
		if id, ok := x.full[fingerprint(x.host, prefix[:x.size])]; ok {
			return id, true
		}
	}
	best := -1
	for n, m := range x.short {
		if n > len(prefix) || n <= best || len(m) == 0 {
			continue
		}
		if v, ok := m[fingerprint(x.host, prefix[:n])]; ok {
			id, best = v, n
		}
	}
	return id, best >= 0
}
