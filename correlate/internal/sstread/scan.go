package sstread

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// Value prefix of (Pebble,v3+) SET values: the top two bits give where the
// value is; 00 means it follows in place.
const valueKindMask = 0xc0

// Scan calls fn for each point key whose user key k satisfies lo <= k < hi
// (hi nil: no upper bound), in key order: by user key, then by descending
// seqnum. It seeks through the index and reads only the data blocks that
// may hold such keys. userKey and value are valid only during the call.
// kind is the key kind (Pebble's InternalKeyKind) without the obsolete bit.
// Range deletions and range keys are not applied (see HasRangeKeysOrDels).
//
// An error returned by fn stops the scan and is returned as is.
func (t *Table) Scan(lo, hi []byte, fn func(userKey []byte, seq uint64, kind uint8, value []byte) error) error {
	if t.closed {
		return fmt.Errorf("sstread: %s: table is closed", t.name)
	}
	if hi != nil && bytes.Compare(lo, hi) >= 0 {
		return nil
	}
	top := &t.topIt
	ih := t.indexHandle
	if !top.init(t.index) {
		return t.corrupt(ih, "index", "bad restart array")
	}
	ok, err := top.seekGE(lo)
	for ; ok; ok, err = top.next() {
		h, k := decodeHandle(top.val)
		if k <= 0 {
			return t.corrupt(ih, "index", "garbled block handle")
		}
		var stop bool
		if t.twoLevel {
			stop, err = t.scanIndex(h, lo, hi, fn)
		} else {
			stop, err = t.scanData(h, lo, hi, fn)
		}
		if stop || err != nil {
			return err
		}
		// Every later block holds keys at or after this separator.
		if sep, ok := userKey(top.key); !ok {
			return t.corrupt(ih, "index", "%v", errGarbled)
		} else if hi != nil && bytes.Compare(sep, hi) >= 0 {
			return nil
		}
	}
	if err != nil {
		return t.corrupt(ih, "index", "%v", err)
	}
	return nil
}

// scanIndex scans the data blocks listed by the second-level index block
// at h. stop reports that the scan went past hi.
func (t *Table) scanIndex(h handle, lo, hi []byte, fn func([]byte, uint64, uint8, []byte) error) (stop bool, err error) {
	if h != t.idxHandle || t.idxBlock == nil {
		t.idxBlock, t.idxHandle = nil, handle{}
		blk, err := t.readBlock(h, &t.idxBuf, "index")
		if err != nil {
			return true, err
		}
		t.idxBlock, t.idxHandle = blk, h
	}
	it := &t.subIt
	if !it.init(t.idxBlock) {
		return true, t.corrupt(h, "index", "bad restart array")
	}
	ok, err := it.seekGE(lo)
	for ; ok; ok, err = it.next() {
		dh, k := decodeHandle(it.val)
		if k <= 0 {
			return true, t.corrupt(h, "index", "garbled block handle")
		}
		if stop, err := t.scanData(dh, lo, hi, fn); stop || err != nil {
			return true, err
		}
		if sep, ok := userKey(it.key); !ok {
			return true, t.corrupt(h, "index", "%v", errGarbled)
		} else if hi != nil && bytes.Compare(sep, hi) >= 0 {
			return true, nil
		}
	}
	if err != nil {
		return true, t.corrupt(h, "index", "%v", err)
	}
	return false, nil
}

// scanData calls fn for the keys in [lo, hi) of the data block at h. stop
// reports that the scan reached hi.
func (t *Table) scanData(h handle, lo, hi []byte, fn func([]byte, uint64, uint8, []byte) error) (stop bool, err error) {
	blk, err := t.readBlock(h, &t.dataBuf, "data")
	if err != nil {
		return true, err
	}
	it := &t.dataIt
	if !it.init(blk) {
		return true, t.corrupt(h, "data", "bad restart array")
	}
	prefixed := t.version >= 3
	ok, err := it.seekGE(lo)
	for ; ok; ok, err = it.next() {
		n := len(it.key) - internalTrailerLen
		if n < 0 {
			return true, t.corrupt(h, "data", "key of %d bytes", len(it.key))
		}
		uk := it.key[:n:n]
		if hi != nil && bytes.Compare(uk, hi) >= 0 {
			return true, nil
		}
		trailer := binary.LittleEndian.Uint64(it.key[n:])
		kind := uint8(trailer) &^ kindObsoleteBit
		v := it.val
		if prefixed && kind == kindSet {
			if len(v) == 0 {
				return true, t.corrupt(h, "data", "SET value without its prefix byte")
			}
			if v[0]&valueKindMask != 0 {
				return true, t.unsupported("data block at offset %d: the value of %q is a handle into a value or blob block (prefix %#02x)", h.off, uk, v[0])
			}
			v = v[1:]
		}
		if err := fn(uk, trailer>>8, kind, v); err != nil {
			return true, err
		}
	}
	if err != nil {
		return true, t.corrupt(h, "data", "%v", err)
	}
	return false, nil
}
