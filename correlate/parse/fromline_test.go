package parse_test

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/traceline/traceline/correlate/parse"
)

// TestFromLine checks the promise of Record.FromLine on every format test
// file, read through the Assembler with several configurations: a record
// marked FromLine is exactly what ParseLine gives for its Raw, and the
// records that cannot be (continuations, containers, path services, zones,
// cut lines) are not marked.
func TestFromLine(t *testing.T) {
	files, err := filepath.Glob("testdata/formats/*.log")
	if err != nil || len(files) == 0 {
		t.Fatalf("no format files: %v", err)
	}
	berlin := time.FixedZone("CET", 3600)
	configs := []struct {
		name string
		file string
		cfg  parse.Config
		none bool // no record can be marked
	}{
		{"zero", "", parse.Config{}, false},
		{"path service", "app.log", parse.Config{Services: []parse.PathService{{Pattern: "app.log", Service: "from-path"}}}, false},
		{"kubernetes path", "/var/log/pods/ns_pod-1_uid/api/0.log", parse.Config{}, false},
		{"zone", "", parse.Config{Location: berlin}, true},
		{"short lines", "", parse.Config{MaxLineBytes: 60}, false},
	}
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			var marked, unmarked int
			for _, f := range files {
				data, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				a := parse.NewAssembler(c.file, c.cfg)
				var recs []parse.Record
				sc := bufio.NewScanner(bytes.NewReader(data))
				sc.Buffer(nil, 4<<20)
				var off, n int64
				for sc.Scan() {
					n++
					recs = a.Add(recs, sc.Bytes(), off, n)
					off += int64(len(sc.Bytes())) + 1
				}
				recs = a.Flush(recs)
				for _, r := range recs {
					if !r.FromLine {
						unmarked++
						continue
					}
					marked++
					var again parse.Record
					parse.ParseLine([]byte(r.Raw), &again, nil)
					again.File, again.Line, again.Offset, again.FromLine = r.File, r.Line, r.Offset, true
					if !reflect.DeepEqual(again, r) {
						t.Errorf("%s line %d is marked FromLine but ParseLine gives another record:\n got  %+v\n want %+v", f, r.Line, again, r)
					}
				}
			}
			if (marked == 0) != c.none || unmarked == 0 {
				t.Errorf("marked %d, unmarked %d", marked, unmarked)
			}
		})
	}
}
