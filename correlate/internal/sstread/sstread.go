// Package sstread is a small read-only reader of Pebble sstables in the
// row-based table formats, (Pebble,v1) to (Pebble,v4): LevelDB/RocksDB-style
// prefix-compressed blocks with Pebble's additions (block-property bytes
// after index block handles, the one-byte value prefix of v3 and later, the
// "obsolete" bit that v4 may set on a key kind).
//
// It exists so that a short-lived lookup process can scan a store's tables
// without linking Pebble, whose package initialisers alone cost about 10 ms
// of process start. It depends only on the standard library, snappy,
// klauspost's pure-Go zstd decoder and xxhash, and builds nothing at init:
// the zstd decoder is created on the first zstd block.
//
// Only point keys are read, with the default bytewise comparer. Columnar
// tables (Pebble,v5 and later), values stored out of line in value blocks,
// compression other than snappy and zstd, and tables written with another
// comparer are reported with an error wrapping ErrUnsupported. Damage (a
// checksum mismatch, a garbled or truncated block) is reported with an error
// wrapping ErrCorrupt that names the file and the block's offset.
package sstread

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
)

// ErrUnsupported is wrapped by the errors for tables, blocks or values this
// package does not read: columnar formats (Pebble,v5+), LevelDB/RocksDB
// tables, unknown magic numbers or versions, unknown checksum or
// compression types (MinLZ), value handles, non-bytewise comparers.
var ErrUnsupported = errors.New("sstread: unsupported table")

// ErrCorrupt is wrapped by the errors for damaged tables: checksum
// mismatches, truncated or garbled blocks and handles.
var ErrCorrupt = errors.New("sstread: corrupt table")

// Layout constants of the row-based formats.
const (
	magicLen   = 8
	versionLen = 4
	// handlesLen is the room for two block handles (two uvarints each).
	handlesLen = 2 * 2 * binary.MaxVarintLen64
	// footerLen is the RocksDB-style footer used by (Pebble,v1..v5): a
	// checksum-type byte, the metaindex and index handles padded to
	// handlesLen bytes, the format version and the magic number.
	footerLen  = 1 + handlesLen + versionLen + magicLen
	trailerLen = 5 // after every block: compression indicator + checksum

	pebbleMagic  = "\xf0\x9f\xaa\xb3\xf0\x9f\xaa\xb3"
	rocksDBMagic = "\xf7\xcf\xf4\x85\xb7\x41\xe2\x88"
	levelDBMagic = "\x57\xfb\x80\x8b\x24\x75\x47\xdb"

	checksumCRC32c   = 1
	checksumXXHash64 = 3

	// tailLen is how much of the end of the file Open reads at once: the
	// footer, the metaindex and the properties block, and for small
	// tables the index too.
	tailLen = 16 << 10

	// defaultMaxBlock bounds the length of any block, stored or
	// decompressed, so that a garbled length cannot ask for an absurd
	// allocation.
	defaultMaxBlock = 1 << 30
)

// Metaindex and properties names.
const (
	metaProperties = "rocksdb.properties"
	metaRangeDelV1 = "rocksdb.range_del"
	metaRangeDelV2 = "rocksdb.range_del2"
	metaRangeKey   = "pebble.range_key"

	propIndexType  = "rocksdb.block.based.table.index.type"
	propComparator = "rocksdb.comparator"

	bytewiseComparer = "leveldb.BytewiseComparator"

	indexBinarySearch = 0
	indexTwoLevel     = 2
)

// Key kinds this package needs to know about.
const (
	kindSet         = 1
	kindObsoleteBit = 64 // set by (Pebble,v4) on keys shadowed within the table
)

// Table is an open sstable. A Table is not safe for concurrent use: Scan
// reuses buffers held by the Table.
type Table struct {
	r        io.ReaderAt
	f        *os.File
	name     string
	size     int64
	dataEnd  uint64 // end of the blocks (start of the footer)
	version  uint32 // Pebble format version, 1..4
	checksum byte
	twoLevel bool
	ranges   bool   // the metaindex lists range deletions or range keys
	index    []byte // the (top-level) index block, decompressed

	metaindexHandle, indexHandle handle

	// Open only: the last tailLen bytes of the file, in tailBuf.
	tail, tailBuf []byte
	tailOff       int64

	noVerify bool // tests only: skip checksums to fuzz the decoders
	maxBlock int

	closed bool

	// Buffers, recycled through spare when the table is closed.
	topBuf, idxBuf, dataBuf blockBuf
	idxBlock                []byte // the cached second-level index block
	idxHandle               handle // its handle, when idxBlock is not nil
	topIt, subIt            blockIter
	dataIt                  blockIter
}

// handle locates a block: its offset and length, without the trailer.
type handle struct{ off, len uint64 }

// Open opens the table at path and reads its footer, metaindex, properties
// and (top-level) index block.
func Open(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sstread: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("sstread: %w", err)
	}
	t, err := open(f, st.Size(), path, defaultMaxBlock, false)
	if err != nil {
		f.Close()
		return nil, err
	}
	t.f = f
	return t, nil
}

func open(r io.ReaderAt, size int64, name string, maxBlock int, noVerify bool) (*Table, error) {
	t := &Table{r: r, name: name, size: size, maxBlock: maxBlock, noVerify: noVerify}
	t.takeBuffers()
	if err := t.readFooter(); err != nil {
		return nil, err
	}
	props, err := t.readMetaindex()
	if err != nil {
		return nil, err
	}
	if err := t.readProperties(props); err != nil {
		return nil, err
	}
	t.index, err = t.readBlock(t.indexHandle, &t.topBuf, "index")
	if err != nil {
		return nil, err
	}
	if !t.topIt.init(t.index) {
		return nil, t.corrupt(t.indexHandle, "index", "bad restart array")
	}
	t.tail = nil
	return t, nil
}

// spare keeps a closed table's buffers for the next Open: a lookup that
// reads a few tables one after another then touches the memory of one
// (on a VM where a fresh page costs ~16 µs, that is most of an Open).
var spare struct {
	sync.Mutex
	tailBuf                 []byte
	topBuf, idxBuf, dataBuf blockBuf
}

func (t *Table) takeBuffers() {
	spare.Lock()
	t.tailBuf, t.topBuf, t.idxBuf, t.dataBuf = spare.tailBuf, spare.topBuf, spare.idxBuf, spare.dataBuf
	spare.tailBuf, spare.topBuf, spare.idxBuf, spare.dataBuf = nil, blockBuf{}, blockBuf{}, blockBuf{}
	spare.Unlock()
}

func (t *Table) giveBuffers() {
	spare.Lock()
	if cap(t.dataBuf.dec)+cap(t.dataBuf.raw) >= cap(spare.dataBuf.dec)+cap(spare.dataBuf.raw) {
		spare.tailBuf, spare.topBuf, spare.idxBuf, spare.dataBuf = t.tailBuf, t.topBuf, t.idxBuf, t.dataBuf
	}
	spare.Unlock()
}

// Close closes the file. The Table must not be used afterwards.
func (t *Table) Close() error {
	if t.closed {
		return nil
	}
	t.closed = true
	t.giveBuffers()
	t.index, t.idxBlock, t.tail, t.tailBuf, t.topBuf, t.idxBuf, t.dataBuf = nil, nil, nil, nil, blockBuf{}, blockBuf{}, blockBuf{}
	if t.f != nil {
		return t.f.Close()
	}
	return nil
}

// Format returns the table format as Pebble prints it, e.g. "(Pebble,v4)".
func (t *Table) Format() string {
	return fmt.Sprintf("(Pebble,v%d)", t.version)
}

// HasRangeKeysOrDels reports whether the table holds range deletions or
// range keys (its metaindex lists a range-deletion or range-key block).
// Scan does not apply them: a caller that finds them must fall back to a
// reader that does.
func (t *Table) HasRangeKeysOrDels() (bool, error) {
	if t.closed {
		return false, fmt.Errorf("sstread: %s: table is closed", t.name)
	}
	return t.ranges, nil
}

func (t *Table) unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrUnsupported, t.name, fmt.Sprintf(format, args...))
}

func (t *Table) corrupt(h handle, what, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s block at offset %d (length %d): %s",
		ErrCorrupt, t.name, what, h.off, h.len, fmt.Sprintf(format, args...))
}

// readFooter reads the end of the file, checks the magic number and the
// format version and decodes the footer.
func (t *Table) readFooter() error {
	if t.size < magicLen+versionLen {
		return fmt.Errorf("%w: %s: %d bytes is too small for an sstable", ErrCorrupt, t.name, t.size)
	}
	n := min(t.size, tailLen)
	if int64(cap(t.tailBuf)) < n {
		t.tailBuf = make([]byte, n)
	}
	t.tail = t.tailBuf[:n]
	t.tailOff = t.size - n
	if err := t.readAt(t.tail, t.tailOff); err != nil {
		return err
	}
	magic := string(t.tail[n-magicLen:])
	version := binary.LittleEndian.Uint32(t.tail[n-magicLen-versionLen:])
	switch magic {
	case pebbleMagic:
		switch {
		case version >= 1 && version <= 4:
		case version >= 5 && version <= 7:
			return t.unsupported("(Pebble,v%d) is a columnar format", version)
		default:
			return t.unsupported("unknown Pebble format version %d", version)
		}
	case rocksDBMagic:
		return t.unsupported("(RocksDB,v%d) table", version)
	case levelDBMagic:
		return t.unsupported("LevelDB table")
	default:
		return t.unsupported("not an sstable (magic number %x)", magic)
	}
	if t.size < footerLen {
		return fmt.Errorf("%w: %s: %d bytes is too small for an sstable", ErrCorrupt, t.name, t.size)
	}
	t.version = version
	foot := t.tail[n-footerLen:]
	t.dataEnd = uint64(t.size - footerLen)
	t.checksum = foot[0]
	if t.checksum != checksumCRC32c && t.checksum != checksumXXHash64 {
		return t.unsupported("checksum type %d", t.checksum)
	}
	handles := foot[1 : 1+handlesLen]
	var k int
	t.metaindexHandle, k = decodeHandle(handles)
	if k > 0 {
		var k2 int
		t.indexHandle, k2 = decodeHandle(handles[k:])
		if k2 <= 0 {
			k = 0
		}
	}
	if k <= 0 {
		return fmt.Errorf("%w: %s: garbled footer", ErrCorrupt, t.name)
	}
	return nil
}

// readMetaindex reads the metaindex block and returns the handle of the
// properties block.
func (t *Table) readMetaindex() (handle, error) {
	h := t.metaindexHandle
	blk, err := t.readBlock(h, &blockBuf{}, "metaindex")
	if err != nil {
		return handle{}, err
	}
	var it blockIter
	if !it.init(blk) {
		return handle{}, t.corrupt(h, "metaindex", "bad restart array")
	}
	var props handle
	found := false
	for {
		ok, err := it.next()
		if err != nil {
			return handle{}, t.corrupt(h, "metaindex", "%v", err)
		}
		if !ok {
			break
		}
		switch string(it.key) {
		case metaProperties:
			var k int
			if props, k = decodeHandle(it.val); k <= 0 {
				return handle{}, t.corrupt(h, "metaindex", "garbled properties handle")
			}
			found = true
		case metaRangeDelV1, metaRangeDelV2, metaRangeKey:
			t.ranges = true
		}
	}
	if !found {
		return handle{}, t.corrupt(h, "metaindex", "no properties block")
	}
	return props, nil
}

// readProperties reads the index type and the comparer's name.
func (t *Table) readProperties(h handle) error {
	blk, err := t.readBlock(h, &blockBuf{}, "properties")
	if err != nil {
		return err
	}
	var it blockIter
	if !it.init(blk) {
		return t.corrupt(h, "properties", "bad restart array")
	}
	for {
		ok, err := it.next()
		if err != nil {
			return t.corrupt(h, "properties", "%v", err)
		}
		if !ok {
			return nil
		}
		switch string(it.key) {
		case propIndexType:
			if len(it.val) != 4 {
				return t.corrupt(h, "properties", "index type of %d bytes", len(it.val))
			}
			switch typ := binary.LittleEndian.Uint32(it.val); typ {
			case indexBinarySearch:
				t.twoLevel = false
			case indexTwoLevel:
				t.twoLevel = true
			default:
				return t.unsupported("index type %d", typ)
			}
		case propComparator:
			if !bytes.Equal(it.val, []byte(bytewiseComparer)) {
				return t.unsupported("comparer %q", it.val)
			}
		}
	}
}

// readAt reads len(b) bytes at off.
func (t *Table) readAt(b []byte, off int64) error {
	n, err := t.r.ReadAt(b, off)
	if n == len(b) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("sstread: %s: reading %d bytes at offset %d: %w", t.name, len(b), off, err)
}

// decodeHandle decodes a block handle (two uvarints) at the start of b,
// ignoring what follows (block properties, in index blocks). It returns
// the number of bytes read, <= 0 if b does not start with a handle.
func decodeHandle(b []byte) (handle, int) {
	off, n := binary.Uvarint(b)
	if n <= 0 {
		return handle{}, 0
	}
	l, m := binary.Uvarint(b[n:])
	if m <= 0 {
		return handle{}, 0
	}
	return handle{off, l}, n + m
}
