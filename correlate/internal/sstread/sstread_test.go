package sstread

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/sstable/block"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// entry is one point key of a test table.
type entry struct {
	key  []byte
	seq  uint64
	kind uint8
	val  []byte
}

func (e entry) String() string {
	return fmt.Sprintf("%x#%d,%d (%d bytes: %.16x)", e.key, e.seq, e.kind, len(e.val), e.val)
}

// words make values that compress like log lines.
var words = strings.Fields(`GET POST /api/v1/traces span_id trace_id service=frontend
	service=checkout duration_ms status=200 status=500 error timeout user agent
	Mozilla/5.0 retry connection reset by peer db.query SELECT FROM WHERE ok`)

func makeValue(rng *rand.Rand, n int) []byte {
	v := make([]byte, 0, n)
	if rng.IntN(4) == 0 { // incompressible
		for len(v) < n {
			v = append(v, byte(rng.Uint32()))
		}
		return v
	}
	for len(v) < n {
		v = append(v, words[rng.IntN(len(words))]...)
		v = append(v, ' ')
	}
	return v[:n]
}

// makeKey builds a 45-byte key: a space, a 4-byte bucket, a 16-byte id and
// three 8-byte fields, so that neighbours share long prefixes.
func makeKey(bucket uint32, id [16]byte, f1, f2, f3 uint64) []byte {
	k := make([]byte, 0, 45)
	k = append(k, ' ')
	k = binary.BigEndian.AppendUint32(k, bucket)
	k = append(k, id[:]...)
	k = binary.BigEndian.AppendUint64(k, f1)
	k = binary.BigEndian.AppendUint64(k, f2)
	k = binary.BigEndian.AppendUint64(k, f3)
	return k
}

// genEntries returns about n sorted entries. With versions, some user keys
// get several entries (seqnums descending) of various kinds; otherwise
// every user key has one SET.
func genEntries(rng *rand.Rand, n int, versions bool, format sstable.TableFormat) []entry {
	seen := map[string]bool{}
	var keys [][]byte
	for len(keys) < n {
		var id [16]byte
		binary.BigEndian.PutUint64(id[:], 0x1122334455667788)
		binary.BigEndian.PutUint64(id[8:], rng.Uint64()%uint64(n/3+1))
		bucket := uint32(rng.IntN(4))
		for range 1 + rng.IntN(12) {
			k := makeKey(bucket, id, rng.Uint64()%3, rng.Uint64()%1000, rng.Uint64())
			if !seen[string(k)] {
				seen[string(k)] = true
				keys = append(keys, k)
			}
		}
	}
	slices.SortFunc(keys, bytes.Compare)
	kinds := []uint8{uint8(pebble.InternalKeyKindSet), uint8(pebble.InternalKeyKindDelete),
		uint8(pebble.InternalKeyKindMerge), uint8(pebble.InternalKeyKindSetWithDelete),
		uint8(pebble.InternalKeyKindSingleDelete)}
	if format >= sstable.TableFormatPebblev4 {
		kinds = append(kinds, uint8(pebble.InternalKeyKindDeleteSized))
	}
	var es []entry
	seq := uint64(1) << 40
	for _, k := range keys {
		nv := 1
		if versions && rng.IntN(5) == 0 {
			nv = 2 + rng.IntN(3)
		}
		seq -= 10
		for j := range nv {
			e := entry{key: k, seq: seq - uint64(j), kind: uint8(pebble.InternalKeyKindSet)}
			if versions && rng.IntN(3) == 0 {
				e.kind = kinds[rng.IntN(len(kinds))]
			}
			switch pebble.InternalKeyKind(e.kind) {
			case pebble.InternalKeyKindDelete, pebble.InternalKeyKindSingleDelete:
			case pebble.InternalKeyKindDeleteSized:
				e.val = binary.AppendUvarint(nil, uint64(rng.IntN(5000)))
			default:
				size := rng.IntN(300)
				if rng.IntN(8) == 0 {
					size = rng.IntN(3001)
				}
				e.val = makeValue(rng, size)
			}
			es = append(es, e)
		}
	}
	return es
}

// writeTable writes es with Pebble's writer.
func writeTable(t testing.TB, path string, o sstable.WriterOptions, es []entry, forceObsolete func() bool) {
	t.Helper()
	f, err := vfs.Default.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		t.Fatal(err)
	}
	w := sstable.NewWriter(objstorageprovider.NewFileWritable(f), o)
	for _, e := range es {
		ik := pebble.MakeInternalKey(e.key, pebble.SeqNum(e.seq), pebble.InternalKeyKind(e.kind))
		if err := w.Raw().Add(ik, e.val, forceObsolete != nil && forceObsolete()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// openPebble opens path with Pebble's reader.
func openPebble(t testing.TB, path string) *sstable.Reader {
	t.Helper()
	f, err := vfs.Default.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	readable, err := sstable.NewSimpleReadable(f)
	if err != nil {
		t.Fatal(err)
	}
	r, err := sstable.NewReader(context.Background(), readable, sstable.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// pebbleScan returns the entries of [lo, hi) as Pebble's iterator sees them.
func pebbleScan(t testing.TB, r *sstable.Reader, lo, hi []byte) []entry {
	t.Helper()
	it, err := r.NewIter(sstable.NoTransforms, lo, hi, sstable.TableBlobContext{})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var es []entry
	for kv := it.First(); kv != nil; kv = it.Next() {
		v, _, err := kv.V.Value(nil)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, entry{slices.Clone(kv.K.UserKey), uint64(kv.K.SeqNum()), uint8(kv.K.Kind()), slices.Clone(v)})
	}
	if err := it.Error(); err != nil {
		t.Fatal(err)
	}
	return es
}

func scanAll(tb *Table, lo, hi []byte) ([]entry, error) {
	var es []entry
	err := tb.Scan(lo, hi, func(k []byte, seq uint64, kind uint8, v []byte) error {
		es = append(es, entry{slices.Clone(k), seq, kind, slices.Clone(v)})
		return nil
	})
	return es, err
}

func diffEntries(t *testing.T, what string, got, want []entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d entries, Pebble has %d", what, len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if !bytes.Equal(g.key, w.key) || g.seq != w.seq || g.kind != w.kind || !bytes.Equal(g.val, w.val) {
			t.Fatalf("%s: entry %d is %v, Pebble has %v", what, i, g, w)
		}
	}
}

// successor returns the smallest key greater than every key with prefix p.
func successor(p []byte) []byte {
	s := slices.Clone(p)
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] != 0xff {
			s[i]++
			return s[:i+1]
		}
	}
	return nil
}

// randomRange picks a [lo, hi) range: around existing keys, exact keys,
// prefixes, empty and inverted ranges, ranges outside the table.
func randomRange(rng *rand.Rand, es []entry) (lo, hi []byte) {
	pick := func() []byte {
		k := es[rng.IntN(len(es))].key
		switch rng.IntN(6) {
		case 0:
			return slices.Clone(k)
		case 1:
			return slices.Clone(k[:rng.IntN(len(k)+1)])
		case 2:
			return append(slices.Clone(k), 0)
		case 3:
			return successor(k[:1+rng.IntN(len(k))])
		case 4:
			b := make([]byte, rng.IntN(8))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			return b
		default:
			return slices.Clone(k[:21]) // a bucket and an id
		}
	}
	switch rng.IntN(10) {
	case 0: // one user key, every version
		k := es[rng.IntN(len(es))].key
		return slices.Clone(k), append(slices.Clone(k), 0)
	case 1: // a prefix
		k := es[rng.IntN(len(es))].key
		p := k[:1+rng.IntN(len(k))]
		return slices.Clone(p), successor(p)
	case 2: // empty
		k := pick()
		return k, k
	case 3: // before the first key
		return nil, []byte(" ")
	case 4: // after the last key
		return []byte("\xff"), nil
	case 5: // no upper bound
		return pick(), nil
	case 6: // whole table
		return nil, nil
	default:
		return pick(), pick()
	}
}

type tableCase struct {
	format      sstable.TableFormat
	compression *block.CompressionProfile
	blockSize   int
	indexSize   int
	checksum    block.ChecksumType
	versions    bool
	twoLevel    bool
}

func (c tableCase) String() string {
	return fmt.Sprintf("%s/%s/block=%d/index=%d/%s/versions=%t", c.format, c.compression.Name, c.blockSize, c.indexSize, c.checksum, c.versions)
}

func tableCases() []tableCase {
	var cs []tableCase
	i := 0
	for _, format := range []sstable.TableFormat{sstable.TableFormatPebblev2, sstable.TableFormatPebblev3, sstable.TableFormatPebblev4} {
		for _, comp := range []*block.CompressionProfile{block.ZstdCompression, block.SnappyCompression, block.NoCompression} {
			for _, small := range []bool{true, false} {
				c := tableCase{format: format, compression: comp, checksum: block.ChecksumTypeCRC32c, versions: i%2 == 0}
				if i%3 == 1 {
					c.checksum = block.ChecksumTypeXXHash64
				}
				if small {
					c.blockSize, c.indexSize, c.twoLevel = 512+i*100, 256, true
				} else {
					c.blockSize = 64 << 10
					if i%4 == 3 {
						c.blockSize = 128 << 10
					}
				}
				cs = append(cs, c)
				i++
			}
		}
	}
	// (Pebble,v1): the v2 layout without range keys.
	cs = append(cs,
		tableCase{format: sstable.TableFormatPebblev1, compression: block.SnappyCompression, blockSize: 700, indexSize: 300, checksum: block.ChecksumTypeCRC32c, versions: true, twoLevel: true},
		tableCase{format: sstable.TableFormatPebblev1, compression: block.ZstdCompression, blockSize: 32 << 10, checksum: block.ChecksumTypeXXHash64})
	return cs
}

func TestScanMatchesPebble(t *testing.T) {
	dir := t.TempDir()
	nkeys, nranges := 3000, 200
	if testing.Short() {
		nkeys, nranges = 1000, 100
	}
	for ci, c := range tableCases() {
		t.Run(c.String(), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(ci), 7))
			es := genEntries(rng, nkeys, c.versions, c.format)
			path := filepath.Join(dir, fmt.Sprintf("%d.sst", ci))
			o := sstable.WriterOptions{
				TableFormat:        c.format,
				BlockSize:          c.blockSize,
				IndexBlockSize:     c.indexSize,
				Compression:        c.compression,
				Checksum:           c.checksum,
				DisableValueBlocks: c.versions, // older SETs would go to value blocks
			}
			var force func() bool
			if c.format >= sstable.TableFormatPebblev4 && c.versions {
				force = func() bool { return rng.IntN(20) == 0 }
			}
			writeTable(t, path, o, es, force)

			tb, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer tb.Close()
			if want := c.format.String(); tb.Format() != want {
				t.Errorf("Format() = %q, want %q", tb.Format(), want)
			}
			if tb.twoLevel != c.twoLevel {
				t.Errorf("two-level index: %t, want %t", tb.twoLevel, c.twoLevel)
			}
			if has, err := tb.HasRangeKeysOrDels(); has || err != nil {
				t.Errorf("HasRangeKeysOrDels() = %t, %v", has, err)
			}
			r := openPebble(t, path)

			// The whole table, checked against what was written too.
			got, err := scanAll(tb, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			diffEntries(t, "whole table", got, pebbleScan(t, r, nil, nil))
			if len(got) != len(es) {
				t.Fatalf("whole table: %d entries, wrote %d", len(got), len(es))
			}
			for i := range es {
				if !bytes.Equal(got[i].key, es[i].key) || got[i].seq != es[i].seq || got[i].kind != es[i].kind || !bytes.Equal(got[i].val, es[i].val) {
					t.Fatalf("entry %d: read %v, wrote %v", i, got[i], es[i])
				}
			}

			for range nranges {
				lo, hi := randomRange(rng, es)
				got, err := scanAll(tb, lo, hi)
				if err != nil {
					t.Fatalf("[%x, %x): %v", lo, hi, err)
				}
				if hi != nil && bytes.Compare(lo, hi) >= 0 {
					if len(got) != 0 {
						t.Fatalf("[%x, %x): %d entries in an empty range", lo, hi, len(got))
					}
					continue
				}
				diffEntries(t, fmt.Sprintf("[%x, %x)", lo, hi), got, pebbleScan(t, r, lo, hi))
			}
		})
	}
}

// TestRestartFlag reads a (Pebble,v4) data block holding many versions of
// one key, where Pebble sets the top bit of restart offsets.
func TestRestartFlag(t *testing.T) {
	var es []entry
	es = append(es, entry{key: []byte("a"), seq: 1000, kind: 1, val: []byte("first")})
	for i := range 200 {
		es = append(es, entry{key: []byte("hot"), seq: uint64(900 - i), kind: 1, val: []byte(fmt.Sprint("v", i))})
	}
	es = append(es, entry{key: []byte("z"), seq: 1, kind: 1, val: []byte("last")})
	path := filepath.Join(t.TempDir(), "t.sst")
	writeTable(t, path, sstable.WriterOptions{TableFormat: sstable.TableFormatPebblev4, DisableValueBlocks: true, Compression: block.NoCompression}, es, nil)
	tb, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	// Find a flagged restart point in the (only) data block.
	if !tb.topIt.init(tb.index) {
		t.Fatal("index")
	}
	if ok, err := tb.topIt.next(); !ok || err != nil {
		t.Fatal(ok, err)
	}
	h, _ := decodeHandle(tb.topIt.val)
	blk, err := tb.readBlock(h, &blockBuf{}, "data")
	if err != nil {
		t.Fatal(err)
	}
	var it blockIter
	it.init(blk)
	flagged := 0
	for i := range it.nRestarts {
		if binary.LittleEndian.Uint32(blk[it.end+4*i:])&^restartOffsetMask != 0 {
			flagged++
		}
	}
	if flagged == 0 {
		t.Fatal("no restart point carries the flag")
	}
	r := openPebble(t, path)
	for _, rg := range [][2]string{{"", ""}, {"b", "i"}, {"hot", "hot\x00"}, {"hou", ""}, {"hot", "z"}} {
		lo, hi := []byte(rg[0]), []byte(rg[1])
		if rg[1] == "" {
			hi = nil
		}
		got, err := scanAll(tb, lo, hi)
		if err != nil {
			t.Fatal(err)
		}
		diffEntries(t, fmt.Sprintf("[%q, %q)", lo, hi), got, pebbleScan(t, r, lo, hi))
	}
}

// TestScanStops checks that an error from fn stops the scan and that the
// scan reads only the blocks it needs.
func TestScanStops(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	es := genEntries(rng, 2000, false, sstable.TableFormatPebblev4)
	path := filepath.Join(t.TempDir(), "t.sst")
	writeTable(t, path, sstable.WriterOptions{TableFormat: sstable.TableFormatPebblev4, BlockSize: 1024, IndexBlockSize: 512, Compression: block.ZstdCompression}, es, nil)
	tb, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	stop := errors.New("stop")
	n := 0
	err = tb.Scan(nil, nil, func([]byte, uint64, uint8, []byte) error {
		n++
		if n == 10 {
			return stop
		}
		return nil
	})
	if err != stop || n != 10 {
		t.Fatalf("Scan returned %v after %d calls", err, n)
	}

	// A scan of one key reads one data block (and one second-level
	// index block): count the reads.
	cr := &countingReader{r: tb.r}
	tb.r = cr
	k := es[len(es)/2].key
	got, err := scanAll(tb, k, append(slices.Clone(k), 0))
	if err != nil || len(got) != 1 {
		t.Fatalf("exact-key scan: %v, %d entries", err, len(got))
	}
	if cr.n > 2 {
		t.Errorf("exact-key scan made %d reads", cr.n)
	}
}

type countingReader struct {
	r interface {
		ReadAt([]byte, int64) (int, error)
	}
	n int
}

func (c *countingReader) ReadAt(b []byte, off int64) (int, error) {
	c.n++
	return c.r.ReadAt(b, off)
}

func TestColumnarUnsupported(t *testing.T) {
	for _, format := range []sstable.TableFormat{sstable.TableFormatPebblev5, sstable.TableFormatPebblev6, sstable.TableFormatPebblev7} {
		path := filepath.Join(t.TempDir(), "t.sst")
		es := genEntries(rand.New(rand.NewPCG(3, 4)), 100, false, format)
		writeTable(t, path, sstable.WriterOptions{TableFormat: format}, es, nil)
		tb, err := Open(path)
		if !errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: Open: %v, want ErrUnsupported", format, err)
		}
		if tb != nil {
			tb.Close()
		}
	}
}

func TestValueHandleUnsupported(t *testing.T) {
	// Two SETs of one user key: the older value goes to a value block.
	path := filepath.Join(t.TempDir(), "t.sst")
	es := []entry{
		{key: []byte("a"), seq: 5, kind: 1, val: []byte("x")},
		{key: []byte("b"), seq: 9, kind: 1, val: []byte("new")},
		{key: []byte("b"), seq: 8, kind: 1, val: []byte("old")},
		{key: []byte("c"), seq: 7, kind: 1, val: []byte("z")},
	}
	writeTable(t, path, sstable.WriterOptions{TableFormat: sstable.TableFormatPebblev4}, es, nil)
	tb, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if got, err := scanAll(tb, []byte("a"), []byte("b")); err != nil || len(got) != 1 || string(got[0].val) != "x" {
		t.Errorf("[a, b): %v, %v", got, err)
	}
	if got, err := scanAll(tb, []byte("c"), nil); err != nil || len(got) != 1 || string(got[0].val) != "z" {
		t.Errorf("[c, ∞): %v, %v", got, err)
	}
	_, err = scanAll(tb, []byte("b"), []byte("c"))
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), path) {
		t.Errorf("[b, c): %v, want ErrUnsupported naming the file", err)
	}
}

func TestHasRangeKeysOrDels(t *testing.T) {
	dir := t.TempDir()
	for i, add := range []func(w *sstable.Writer) error{
		func(w *sstable.Writer) error { return w.DeleteRange([]byte("b"), []byte("d")) },
		func(w *sstable.Writer) error { return w.RangeKeySet([]byte("b"), []byte("d"), nil, []byte("v")) },
		func(w *sstable.Writer) error { return w.RangeKeyDelete([]byte("b"), []byte("d")) },
	} {
		path := filepath.Join(dir, fmt.Sprintf("%d.sst", i))
		f, err := vfs.Default.Create(path, vfs.WriteCategoryUnspecified)
		if err != nil {
			t.Fatal(err)
		}
		w := sstable.NewWriter(objstorageprovider.NewFileWritable(f), sstable.WriterOptions{TableFormat: sstable.TableFormatPebblev4})
		if err := w.Set([]byte("a"), []byte("1")); err != nil {
			t.Fatal(err)
		}
		if err := add(w); err != nil {
			t.Fatal(err)
		}
		if err := w.Set([]byte("c"), []byte("2")); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		tb, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if has, err := tb.HasRangeKeysOrDels(); !has || err != nil {
			t.Errorf("table %d: HasRangeKeysOrDels() = %t, %v", i, has, err)
		}
		// The point keys still read.
		if got, err := scanAll(tb, nil, nil); err != nil || len(got) != 2 {
			t.Errorf("table %d: %v, %v", i, got, err)
		}
		tb.Close()
	}
}

// smallTable writes a small table and returns its path and layout.
func smallTable(t testing.TB, dir string, o sstable.WriterOptions, n int) (string, *sstable.Layout) {
	path := filepath.Join(dir, "small.sst")
	es := genEntries(rand.New(rand.NewPCG(5, 6)), n, false, o.TableFormat)
	writeTable(t, path, o, es, nil)
	r := openPebble(t, path)
	l, err := r.Layout()
	if err != nil {
		t.Fatal(err)
	}
	return path, l
}

func TestChecksumMismatch(t *testing.T) {
	for _, cs := range []block.ChecksumType{block.ChecksumTypeCRC32c, block.ChecksumTypeXXHash64} {
		dir := t.TempDir()
		path, l := smallTable(t, dir, sstable.WriterOptions{TableFormat: sstable.TableFormatPebblev4, BlockSize: 2048, Checksum: cs, Compression: block.SnappyCompression}, 500)
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		flip := func(off uint64) string {
			b := slices.Clone(orig)
			b[off] ^= 0x10
			p := filepath.Join(dir, fmt.Sprintf("flip%d.sst", off))
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
			return p
		}

		// A data block: Open succeeds, a scan through it fails.
		d := l.Data[3]
		p := flip(d.Offset + d.Length/2)
		tb, err := Open(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = scanAll(tb, nil, nil)
		tb.Close()
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "checksum mismatch") ||
			!strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), fmt.Sprintf("offset %d", d.Offset)) {
			t.Errorf("%s: flipped data block: %v", cs, err)
		}
		// The stored checksum itself.
		p = flip(d.Offset + d.Length + 2)
		tb, err = Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err = scanAll(tb, nil, nil); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: flipped checksum: %v", cs, err)
		}
		tb.Close()

		// A second-level index block: Open succeeds, a scan fails.
		if l.TopIndex.Length != 0 {
			h := l.Index[1]
			p := flip(h.Offset + h.Length/2)
			tb, err := Open(p)
			if err != nil {
				t.Fatal(err)
			}
			_, err = scanAll(tb, nil, nil)
			tb.Close()
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), fmt.Sprintf("index block at offset %d", h.Offset)) {
				t.Errorf("%s: flipped second-level index block: %v", cs, err)
			}
		}

		// The index, metaindex and properties blocks: Open fails.
		top := l.TopIndex
		if top.Length == 0 {
			top = l.Index[0]
		}
		for _, h := range []block.Handle{top, l.MetaIndex, l.Properties} {
			p := flip(h.Offset + h.Length/2)
			if tb, err := Open(p); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), fmt.Sprintf("offset %d", h.Offset)) {
				t.Errorf("%s: flipped block at %d: Open: %v", cs, h.Offset, err)
				if tb != nil {
					tb.Close()
				}
			}
		}
	}
}

func TestUnknownCompression(t *testing.T) {
	dir := t.TempDir()
	path, l := smallTable(t, dir, sstable.WriterOptions{TableFormat: sstable.TableFormatPebblev4, BlockSize: 2048, Compression: block.NoCompression}, 300)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Mark the first data block MinLZ-compressed, with a valid checksum.
	d := l.Data[0]
	end := d.Offset + d.Length
	b[end] = 8
	c := crc32.Update(0, crc32.MakeTable(crc32.Castagnoli), b[d.Offset:end+1])
	binary.LittleEndian.PutUint32(b[end+1:], maskCRC(c))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	tb, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer tb.Close()
	if _, err := scanAll(tb, nil, nil); !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "MinLZ") {
		t.Errorf("MinLZ block: %v", err)
	}
}

func TestNotATable(t *testing.T) {
	dir := t.TempDir()
	for name, data := range map[string][]byte{
		"empty": nil,
		"short": []byte("hello"),
		"text":  bytes.Repeat([]byte("not an sstable\n"), 100),
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: Open: %v", name, err)
		}
	}
	if _, err := Open(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

func TestTruncated(t *testing.T) {
	dir := t.TempDir()
	path, _ := smallTable(t, dir, sstable.WriterOptions{TableFormat: sstable.TableFormatPebblev3, BlockSize: 1024, Compression: block.ZstdCompression}, 300)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{len(b) - 1, len(b) - 60, len(b) / 2, 100} {
		p := filepath.Join(dir, fmt.Sprintf("cut%d", n))
		if err := os.WriteFile(p, b[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if tb, err := Open(p); err == nil {
			tb.Close()
			t.Errorf("table cut to %d bytes opened", n)
		}
	}
}
