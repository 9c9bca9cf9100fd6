package pebblestore

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
)

// kvRec is one record of a kvSorter: the key is buf[k:v], the value
// buf[v:end]. p holds the key's first 32 bytes (zero-padded): a traced
// entry's space, day, trace id and time. Sorted records reach into buf
// in random order, a cache miss each time; with the prefix at hand,
// nearly every comparison (in the sort, and in the search for equal keys
// when a run is written) touches only the records.
type kvRec struct {
	p         [4]uint64
	k, v, end uint32
}

// prefixLen is how many of a key's bytes kvRec.p holds.
const prefixLen = 32

// mark records the key buf[k:v] and the value buf[v:] just appended.
func (x *kvSorter) mark(k, v int) { x.markAt(k, v, len(x.buf)) }

// markAt records the key buf[k:v] and the value buf[v:end].
func (x *kvSorter) markAt(k, v, end int) {
	var pre [prefixLen]byte
	copy(pre[:], x.buf[k:v])
	x.recs = append(x.recs, kvRec{
		p: [4]uint64{binary.BigEndian.Uint64(pre[:8]), binary.BigEndian.Uint64(pre[8:16]), binary.BigEndian.Uint64(pre[16:24]), binary.BigEndian.Uint64(pre[24:])},
		k: uint32(k), v: uint32(v), end: uint32(end),
	})
}

// cmpKeys compares the keys of a and b.
func (x *kvSorter) cmpKeys(a, b *kvRec) int {
	return x.cmpFrom(a, b, 0)
}

// cmpFrom compares the keys of a and b, whose prefix words before word w
// are known to be equal.
func (x *kvSorter) cmpFrom(a, b *kvRec, w int) int {
	for ; w < len(a.p); w++ {
		if a.p[w] != b.p[w] {
			return cmp.Compare(a.p[w], b.p[w])
		}
	}
	// Equal padded prefixes: a key of at most 32 bytes is then a prefix
	// of the other key, so the shorter sorts first and buf need not be
	// read (the l keys, 21 bytes, repeat once per trace and run).
	la, lb := a.v-a.k, b.v-b.k
	if la <= prefixLen || lb <= prefixLen {
		return cmp.Compare(la, lb)
	}
	return bytes.Compare(x.buf[a.k+prefixLen:a.v], x.buf[b.k+prefixLen:b.v])
}

// less reports whether a sorts before b: by key, then, of equal keys,
// the one marked first. Their prefix words before w are equal.
func (x *kvSorter) less(a, b *kvRec, w int) bool {
	if c := x.cmpFrom(a, b, w); c != 0 {
		return c < 0
	}
	return a.k < b.k
}

// sort orders the records by key; of equal keys, the one marked first
// sorts first (writeTables keeps the last).
//
// It is a most-significant-byte radix sort on the cached prefixes: a
// stable counting sort on the first byte in which a bucket's records
// differ (a run's keys share their space and day, bytes 0 to 4, and
// then part on the random trace id), then the same on each bucket,
// down to buckets small enough for an insertion sort. Against a
// comparison sort it reads each record a few times instead of about
// log2(n) times, and never reaches into buf unless two keys share all
// 32 cached bytes.
func (x *kvSorter) sort() {
	n := len(x.recs)
	if n < 2 {
		return
	}
	if len(x.spare) < n {
		// As large as recs can grow without a new array: the next
		// batches, about as big, sort without allocating.
		x.spare = make([]kvRec, cap(x.recs))
	}
	x.radix(x.recs, x.spare[:n], 0)
}

// radixSmall is the bucket size below which radix sorts by insertion.
const radixSmall = 32

// radix sorts a, whose keys share their first d bytes, using tmp (as long
// as a) as scratch. Each call looks at a later byte than its caller, so
// the recursion is at most prefixLen deep.
func (x *kvSorter) radix(a, tmp []kvRec, d int) {
	d = firstDiffering(a, d)
	if len(a) < radixSmall {
		x.insertion(a, d/8)
		return
	}
	if d == prefixLen {
		// All 32 cached bytes are equal: the rest of the keys decides.
		slices.SortFunc(a, func(r, s kvRec) int {
			if c := x.cmpFrom(&r, &s, len(r.p)); c != 0 {
				return c
			}
			return cmp.Compare(r.k, s.k)
		})
		return
	}
	w, shift := d/8, 56-8*uint(d%8)
	var count [256]int
	for i := range a {
		count[byte(a[i].p[w]>>shift)]++
	}
	var next [256]int
	sum := 0
	for c, m := range count {
		next[c] = sum
		sum += m
	}
	copy(tmp, a)
	for i := range tmp {
		c := byte(tmp[i].p[w] >> shift)
		a[next[c]] = tmp[i]
		next[c]++
	}
	lo := 0
	for _, m := range count {
		if m > 1 {
			x.radix(a[lo:lo+m], tmp[lo:lo+m], d+1)
		}
		lo += m
	}
}

// firstDiffering returns the first byte position, from d on, at which the
// cached prefixes of a's records are not all equal, or prefixLen when
// they are equal.
func firstDiffering(a []kvRec, d int) int {
	first := a[0].p
	for w := d / 8; w < len(first); w++ {
		var diff uint64
		for i := range a {
			diff |= a[i].p[w] ^ first[w]
		}
		if diff != 0 {
			return w*8 + bits.LeadingZeros64(diff)/8
		}
	}
	return prefixLen
}

// insertion sorts a, whose prefix words before w are equal, by insertion.
func (x *kvSorter) insertion(a []kvRec, w int) {
	w = min(w, len(kvRec{}.p)-1)
	for i := 1; i < len(a); i++ {
		r := a[i]
		j := i
		// Word w mostly decides, without a call.
		for ; j > 0 && (r.p[w] < a[j-1].p[w] || r.p[w] == a[j-1].p[w] && x.less(&r, &a[j-1], w+1)); j-- {
			a[j] = a[j-1]
		}
		a[j] = r
	}
}
