package sstread

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/sstable/block"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// The benchmark table: about 64 MB of zstd-compressed 128 KiB blocks; each
// 21-byte prefix (space, bucket, id) has 12 keys.
const benchPerPrefix = 12

var bench struct {
	once     sync.Once
	dir      string
	path     string
	prefixes [][2][]byte // [lo, hi) of each prefix
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

func benchTable(b *testing.B) (string, [][2][]byte) {
	bench.once.Do(func() {
		bench.dir, bench.err = os.MkdirTemp("", "sstread-bench")
		if bench.err != nil {
			return
		}
		bench.path = filepath.Join(bench.dir, "64m.sst")
		f, err := vfs.Default.Create(bench.path, vfs.WriteCategoryUnspecified)
		if err != nil {
			bench.err = err
			return
		}
		w := sstable.NewWriter(objstorageprovider.NewFileWritable(f), sstable.WriterOptions{
			TableFormat: sstable.TableFormatPebblev4,
			BlockSize:   128 << 10,
			Compression: block.ZstdCompression,
		})
		rng := rand.New(rand.NewPCG(42, 42))
		var val []byte
		seq := uint64(1) << 40
		for i := uint64(0); w.Raw().EstimatedSize() < 64<<20; i++ {
			var id [16]byte
			binary.BigEndian.PutUint64(id[:], 0x5eed5eed5eed5eed)
			binary.BigEndian.PutUint64(id[8:], i*7919)
			bucket := uint32(i >> 12)
			k0 := makeKey(bucket, id, 0, 0, 0)[:21]
			bench.prefixes = append(bench.prefixes, [2][]byte{k0, successor(k0)})
			for j := range uint64(benchPerPrefix) {
				k := makeKey(bucket, id, j/4, j, 1e9+i*j)
				// A log line: words, numbers and an id.
				val = val[:0]
				for n := 100 + rng.IntN(900); len(val) < n; {
					val = append(val, words[rng.IntN(len(words))]...)
					val = append(val, ' ')
					if rng.IntN(3) == 0 {
						val = strconv.AppendUint(val, rng.Uint64()%100000, 10)
						val = append(val, ' ')
					}
				}
				seq--
				if err := w.Raw().Add(pebble.MakeInternalKey(k, pebble.SeqNum(seq), pebble.InternalKeyKindSet), val, false); err != nil {
					bench.err = err
					return
				}
			}
		}
		bench.err = w.Close()
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.path, bench.prefixes
}

// BenchmarkScanPrefix scans the 12 keys of a random prefix.
func BenchmarkScanPrefix(b *testing.B) {
	path, prefixes := benchTable(b)
	if st, err := os.Stat(path); err == nil {
		b.Logf("table: %d MB, %d prefixes", st.Size()>>20, len(prefixes))
	}
	tb, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer tb.Close()
	rng := rand.New(rand.NewPCG(1, 1))
	n := 0
	fn := func([]byte, uint64, uint8, []byte) error { n++; return nil }
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p := prefixes[rng.IntN(len(prefixes))]
		n = 0
		if err := tb.Scan(p[0], p[1], fn); err != nil {
			b.Fatal(err)
		}
		if n != benchPerPrefix {
			b.Fatalf("%d keys under %x", n, p[0])
		}
	}
}

// BenchmarkOpenScanPrefix is BenchmarkScanPrefix with an Open and a Close
// per lookup, as a lookup process would.
func BenchmarkOpenScanPrefix(b *testing.B) {
	path, prefixes := benchTable(b)
	rng := rand.New(rand.NewPCG(1, 1))
	fn := func([]byte, uint64, uint8, []byte) error { return nil }
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		tb, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		p := prefixes[rng.IntN(len(prefixes))]
		if err := tb.Scan(p[0], p[1], fn); err != nil {
			b.Fatal(err)
		}
		tb.Close()
	}
}

// BenchmarkPebbleScanPrefix does the same scan with Pebble's reader (no
// block cache), for comparison.
func BenchmarkPebbleScanPrefix(b *testing.B) {
	path, prefixes := benchTable(b)
	r := openPebble(b, path)
	rng := rand.New(rand.NewPCG(1, 1))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		p := prefixes[rng.IntN(len(prefixes))]
		it, err := r.NewIter(sstable.NoTransforms, p[0], p[1], sstable.TableBlobContext{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for kv := it.First(); kv != nil; kv = it.Next() {
			if _, _, err := kv.V.Value(nil); err != nil {
				b.Fatal(err)
			}
			n++
		}
		if err := it.Close(); err != nil {
			b.Fatal(err)
		}
		if n != benchPerPrefix {
			b.Fatal(fmt.Sprintf("%d keys", n))
		}
	}
}
