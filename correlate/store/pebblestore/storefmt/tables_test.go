package storefmt

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func sampleList() *TableList {
	return &TableList{
		State: State{Marker: "marker.manifest.000003.MANIFEST-000011", ManifestSize: 100,
			WALs: []FileSize{{"000012.log", 11}, {"000013.log", 0}}},
		Tables: []Table{
			{Level: 0, File: "000020.sst", Smallest: []byte("b\x00\x00P!"), Largest: []byte("t\xff"), Seq: 77},
			{Level: 6, File: "000005.sst", Smallest: []byte{}, Largest: []byte{0}, Virtual: true},
		},
	}
}

func TestTableListRoundTrip(t *testing.T) {
	l := sampleList()
	got, err := ParseTableList(l.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, l) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, l)
	}
	b := l.Marshal()
	for _, bad := range [][]byte{
		nil,
		b[:len(b)-4],                        // cut short: no "end"
		append(b[:len(b):len(b)], "x\n"...), // after the end
		bytes.Replace(b, []byte("traceline-tables 2"), []byte("traceline-tables 1"), 1), // another version
		bytes.Replace(b, []byte("000005.sst"), []byte("../a.sst"), 1),                   // outside the folder
		bytes.Replace(b, []byte(" 77 "), []byte(" -1 "), 1),
	} {
		if _, err := ParseTableList(bad); err == nil {
			t.Errorf("ParseTableList(%q) accepted", bad)
		}
	}
}

func TestReadState(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, n int) {
		if err := os.WriteFile(filepath.Join(dir, name), make([]byte, n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ReadState(dir); err == nil {
		t.Fatal("a folder without a manifest marker has a state")
	}
	write("marker.manifest.000001.MANIFEST-000001", 0)
	write("MANIFEST-000001", 87)
	write("000002.log", 11)
	write("000005.sst", 500)
	st, err := ReadState(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := State{Marker: "marker.manifest.000001.MANIFEST-000001", ManifestSize: 87, WALs: []FileSize{{"000002.log", 11}}}
	if !st.Equal(want) {
		t.Fatalf("state %+v, want %+v", st, want)
	}
	write("000002.log", 12) // a write
	if st2, _ := ReadState(dir); st2.Equal(st) {
		t.Fatal("a log that grew left the state as it was")
	}
	write("MANIFEST-000001", 90) // an edit
	if st3, _ := ReadState(dir); st3.ManifestSize != 90 {
		t.Fatalf("manifest size %d", st3.ManifestSize)
	}
}

// FuzzParseTableList: any bytes are rejected or read back the same after
// a round trip; nothing panics.
func FuzzParseTableList(f *testing.F) {
	f.Add(sampleList().Marshal())
	f.Add([]byte("traceline-tables 2\nmanifest m 1\nend\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseTableList(b)
		if err != nil {
			return
		}
		again, err := ParseTableList(l.Marshal())
		if err != nil {
			t.Fatalf("a parsed list does not parse again: %v", err)
		}
		if !reflect.DeepEqual(normal(again), normal(l)) {
			t.Fatalf("round trip changed the list:\n%+v\n%+v", again, l)
		}
	})
}

// normal makes nil and empty keys alike (hex reads "" as an empty slice).
func normal(l *TableList) *TableList {
	for i := range l.Tables {
		if l.Tables[i].Smallest == nil {
			l.Tables[i].Smallest = []byte{}
		}
		if l.Tables[i].Largest == nil {
			l.Tables[i].Largest = []byte{}
		}
	}
	return l
}
