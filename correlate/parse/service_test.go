package parse

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestServiceGlobAbsolute: a --service glob matches a file whether the
// glob or the path is absolute or relative, as long as they name the same
// file.
func TestServiceGlobAbsolute(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, tt := range []struct{ pattern, file string }{
		{filepath.ToSlash(dir) + "/logs/*.log", "logs/a.log"},
		{"logs/*.log", filepath.ToSlash(dir) + "/logs/a.log"},
		{"logs/*.log", "logs/a.log"},
		{filepath.ToSlash(dir) + "/logs/", "logs/a.log"},
	} {
		t.Run(tt.pattern+" "+tt.file, func(t *testing.T) {
			cfg := Config{Services: []PathService{{Pattern: tt.pattern, Service: "api"}}}
			a := NewAssembler(tt.file, cfg)
			recs := a.Flush(a.Add(nil, []byte(`{"msg":"m"}`), 0, 1))
			if len(recs) != 1 || recs[0].Service != "api" {
				t.Errorf("records %+v, want service api", recs)
			}
		})
	}
	cfg := Config{Services: []PathService{{Pattern: filepath.ToSlash(dir) + "/other/*.log", Service: "api"}}}
	if s := serviceForPath("logs/a.log", &cfg); s != "" {
		t.Errorf("another folder's glob matched: %q", s)
	}
}

// TestServiceFromFile: a line without a service takes the one its file's
// lines named last, or the Name of go-zero's stat lines; a mapping from
// the path comes first.
func TestServiceFromFile(t *testing.T) {
	for _, tt := range []struct {
		name  string
		cfg   Config
		lines []string
		want  []string
	}{
		{"from the line above", Config{}, []string{
			`{"msg":"unnamed first"}`,
			`{"msg":"m","service.name":"epro-api"}`,
			`{"@timestamp":"2026-03-01T10:00:00.000Z","content":"[HTTP] 200 - GET /forms","level":"info","trace":"0af7651916cd43dd8448eb211c80319c"}`,
		}, []string{"", "epro-api", "epro-api"}},
		{"go-zero's Name from its stat line", Config{}, []string{
			`{"@timestamp":"2026-03-01T10:00:00.000Z","content":"(gateway) - qps: 1.2/s, drops: 0, avg time: 1.0ms","level":"stat"}`,
			`{"@timestamp":"2026-03-01T10:00:00.100Z","content":"[HTTP] 200 - GET /forms","level":"info"}`,
			`{"@timestamp":"2026-03-01T10:00:00.200Z","content":"(not a name) x","level":"stat"}`,
		}, []string{"gateway", "gateway", "gateway"}},
		{"a pushed stream mixes processes", Config{}, []string{
			`{"msg":"m","service.name":"epro-api"}`,
			`{"msg":"unnamed"}`,
		}, []string{"epro-api", ""}},
		{"the path's mapping first", Config{Services: []PathService{{Pattern: "f.log", Service: "mapped"}}}, []string{
			`{"msg":"m","service.name":"epro-api"}`,
			`{"msg":"unnamed"}`,
		}, []string{"epro-api", "mapped"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := "f.log"
			if strings.HasPrefix(tt.name, "a pushed") {
				file = PushPrefix + "app"
			}
			a := NewAssembler(file, tt.cfg)
			recs := a.Flush(feed(a, tt.lines))
			if len(recs) != len(tt.want) {
				t.Fatalf("%d records", len(recs))
			}
			for i, w := range tt.want {
				if recs[i].Service != w {
					t.Errorf("line %d: service %q, want %q", i+1, recs[i].Service, w)
				}
				if w != "" && recs[i].FromLine && !strings.Contains(recs[i].Raw, w) {
					t.Errorf("line %d: FromLine set for a service the line does not name", i+1)
				}
			}
		})
	}
}

// TestFillServices: a record without a service takes another record's of
// the same file.
func TestFillServices(t *testing.T) {
	recs := []Record{{File: "a.log"}, {File: "a.log", Service: "api"}, {File: "b.log"},
		{File: "push:app", Service: "api"}, {File: "push:app"}}
	FillServices(recs)
	if recs[0].Service != "api" || recs[2].Service != "" || recs[4].Service != "" {
		t.Errorf("services %q %q %q", recs[0].Service, recs[2].Service, recs[4].Service)
	}
}
