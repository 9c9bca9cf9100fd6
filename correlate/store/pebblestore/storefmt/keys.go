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
//	s bucket rank(1) second(8) file(8) first(8) → search index group: see search.go
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
