package sstread

import (
	"bytes"
	"encoding/binary"
	"errors"
)

// A row block is a run of entries followed by a restart array:
//
//	entry:   uvarint shared | uvarint unshared | uvarint value length |
//	         unshared key bytes | value bytes
//	trailer: uint32 restart offset × n | uint32 n (little-endian)
//
// An entry's key is the first shared bytes of the previous entry's key
// followed by its own unshared bytes; the entry at each restart offset
// shares nothing. In (Pebble,v3+) data blocks the top bit of a restart
// offset is a flag (the user-key prefix did not change since the previous
// restart), so offsets are masked to 31 bits.
//
// Keys in data and index blocks are internal keys: the user key followed
// by an 8-byte little-endian trailer, seqnum<<8 | kind. Keys in the
// metaindex and properties blocks are plain strings.

const restartOffsetMask = 1<<31 - 1

// internalTrailerLen is the length of an internal key's trailer.
const internalTrailerLen = 8

// errGarbled reports an entry that does not decode; callers wrap it with
// the file and the block's offset.
var errGarbled = errors.New("garbled entry")

// blockIter walks the entries of one row block.
type blockIter struct {
	data      []byte // the whole block
	end       int    // start of the restart array
	nRestarts int
	off       int    // offset of the next entry
	key       []byte // the current entry's key (a reused buffer)
	val       []byte // the current entry's value (a slice of data)
}

// init points the iterator before the first entry of block b. It returns
// false when b's restart array is garbled.
func (it *blockIter) init(b []byte) bool {
	it.data, it.end, it.nRestarts, it.off, it.key, it.val = nil, 0, 0, 0, it.key[:0], nil
	if len(b) < 4 {
		return false
	}
	n := uint64(binary.LittleEndian.Uint32(b[len(b)-4:]))
	if n == 0 || 4*(n+1) > uint64(len(b)) {
		return false
	}
	it.data, it.end, it.nRestarts = b, len(b)-int(4*(n+1)), int(n)
	return true
}

// uvarint32 decodes a uvarint of at most 31 bits at b[p:end], returning
// the value and the offset after it; ok is false when it is cut short or
// too large.
func uvarint32(b []byte, p, end int) (v int, next int, ok bool) {
	if p < end && b[p] < 0x80 {
		return int(b[p]), p + 1, true
	}
	var x uint64
	for s := uint(0); p < end && s < 35; s += 7 {
		c := b[p]
		p++
		x |= uint64(c&0x7f) << s
		if c < 0x80 {
			if x > restartOffsetMask {
				return 0, 0, false
			}
			return int(x), p, true
		}
	}
	return 0, 0, false
}

// next decodes the entry at it.off into it.key and it.val. It returns
// false at the end of the block.
func (it *blockIter) next() (bool, error) {
	if it.off >= it.end {
		return false, nil
	}
	shared, p, ok := uvarint32(it.data, it.off, it.end)
	if !ok {
		return false, errGarbled
	}
	unshared, p, ok := uvarint32(it.data, p, it.end)
	if !ok {
		return false, errGarbled
	}
	vlen, p, ok := uvarint32(it.data, p, it.end)
	if !ok || shared > len(it.key) || unshared > it.end-p || vlen > it.end-p-unshared {
		return false, errGarbled
	}
	k := p + unshared
	it.key = append(it.key[:shared], it.data[p:k]...)
	it.val = it.data[k : k+vlen : k+vlen]
	it.off = k + vlen
	return true, nil
}

// restartKey returns the key stored at restart point i, which shares
// nothing with its predecessor.
func (it *blockIter) restartKey(i int) (key []byte, off int, err error) {
	off = int(binary.LittleEndian.Uint32(it.data[it.end+4*i:]) & restartOffsetMask)
	if off >= it.end {
		return nil, 0, errGarbled
	}
	shared, p, ok := uvarint32(it.data, off, it.end)
	if !ok || shared != 0 {
		return nil, 0, errGarbled
	}
	unshared, p, ok := uvarint32(it.data, p, it.end)
	if !ok {
		return nil, 0, errGarbled
	}
	if _, p, ok = uvarint32(it.data, p, it.end); !ok || unshared > it.end-p {
		return nil, 0, errGarbled
	}
	return it.data[p : p+unshared], off, nil
}

// userKey returns the user-key part of internal key k.
func userKey(k []byte) ([]byte, bool) {
	n := len(k) - internalTrailerLen
	if n < 0 {
		return nil, false
	}
	return k[:n], true
}

// seekGE positions the iterator at the first entry whose internal key's
// user key is >= target. It returns false when there is none.
func (it *blockIter) seekGE(target []byte) (bool, error) {
	// Binary search for the first restart point at or after target; the
	// entries from the restart point before it on are then scanned.
	lo, hi := 0, it.nRestarts
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		k, _, err := it.restartKey(m)
		if err != nil {
			return false, err
		}
		uk, ok := userKey(k)
		if !ok {
			return false, errGarbled
		}
		if bytes.Compare(uk, target) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	it.off, it.key = 0, it.key[:0]
	if lo > 0 {
		_, off, err := it.restartKey(lo - 1)
		if err != nil {
			return false, err
		}
		it.off = off
	}
	for {
		ok, err := it.next()
		if !ok || err != nil {
			return false, err
		}
		uk, ok := userKey(it.key)
		if !ok {
			return false, errGarbled
		}
		if bytes.Compare(uk, target) >= 0 {
			return true, nil
		}
	}
}
