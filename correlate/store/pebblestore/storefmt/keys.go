package storefmt

import (
	"encoding/binary"
	"time"
)

// Key spaces. Entry keys start with a one-byte space and a 4-byte time
// bucket (days since the Unix epoch of the entry's At), so that retention
// drops a whole day with one range deletion.
//
//	t bucket trace(16) at(8) file(8) offset(8) → traced entry, full
//	l bucket lo(8) hi(8)                       → ∅: a 128-bit trace with that low half
//	u bucket at(8) file(8) offset(8)           → untraced entry, compact
//	s bucket rank(1) at(8) file(8) offset(8)   → search index: see AppendSearchValue
//	b bucket                                   → ∅: the bucket holds entries
//	c file(8)                                  → checkpoint
//	m name                                     → store metadata
const (
	SpaceTrace    = 't'
	SpaceLow      = 'l'
	SpaceUntraced = 'u'
	SpaceSearch   = 's'
	SpaceBucket   = 'b'
	SpaceCheck    = 'c'
	SpaceMeta     = 'm'
)

// BucketDuration is the time-bucket width: the unit of retention.
const BucketDuration = 24 * time.Hour

func BucketOf(at time.Time) uint32 {
	d := at.Unix() / int64(BucketDuration/time.Second)
	if at.Unix() < 0 {
		return 0
	}
	if d > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(d)
}

func BucketStart(b uint32) time.Time {
	return time.Unix(int64(b)*int64(BucketDuration/time.Second), 0).UTC()
}

// AtKey orders times as unsigned big-endian bytes.
func AtKey(at time.Time) uint64 {
	if at.IsZero() {
		return 0
	}
	return uint64(at.UnixNano()) ^ 1<<63
}

func AtFromKey(v uint64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(0, int64(v^1<<63)).UTC()
}

func AppendTraceKey(dst []byte, b uint32, hi, lo uint64, at time.Time, file uint64, off int64) []byte {
	dst = append(dst, SpaceTrace)
	dst = binary.BigEndian.AppendUint32(dst, b)
	dst = binary.BigEndian.AppendUint64(dst, hi)
	dst = binary.BigEndian.AppendUint64(dst, lo)
	dst = binary.BigEndian.AppendUint64(dst, AtKey(at))
	dst = binary.BigEndian.AppendUint64(dst, file)
	return binary.BigEndian.AppendUint64(dst, uint64(off))
}

const TraceKeyLen = 1 + 4 + 16 + 8 + 8 + 8

func AppendTracePrefix(dst []byte, b uint32, hi, lo uint64) []byte {
	dst = append(dst, SpaceTrace)
	dst = binary.BigEndian.AppendUint32(dst, b)
	dst = binary.BigEndian.AppendUint64(dst, hi)
	return binary.BigEndian.AppendUint64(dst, lo)
}

func AppendLowKey(dst []byte, b uint32, lo, hi uint64) []byte {
	dst = append(dst, SpaceLow)
	dst = binary.BigEndian.AppendUint32(dst, b)
	dst = binary.BigEndian.AppendUint64(dst, lo)
	return binary.BigEndian.AppendUint64(dst, hi)
}

// AppendTimeKey is the key of the u space.
func AppendTimeKey(dst []byte, space byte, b uint32, at time.Time, file uint64, off int64) []byte {
	dst = append(dst, space)
	dst = binary.BigEndian.AppendUint32(dst, b)
	dst = binary.BigEndian.AppendUint64(dst, AtKey(at))
	dst = binary.BigEndian.AppendUint64(dst, file)
	return binary.BigEndian.AppendUint64(dst, uint64(off))
}

const TimeKeyLen = 1 + 4 + 8 + 8 + 8

func AppendBucketKey(dst []byte, space byte, b uint32) []byte {
	dst = append(dst, space)
	return binary.BigEndian.AppendUint32(dst, b)
}

func CheckKey(file uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{SpaceCheck}, file)
}

// PrefixEnd returns the smallest key greater than every key with prefix p.
func PrefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}

// AppendSearchKey is the key of the s space: the search index, in time
// order per level rank (store.LevelRank), so that a search for some
// levels reads only theirs. Every entry the store keeps, traced or not,
// has one.
func AppendSearchKey(dst []byte, b uint32, rank int, at time.Time, file uint64, off int64) []byte {
	dst = append(dst, SpaceSearch)
	dst = binary.BigEndian.AppendUint32(dst, b)
	dst = append(dst, byte(rank))
	dst = binary.BigEndian.AppendUint64(dst, AtKey(at))
	dst = binary.BigEndian.AppendUint64(dst, file)
	return binary.BigEndian.AppendUint64(dst, uint64(off))
}

// SearchKeyLen is the length of an s key.
const SearchKeyLen = 1 + 4 + 1 + 8 + 8 + 8

// AppendSearchPrefix is the prefix of an s key up to its rank.
func AppendSearchPrefix(dst []byte, b uint32, rank int) []byte {
	dst = append(dst, SpaceSearch)
	dst = binary.BigEndian.AppendUint32(dst, b)
	return append(dst, byte(rank))
}

// AppendSearchValue encodes an s key's value: what a search filters on
// before it reads the entry, and where the entry is.
//
//	0 service(str) [level(str)]                  untraced (the u key of the same bucket, at, file, offset)
//	1 hi(8) lo(8) service(str) [level(str)]      traced (the t key of the same bucket, trace, at, file, offset)
//
// level is there only for rank 0 (a level word outside the ranked ones).
func AppendSearchValue(dst []byte, id *[2]uint64, service, level string, rank int) []byte {
	if id == nil {
		dst = append(dst, 0)
	} else {
		dst = append(dst, 1)
		dst = binary.BigEndian.AppendUint64(dst, id[0])
		dst = binary.BigEndian.AppendUint64(dst, id[1])
	}
	dst = appendStr(dst, service)
	if rank == 0 {
		dst = appendStr(dst, level)
	}
	return dst
}

// SearchValue is a decoded s value; its strings alias the value.
type SearchValue struct {
	Traced  bool
	ID      [2]uint64
	Service []byte
	Level   []byte // rank 0 only
}

// DecodeSearchValue reads an s value of an entry of rank rank.
func DecodeSearchValue(v []byte, rank int, sv *SearchValue) error {
	if len(v) < 1 {
		return errCorrupt
	}
	d := decoder{b: v[1:]}
	*sv = SearchValue{Traced: v[0] == 1}
	if sv.Traced {
		b := d.bytes(16)
		if d.err != nil {
			return d.err
		}
		sv.ID = [2]uint64{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
	}
	sv.Service = d.bytes(d.uvarint())
	if rank == 0 {
		sv.Level = d.bytes(d.uvarint())
	}
	return d.err
}
