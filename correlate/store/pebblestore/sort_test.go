package pebblestore

import (
	"bytes"
	"cmp"
	"fmt"
	"github.com/traceline/traceline/correlate/store/pebblestore/storefmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// sortCompare is kvSorter.sort as it was before the radix sort: a
// comparison sort on the cached prefixes, then the keys in buf, then the
// order of marking. The tests check sort against it and the benchmark
// measures one against the other.
func (x *kvSorter) sortCompare() {
	slices.SortFunc(x.recs, func(a, b kvRec) int {
		for i := range a.p {
			if a.p[i] != b.p[i] {
				return cmp.Compare(a.p[i], b.p[i])
			}
		}
		if c := bytes.Compare(x.buf[a.k:a.v], x.buf[b.k:b.v]); c != 0 {
			return c
		}
		return int(a.k) - int(b.k)
	})
}

// newSorter returns a kvSorter holding keys, each with a value of valLen bytes.
func newSorter(keys [][]byte, valLen int) *kvSorter {
	x := new(kvSorter)
	for i, key := range keys {
		k := len(x.buf)
		x.buf = append(x.buf, key...)
		v := len(x.buf)
		for j := range valLen {
			x.buf = append(x.buf, byte(i+j))
		}
		x.mark(k, v)
	}
	return x
}

// keyGen makes n keys for a sort test.
type keyGen func(r *rand.Rand, n int) [][]byte

// randomBytes returns n bytes drawn from the first alphabet byte values,
// so that random keys share prefixes and bytes often.
func randomBytes(r *rand.Rand, n, alphabet int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.IntN(alphabet))
	}
	return b
}

// tracedKeys makes the keys of a bulk-load run: traced entries of one
// day, about perTrace of them for each random trace id, at random times.
func tracedKeys(r *rand.Rand, n, perTrace int) [][]byte {
	day := storefmt.BucketOf(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
	ids := make([][2]uint64, max(1, n/perTrace))
	for i := range ids {
		ids[i] = [2]uint64{r.Uint64(), r.Uint64()}
	}
	keys := make([][]byte, n)
	for i := range keys {
		id := ids[r.IntN(len(ids))]
		at := storefmt.BucketStart(day).Add(time.Duration(r.Int64N(int64(storefmt.BucketDuration))))
		keys[i] = storefmt.AppendTraceKey(nil, day, id[0], id[1], at, uint64(r.IntN(4)), r.Int64N(1<<30))
	}
	return keys
}

var sortCases = []struct {
	name string
	n    int // the most keys; each round draws a count up to it
	gen  keyGen
}{
	{"empty", 0, nil},
	{"one", 1, func(r *rand.Rand, n int) [][]byte {
		return [][]byte{randomBytes(r, 45, 256)}
	}},
	{"equal keys", 3000, func(r *rand.Rand, n int) [][]byte {
		distinct := [][]byte{randomBytes(r, 45, 256), randomBytes(r, 45, 256), randomBytes(r, 21, 256), {}}
		keys := make([][]byte, n)
		for i := range keys {
			keys[i] = distinct[r.IntN(len(distinct))]
		}
		return keys
	}},
	{"short keys", 3000, func(r *rand.Rand, n int) [][]byte {
		keys := make([][]byte, n)
		for i := range keys {
			keys[i] = randomBytes(r, r.IntN(32), 3) // zeros as well: "a" against "a\x00"
		}
		return keys
	}},
	{"lengths around 32", 3000, func(r *rand.Rand, n int) [][]byte {
		keys := make([][]byte, n)
		for i := range keys {
			k := make([]byte, 28+r.IntN(9))
			k[r.IntN(len(k))] = byte(r.IntN(2))
			keys[i] = k
		}
		return keys
	}},
	{"long shared prefixes", 3000, func(r *rand.Rand, n int) [][]byte {
		shared := randomBytes(r, 40, 256)
		keys := make([][]byte, n)
		for i := range keys {
			keys[i] = append(slices.Clone(shared[:25+r.IntN(16)]), randomBytes(r, r.IntN(8), 2)...)
		}
		return keys
	}},
	{"mixed spaces", 5000, func(r *rand.Rand, n int) [][]byte {
		day := storefmt.BucketOf(time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC))
		at := storefmt.BucketStart(day)
		var keys [][]byte
		for len(keys) < n {
			b := day + uint32(r.IntN(2))
			hi, lo := uint64(r.IntN(3))<<60, r.Uint64()>>uint(r.IntN(64))
			t := at.Add(time.Duration(r.IntN(4)) * time.Second)
			switch r.IntN(6) {
			case 0:
				keys = append(keys, storefmt.AppendLowKey(nil, b, lo, hi))
			case 1:
				keys = append(keys, storefmt.AppendTimeKey(nil, storefmt.SpaceUntraced, b, t, uint64(r.IntN(2)), int64(r.IntN(3))))
			case 2:
				keys = append(keys, storefmt.AppendBucketKey(nil, storefmt.SpaceBucket, b), storefmt.CheckKey(uint64(r.IntN(3))), append([]byte{storefmt.SpaceMeta}, "version"[:r.IntN(8)]...))
			default:
				keys = append(keys, storefmt.AppendTraceKey(nil, b, hi, lo, t, uint64(r.IntN(2)), int64(r.IntN(3))))
			}
		}
		return keys[:n]
	}},
	{"traced", 20000, func(r *rand.Rand, n int) [][]byte { return tracedKeys(r, n, 12) }},
}

// TestKVSort checks that sort orders records as a stable sort by key
// does (of equal keys, the one marked first comes first), and as
// sortCompare does.
func TestKVSort(t *testing.T) {
	for _, tt := range sortCases {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(len(tt.name))))
			rounds := 30
			if tt.n < 2 {
				rounds = 1
			}
			for round := range rounds {
				n := tt.n
				if round > 0 {
					n = r.IntN(tt.n + 1)
				}
				var keys [][]byte
				if tt.gen != nil {
					keys = tt.gen(r, n)
				}
				x := newSorter(keys, r.IntN(4))
				want := slices.Clone(x.recs)
				slices.SortStableFunc(want, func(a, b kvRec) int {
					return bytes.Compare(x.buf[a.k:a.v], x.buf[b.k:b.v])
				})
				ref := &kvSorter{buf: x.buf, recs: slices.Clone(x.recs)}
				ref.sortCompare()
				x.sort()
				if err := sameOrder(x, want); err != nil {
					t.Fatalf("round %d, %d keys: sort: %v", round, len(keys), err)
				}
				if err := sameOrder(ref, want); err != nil {
					t.Fatalf("round %d, %d keys: sortCompare: %v", round, len(keys), err)
				}
				for i := 1; i < len(x.recs); i++ {
					a, b := &x.recs[i-1], &x.recs[i]
					if got, want := x.cmpKeys(a, b), bytes.Compare(x.buf[a.k:a.v], x.buf[b.k:b.v]); got != want {
						t.Fatalf("round %d: cmpKeys(%x, %x) = %d, want %d", round, x.buf[a.k:a.v], x.buf[b.k:b.v], got, want)
					}
				}
			}
		})
	}
}

func sameOrder(x *kvSorter, want []kvRec) error {
	if len(x.recs) != len(want) {
		return fmt.Errorf("%d records, want %d", len(x.recs), len(want))
	}
	for i := range want {
		if x.recs[i] != want[i] {
			got, w := x.recs[i], want[i]
			return fmt.Errorf("record %d is key %x marked at %d, want %x marked at %d", i, x.buf[got.k:got.v], got.k, x.buf[w.k:w.v], w.k)
		}
	}
	return nil
}

// TestKVSortReusesScratch checks that a batch no larger than the last
// sorts in the scratch array of the last.
func TestKVSortReusesScratch(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	keys := tracedKeys(r, 5000, 12)
	x := newSorter(keys, 8)
	x.sort()
	scratch := &x.spare[0]
	for _, n := range []int{5000, 4000, 5000} {
		x.reset()
		for _, key := range keys[:n] {
			k := len(x.buf)
			x.buf = append(x.buf, key...)
			x.mark(k, len(x.buf))
		}
		x.sort()
		if &x.spare[0] != scratch {
			t.Fatalf("%d records: sort allocated a new scratch array", n)
		}
		if !slices.IsSortedFunc(x.recs, func(a, b kvRec) int {
			return cmp.Or(bytes.Compare(x.buf[a.k:a.v], x.buf[b.k:b.v]), cmp.Compare(a.k, b.k))
		}) {
			t.Fatalf("%d records: not sorted", n)
		}
	}
}

// BenchmarkKVSort sorts a bulk-load run's 90,000 traced entries (24 MiB
// with their values), about 12 to a trace id, with sortCompare and sort.
func BenchmarkKVSort(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	x := newSorter(tracedKeys(r, 90_000, 12), 240)
	unsorted := slices.Clone(x.recs)
	for _, bm := range []struct {
		name string
		sort func(*kvSorter)
	}{
		{"compare", (*kvSorter).sortCompare},
		{"radix", (*kvSorter).sort},
	} {
		b.Run(bm.name, func(b *testing.B) {
			bm.sort(x) // the radix sort's scratch is made once, for the first run
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				copy(x.recs, unsorted)
				b.StartTimer()
				bm.sort(x)
			}
		})
	}
}
