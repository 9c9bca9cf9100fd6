package sstread

import (
	"encoding/binary"
	"hash/crc32"
	"sync"

	"github.com/cespare/xxhash/v2"
	"github.com/golang/snappy"
	"github.com/klauspost/compress/zstd"
)

// Compression indicators: the first byte of a block's trailer.
const (
	compressNone   = 0
	compressSnappy = 1
	compressZstd   = 7
	compressMinLZ  = 8
)

// blockBuf holds the buffers one kind of block is read and inflated into;
// a block returned by readBlock stays valid until the next read into the
// same blockBuf.
type blockBuf struct {
	raw, dec []byte
}

// readBlock reads the block at h, verifies its checksum and returns its
// contents, decompressed. what names the block in errors.
func (t *Table) readBlock(h handle, b *blockBuf, what string) ([]byte, error) {
	// The block and its trailer must lie before the footer.
	if h.len > t.dataEnd || t.dataEnd-h.len < trailerLen || h.off > t.dataEnd-h.len-trailerLen {
		return nil, t.corrupt(h, what, "handle points outside the table (%d bytes)", t.size)
	}
	if h.len > uint64(t.maxBlock) {
		return nil, t.corrupt(h, what, "block longer than %d bytes", t.maxBlock)
	}
	n := int(h.len) + trailerLen
	var raw []byte
	if off := int64(h.off); t.tail != nil && off >= t.tailOff {
		// Open's first read holds it.
		raw = t.tail[off-t.tailOff : off-t.tailOff+int64(n)]
	} else {
		if cap(b.raw) < n {
			b.raw = make([]byte, n, n+n/8) // room for a slightly larger block
		}
		raw = b.raw[:n]
		if err := t.readAt(raw, off); err != nil {
			return nil, err
		}
	}
	data, typ := raw[:h.len], raw[h.len]
	if !t.noVerify {
		// The checksum covers the stored bytes and the compression byte.
		want := binary.LittleEndian.Uint32(raw[h.len+1:])
		var got uint32
		if t.checksum == checksumCRC32c {
			got = maskCRC(crc32.Update(0, castagnoli(), raw[:h.len+1]))
		} else {
			got = uint32(xxhash.Sum64(raw[:h.len+1]))
		}
		if got != want {
			return nil, t.corrupt(h, what, "checksum mismatch: stored %#08x, computed %#08x", want, got)
		}
	}
	switch typ {
	case compressNone:
		return data, nil
	case compressSnappy:
		dlen, err := snappy.DecodedLen(data)
		if err != nil {
			return nil, t.corrupt(h, what, "snappy: %v", err)
		}
		// A snappy op of 3 bytes yields at most 64: anything longer
		// than 22× the input is a garbled header.
		if dlen > t.maxBlock || dlen/22 > len(data) {
			return nil, t.corrupt(h, what, "snappy block claims %d bytes", dlen)
		}
		dst := b.grow(dlen)
		out, err := snappy.Decode(dst, data)
		if err != nil {
			return nil, t.corrupt(h, what, "snappy: %v", err)
		}
		if len(out) != dlen {
			return nil, t.corrupt(h, what, "snappy block inflated to %d bytes, not %d", len(out), dlen)
		}
		return out, nil
	case compressZstd:
		// Pebble prefixes the zstd frame with the inflated length.
		dlen, k := binary.Uvarint(data)
		if k <= 0 {
			return nil, t.corrupt(h, what, "zstd block without a length")
		}
		if dlen > uint64(t.maxBlock) {
			return nil, t.corrupt(h, what, "zstd block claims %d bytes", dlen)
		}
		d, err := zstdDecoder()
		if err != nil {
			return nil, err
		}
		// The decoder is limited to the capacity of dst: a frame that
		// inflates to more than it claimed fails instead of growing.
		dst := b.grow(int(dlen))[:0:dlen]
		out, err := d.DecodeAll(data[k:], dst)
		if err != nil {
			return nil, t.corrupt(h, what, "zstd: %v", err)
		}
		if uint64(len(out)) != dlen {
			return nil, t.corrupt(h, what, "zstd block inflated to %d bytes, not %d", len(out), dlen)
		}
		return out, nil
	case compressMinLZ:
		return nil, t.unsupported("%s block at offset %d is MinLZ-compressed", what, h.off)
	default:
		return nil, t.unsupported("%s block at offset %d has compression type %d", what, h.off, typ)
	}
}

// grow returns b.dec resized to n bytes, reallocating when too small.
func (b *blockBuf) grow(n int) []byte {
	if cap(b.dec) < n {
		b.dec = make([]byte, n, n+n/8)
	}
	return b.dec[:n]
}

// maskCRC applies the rotation and offset LevelDB and Pebble store CRC-32C
// checksums with (a CRC of data holding CRCs is then less degenerate).
func maskCRC(c uint32) uint32 {
	return (c>>15 | c<<17) + 0xa282ead8
}

// castagnoli returns the CRC-32C table; crc32 builds it on first use.
func castagnoli() *crc32.Table {
	return crc32.MakeTable(crc32.Castagnoli)
}

var (
	zstdOnce sync.Once
	zstdDec  *zstd.Decoder
	zstdErr  error
)

// zstdDecoder returns the package's zstd decoder, created on first use:
// one decoder for single-shot DecodeAll calls, without goroutines. It is
// shared by all Tables: concurrent DecodeAll calls take turns.
func zstdDecoder() (*zstd.Decoder, error) {
	zstdOnce.Do(func() {
		zstdDec, zstdErr = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxMemory(defaultMaxBlock),
			zstd.WithDecodeAllCapLimit(true))
	})
	return zstdDec, zstdErr
}
