package parse

import (
	"bufio"
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/formats/*.golden from the parser's output")

// assembleFile runs a file's lines through an Assembler the way ingest
// does: offsets and line numbers counted here, records flushed at the end.
func assembleFile(t testing.TB, name string, data []byte, cfg Config) ([]Record, Stats) {
	t.Helper()
	a := NewAssembler(name, cfg)
	var recs []Record
	var off, n int64
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		n++
		line := sc.Bytes()
		recs = a.Add(recs, line, off, n)
		off += int64(len(line)) + 1
	}
	recs = a.Flush(recs)
	if _, _, ok := a.Pending(); ok {
		t.Errorf("%s: Pending after Flush", name)
	}
	return recs, a.Stats()
}

// goldenLine is AppendJSON plus what the fixed keys leave out.
func goldenLine(r *Record) []byte {
	b := r.AppendJSON(nil)
	b = b[:len(b)-1]
	if r.TimePrecision != 0 {
		b = append(b, `,"prec":"`...)
		b = append(b, r.TimePrecision.String()...)
		b = append(b, '"')
	}
	if r.Problems != 0 {
		b = append(b, `,"problems":"`...)
		b = append(b, r.Problems.String()...)
		b = append(b, '"')
	}
	if r.Lines != 1 {
		b = append(b, `,"lines":`...)
		b = strconv.AppendInt(b, int64(r.Lines), 10)
	}
	return append(b, "}\n"...)
}

// TestGolden parses every testdata/formats/*.log (real output of the
// loggers, captured from zap, zerolog, slog, logrus and go-zero, plus
// hand-written profile, container and continuation samples) and compares
// with the .golden file beside it. Run with -update to rewrite them, then
// review the diff.
func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/formats/*.log")
	if len(files) == 0 {
		t.Fatal("no testdata/formats/*.log")
	}
	cfg := Config{
		Location: time.FixedZone("CET", 3600),
		Services: []PathService{{Pattern: "*-svc.log", Service: "from-config"}},
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			recs, st := assembleFile(t, filepath.Base(f), data, cfg)
			var got bytes.Buffer
			for i := range recs {
				got.Write(goldenLine(&recs[i]))
			}
			if r := st.Reasons(); len(r) > 0 || st.Skipped > 0 {
				got.WriteString("# stats: skipped=" + strconv.FormatInt(st.Skipped, 10))
				for _, k := range sortedKeys(r) {
					got.WriteString(" " + k + "=" + strconv.FormatInt(r[k], 10))
				}
				got.WriteString("\n")
			}
			golden := strings.TrimSuffix(f, ".log") + ".golden"
			if *update {
				if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGolden -update)", err)
			}
			if !bytes.Equal(got.Bytes(), want) {
				gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
				for i := 0; i < max(len(gl), len(wl)); i++ {
					var g, w string
					if i < len(gl) {
						g = gl[i]
					}
					if i < len(wl) {
						w = wl[i]
					}
					if g != w {
						t.Errorf("line %d:\n got %s\nwant %s", i+1, g, w)
					}
				}
			}
		})
	}
}

func sortedKeys(m map[string]int64) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	for i := range ks {
		for j := i + 1; j < len(ks); j++ {
			if ks[j] < ks[i] {
				ks[i], ks[j] = ks[j], ks[i]
			}
		}
	}
	return ks
}
