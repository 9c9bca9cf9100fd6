package storefmt

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// TablesFile names, in a store's folder, the list of the store's tables
// that the last writer left when it closed the store: what a lookup
// process needs to read the tables without Pebble. It is a hint, never
// the truth: the list holds only while the folder's State is the one it
// records (see State).
const TablesFile = "TABLES.traceline"

const tablesHeader = "traceline-tables 2"

// State is what changes in a store's folder whenever Pebble changes what
// the store holds, so that a list of tables made at one State is known to
// be stale at another:
//
//   - every change to the set of tables is an edit appended to the
//     MANIFEST (its size grows), and every writable open starts a new
//     MANIFEST (its marker file is renamed);
//   - a write not yet in a table is in a write-ahead log: a log's size
//     or name changes, or (a recycled log written in place) the writer
//     that wrote it opened the store, which renamed the marker.
type State struct {
	Marker       string     // "marker.manifest.000003.MANIFEST-000011"
	ManifestSize int64      // of the MANIFEST the marker names
	WALs         []FileSize // every *.log file, by name
}

// FileSize is a file of a store's folder and its size.
type FileSize struct {
	Name string
	Size int64
}

// ReadState reads dir's State: one listing of the folder and a stat of
// the MANIFEST and of each log.
func ReadState(dir string) (State, error) {
	var st State
	es, err := os.ReadDir(dir)
	if err != nil {
		return st, err
	}
	for _, e := range es {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, "marker.manifest."):
			if st.Marker != "" {
				return st, fmt.Errorf("%s: two manifest markers", dir)
			}
			st.Marker = name
		case strings.HasSuffix(name, ".log"):
			fi, err := e.Info()
			if err != nil {
				return st, err
			}
			st.WALs = append(st.WALs, FileSize{name, fi.Size()})
		}
	}
	if st.Marker == "" {
		return st, fmt.Errorf("%s: no manifest marker", dir)
	}
	fi, err := os.Stat(filepath.Join(dir, st.manifest()))
	if err != nil {
		return st, err
	}
	st.ManifestSize = fi.Size()
	return st, nil
}

// manifest is the MANIFEST file the marker names.
func (s State) manifest() string {
	_, m, _ := strings.Cut(strings.TrimPrefix(s.Marker, "marker.manifest."), ".")
	return m
}

// Equal reports whether s and o are the same state.
func (s State) Equal(o State) bool {
	return s.Marker == o.Marker && s.ManifestSize == o.ManifestSize && slices.Equal(s.WALs, o.WALs)
}

// TableList is the content of TablesFile.
type TableList struct {
	State  State // the folder's state when the list was made
	Tables []Table
}

// Table is one live table of the store.
type Table struct {
	Level int
	File  string // its file in the folder: "000005.sst"
	// Smallest and Largest are the smallest and largest user keys the
	// table may hold (range deletions included).
	Smallest, Largest []byte
	// Virtual: the table is a part of File (Pebble's virtual tables),
	// whose other keys must not be read.
	Virtual bool
	// Seq is the table's largest sequence number. Of a user key in
	// several tables, the one in the lowest level wins, and within level
	// 0 the one in the table with the largest Seq (an ingested table's
	// keys carry no number of their own).
	Seq uint64
}

// Marshal encodes l as TablesFile's text: a header, the state, then
// one line per table.
func (l *TableList) Marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nmanifest %s %d\n", tablesHeader, l.State.Marker, l.State.ManifestSize)
	for _, w := range l.State.WALs {
		fmt.Fprintf(&b, "wal %s %d\n", w.Name, w.Size)
	}
	for _, t := range l.Tables {
		v := 0
		if t.Virtual {
			v = 1
		}
		fmt.Fprintf(&b, "table %d %s %d %d %s %s\n", t.Level, t.File, v, t.Seq, keyHex(t.Smallest), keyHex(t.Largest))
	}
	b.WriteString("end\n")
	return b.Bytes()
}

var errTables = errors.New("storefmt: malformed " + TablesFile)

// ParseTableList decodes what Marshal wrote; a list cut short (no "end")
// is an error.
func ParseTableList(b []byte) (*TableList, error) {
	s := string(b)
	line, s, ok := strings.Cut(s, "\n")
	if !ok || line != tablesHeader {
		return nil, errTables
	}
	l := &TableList{}
	for {
		line, s, ok = strings.Cut(s, "\n")
		if !ok {
			return nil, errTables
		}
		f := strings.Fields(line)
		switch {
		case len(f) == 1 && f[0] == "end":
			if l.State.Marker == "" || s != "" {
				return nil, errTables
			}
			return l, nil
		case len(f) == 3 && f[0] == "manifest":
			n, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return nil, errTables
			}
			l.State.Marker, l.State.ManifestSize = f[1], n
		case len(f) == 3 && f[0] == "wal":
			n, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return nil, errTables
			}
			l.State.WALs = append(l.State.WALs, FileSize{f[1], n})
		case len(f) == 7 && f[0] == "table":
			lvl, err1 := strconv.Atoi(f[1])
			seq, err2 := strconv.ParseUint(f[4], 10, 64)
			lo, err3 := hexKey(f[5])
			hi, err4 := hexKey(f[6])
			if err := errors.Join(err1, err2, err3, err4); err != nil || (f[3] != "0" && f[3] != "1") || strings.ContainsAny(f[2], "/\\") || f[2] == ".." {
				return nil, errTables
			}
			l.Tables = append(l.Tables, Table{Level: lvl, File: f[2], Smallest: lo, Largest: hi, Virtual: f[3] == "1", Seq: seq})
		default:
			return nil, errTables
		}
	}
}

// keyHex writes a key as hex, an empty one as "-".
func keyHex(k []byte) string {
	if len(k) == 0 {
		return "-"
	}
	return hex.EncodeToString(k)
}

func hexKey(s string) ([]byte, error) {
	if s == "-" {
		return []byte{}, nil
	}
	if s == "" {
		return nil, errTables
	}
	return hex.DecodeString(s)
}
