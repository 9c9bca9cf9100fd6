package storefmt

import (
	"encoding/binary"
	"errors"
)

// The search index (s space) holds one key per group of entries: the
// entries of one write (a batch of one file) that share their day, level
// rank (store.LevelRank) and second of At, up to GroupEntries of them.
//
//	s bucket(4) rank(1) second(8) file(8) first(8)
//
// second is the AtKey of the start of the entries' second, first the
// offset of the group's first entry. A search for some levels reads only
// their ranks' keys; newest first, it reads every group of one second
// before it orders that second's entries (groups of several files, and of
// several writes of one file, overlap in time). The value lists the
// entries, delta-encoded, with each distinct service (and, for rank 0, the
// level word) once:
//
//	version=2 nservices(uvarint) service(str)... [nlevels(uvarint) level(str)...] n(uvarint) entry...
//	entry: tag(uvarint) [level index(uvarint)] at(varint) offset(varint) [trace id(16)]
//
// The level list and index are there for rank 0 only (level words outside
// the ranked ones). tag is the kind in its low two bits (0 untraced; 1
// traced, its id follows, high half first; 2 traced, the id of the entry
// before) and the service's index above them. at and offset are the
// differences from the entry before (the first entry's from the key's
// second and first). An entry costs about 20 bytes and no key of its own:
// against a key per entry, Pebble sorts, writes and compacts a hundredth
// of the keys.
const (
	groupVersion = 2
	// GroupEntries caps a group, so that a value stays small, whatever
	// the batch.
	GroupEntries = 512
)

// SearchKeyLen is the length of an s key.
const SearchKeyLen = 1 + 4 + 1 + 8 + 8 + 8

const (
	kindUntraced = 0
	kindID       = 1
	kindSameID   = 2
)

// SecondOf returns the AtKey of the start of the second that holds the
// time whose AtKey is at.
func SecondOf(at uint64) uint64 {
	if at < 1e9 { // the zero time, or before 1677
		return 0
	}
	ns := int64(at ^ 1<<63)
	r := ns % 1e9
	if r < 0 {
		r += 1e9
	}
	return uint64(ns-r) ^ 1<<63
}

// AppendSearchPrefix is the prefix of an s key up to its rank.
func AppendSearchPrefix(dst []byte, b uint32, rank int) []byte {
	dst = append(dst, SpaceSearch)
	dst = binary.BigEndian.AppendUint32(dst, b)
	return append(dst, byte(rank))
}

// SearchKey is a decoded s key.
type SearchKey struct {
	Bucket uint32
	Rank   int
	Second uint64
	File   uint64
	First  int64
}

// ParseSearchKey reads an s key; ok is false for any other key.
func ParseSearchKey(k []byte) (sk SearchKey, ok bool) {
	if len(k) != SearchKeyLen || k[0] != SpaceSearch {
		return sk, false
	}
	return SearchKey{
		Bucket: binary.BigEndian.Uint32(k[1:]),
		Rank:   int(k[5]),
		Second: binary.BigEndian.Uint64(k[6:]),
		File:   binary.BigEndian.Uint64(k[14:]),
		First:  int64(binary.BigEndian.Uint64(k[22:])),
	}, true
}

// Append appends the key.
func (sk *SearchKey) Append(dst []byte) []byte {
	dst = AppendSearchPrefix(dst, sk.Bucket, sk.Rank)
	dst = binary.BigEndian.AppendUint64(dst, sk.Second)
	dst = binary.BigEndian.AppendUint64(dst, sk.File)
	return binary.BigEndian.AppendUint64(dst, uint64(sk.First))
}

// SearchGroup builds one group of the search index. Reset starts it; Add
// adds entries in the order they were written. Its key's First is the
// offset of its first entry: of one file's groups of a second, no two
// start at the same entry.
type SearchGroup struct {
	Key      SearchKey
	n        int
	services []string
	levels   []string
	body     []byte
	at       uint64
	off      int64
	id       [2]uint64
	hasID    bool
}

// Reset empties g and gives it key k; the first entry added sets the
// key's First.
func (g *SearchGroup) Reset(k SearchKey) {
	clear(g.services)
	clear(g.levels)
	*g = SearchGroup{Key: k, services: g.services[:0], levels: g.levels[:0], body: g.body[:0],
		at: k.Second, off: k.First}
}

// Len is how many entries g holds.
func (g *SearchGroup) Len() int { return g.n }

// Add adds an entry: at is its AtKey, id its trace id (high, low; nil
// when it has none), level its level word (kept for rank 0 only).
func (g *SearchGroup) Add(at uint64, off int64, id *[2]uint64, service, level string) {
	if g.n == 0 {
		g.Key.First, g.off = off, off
	}
	svc := index(&g.services, service)
	kind := uint64(kindUntraced)
	if id != nil {
		kind = kindID
		if g.hasID && *id == g.id {
			kind = kindSameID
		}
	}
	g.body = binary.AppendUvarint(g.body, kind|uint64(svc)<<2)
	if g.Key.Rank == 0 {
		g.body = binary.AppendUvarint(g.body, uint64(index(&g.levels, level)))
	}
	g.body = binary.AppendVarint(g.body, int64(at-g.at))
	g.body = binary.AppendVarint(g.body, off-g.off)
	if kind == kindID {
		g.body = binary.BigEndian.AppendUint64(g.body, id[0])
		g.body = binary.BigEndian.AppendUint64(g.body, id[1])
		g.id, g.hasID = *id, true
	}
	g.at, g.off = at, off
	g.n++
}

// index returns the index of s in *list, appending it when new.
func index(list *[]string, s string) int {
	for i, t := range *list {
		if t == s {
			return i
		}
	}
	*list = append(*list, s)
	return len(*list) - 1
}

// AppendValue appends g's value.
func (g *SearchGroup) AppendValue(dst []byte) []byte {
	dst = append(dst, groupVersion)
	dst = binary.AppendUvarint(dst, uint64(len(g.services)))
	for _, s := range g.services {
		dst = appendStr(dst, s)
	}
	if g.Key.Rank == 0 {
		dst = binary.AppendUvarint(dst, uint64(len(g.levels)))
		for _, s := range g.levels {
			dst = appendStr(dst, s)
		}
	}
	dst = binary.AppendUvarint(dst, uint64(g.n))
	return append(dst, g.body...)
}

// ErrOldSearchValue is returned (wrapped) by GroupReader.Reset for an s
// value of an earlier layout.
var ErrOldSearchValue = errors.New("search index value of an earlier format")

// SearchEntry is one entry of a group.
type SearchEntry struct {
	At      uint64 // AtKey
	Offset  int64
	Traced  bool
	ID      [2]uint64 // high, low (high 0: a 64-bit id)
	Service int       // index into GroupReader.Services
	Level   int       // index into GroupReader.Levels (rank 0)
}

// GroupReader reads the entries of one group.
type GroupReader struct {
	Key SearchKey
	// Services and Levels (rank 0) alias the value.
	Services [][]byte
	Levels   [][]byte
	// N is how many entries the group holds.
	N    int
	d    decoder
	left int
	e    SearchEntry
}

// Reset reads the key and header of a group; Next then reads its
// entries. The group aliases v.
func (g *GroupReader) Reset(k, v []byte) error {
	sk, ok := ParseSearchKey(k)
	if !ok {
		return errCorrupt
	}
	g.Key = sk
	g.Services, g.Levels = g.Services[:0], g.Levels[:0]
	g.e = SearchEntry{At: sk.Second, Offset: sk.First}
	if len(v) == 0 || v[0] != groupVersion {
		return ErrOldSearchValue
	}
	g.d = decoder{b: v[1:]}
	for n := g.d.uvarint(); n > 0 && g.d.err == nil; n-- {
		g.Services = append(g.Services, g.d.bytes(g.d.uvarint()))
	}
	if sk.Rank == 0 {
		for n := g.d.uvarint(); n > 0 && g.d.err == nil; n-- {
			g.Levels = append(g.Levels, g.d.bytes(g.d.uvarint()))
		}
	}
	n := g.d.uvarint()
	if n > uint64(len(g.d.b)) { // an entry takes at least a byte
		g.d.fail()
	}
	g.N = int(n)
	g.left = g.N
	return g.d.err
}

// Next reads the next entry into e; it returns false at the end or on
// an error (Err).
func (g *GroupReader) Next(e *SearchEntry) bool {
	if g.left == 0 || g.d.err != nil {
		return false
	}
	g.left--
	tag := g.d.uvarint()
	kind, svc := tag&3, tag>>2
	if svc >= uint64(len(g.Services)) || kind > kindSameID {
		g.d.fail()
		return false
	}
	g.e.Service = int(svc)
	if g.Key.Rank == 0 {
		l := g.d.uvarint()
		if l >= uint64(len(g.Levels)) {
			g.d.fail()
			return false
		}
		g.e.Level = int(l)
	}
	g.e.At += uint64(g.d.varint())
	g.e.Offset += g.d.varint()
	switch kind {
	case kindUntraced:
		g.e.Traced = false
	case kindID:
		b := g.d.bytes(16)
		if g.d.err != nil {
			return false
		}
		g.e.Traced, g.e.ID = true, [2]uint64{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
	case kindSameID:
		g.e.Traced = true
	}
	if g.d.err != nil {
		return false
	}
	*e = g.e
	if !e.Traced {
		e.ID = [2]uint64{}
	}
	return true
}

// Err is the error that stopped Next, if any.
func (g *GroupReader) Err() error {
	return g.d.err
}
