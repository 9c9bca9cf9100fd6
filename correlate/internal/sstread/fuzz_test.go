package sstread

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/sstable/block"
)

// fuzzTables writes a few small real tables (one per format, compression
// and index shape) and returns their bytes.
func fuzzTables(f *testing.F) [][]byte {
	dir := f.TempDir()
	opts := []sstable.WriterOptions{
		{TableFormat: sstable.TableFormatPebblev2, BlockSize: 256, IndexBlockSize: 128, Compression: block.ZstdCompression},
		{TableFormat: sstable.TableFormatPebblev3, BlockSize: 512, Compression: block.SnappyCompression, DisableValueBlocks: true},
		{TableFormat: sstable.TableFormatPebblev4, BlockSize: 256, IndexBlockSize: 128, Compression: block.NoCompression, Checksum: block.ChecksumTypeXXHash64, DisableValueBlocks: true},
		{TableFormat: sstable.TableFormatPebblev4, BlockSize: 1024, Compression: block.ZstdCompression},
	}
	var tables [][]byte
	for i, o := range opts {
		rng := rand.New(rand.NewPCG(uint64(i), 99))
		es := genEntries(rng, 40, o.DisableValueBlocks, o.TableFormat)
		for j := range es {
			if len(es[j].val) > 100 {
				es[j].val = es[j].val[:100]
			}
		}
		path := filepath.Join(dir, "t.sst")
		writeTable(f, path, o, es, nil)
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		tables = append(tables, b)
	}
	return tables
}

// FuzzOpenScan damages real tables (flipped bytes, a cut end) and checks
// that Open and Scan return errors rather than panic, with checksums
// verified and, to reach the decoders with garbage, with checksums
// skipped.
func FuzzOpenScan(f *testing.F) {
	tables := fuzzTables(f)
	for i, b := range tables {
		n := uint32(len(b))
		f.Add(uint8(i), uint32(0), byte(0), uint32(0), byte(0), uint16(0), []byte(nil), []byte(nil))
		f.Add(uint8(i), n/3, byte(1), uint32(0), byte(0), uint16(0), []byte(" \x00\x00\x00\x01"), []byte(" \x00\x00\x00\x02"))
		f.Add(uint8(i), n-20, byte(0x80), n-100, byte(0xff), uint16(0), []byte(nil), []byte(nil))
		f.Add(uint8(i), n-200, byte(0x7f), uint32(0), byte(0), uint16(7), []byte(" "), []byte(nil))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, which uint8, pos uint32, x byte, pos2 uint32, x2 byte, cut uint16, lo, hi []byte) {
		b := bytes.Clone(tables[int(which)%len(tables)])
		b[int(pos%uint32(len(b)))] ^= x
		b[int(pos2%uint32(len(b)))] ^= x2
		if int(cut) < len(b) {
			b = b[:len(b)-int(cut)]
		}
		intact := x == 0 && x2 == 0 && cut == 0
		scan := func(tb *Table, lo, hi []byte) error {
			n := 0
			return tb.Scan(lo, hi, func(k []byte, seq uint64, kind uint8, v []byte) error {
				n++
				if n > 1<<20 {
					t.Fatal("endless scan")
				}
				return nil
			})
		}

		f, err := os.CreateTemp(dir, "fuzz")
		if err != nil {
			t.Fatal(err)
		}
		defer os.Remove(f.Name())
		if _, err := f.Write(b); err != nil {
			t.Fatal(err)
		}
		f.Close()
		tb, err := Open(f.Name())
		if err == nil {
			err = scan(tb, nil, nil)
			if err2 := scan(tb, lo, hi); err == nil {
				err = err2
			}
			tb.Close()
		}
		if intact && err != nil {
			t.Fatalf("intact table: %v", err)
		}

		tb, err = open(bytes.NewReader(b), int64(len(b)), "fuzz", 1<<20, true)
		if err == nil {
			_ = scan(tb, nil, nil)
			_ = scan(tb, lo, hi)
			tb.Close()
		}
	})
}
