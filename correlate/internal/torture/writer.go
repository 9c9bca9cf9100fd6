package torture

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/traceline/traceline/correlate/internal/loggen"
)

// WriterConfig says what a Writer writes.
type WriterConfig struct {
	Entries int    // entries to write over all files
	Seed    uint64 // same seed, same lines and the same rotations
	// RotateEvery is the mean number of lines a file gets before it is
	// rotated (default 600).
	RotateEvery int
	// MaxChunk caps the lines of one Step (default 40).
	MaxChunk int
}

// Rotation counts the rotations a Writer made, by kind.
type Rotation struct {
	Rename, CopyTruncate, Gzip int
}

// Writer streams loggen's lines into a live folder, rotating the files as
// it goes, and keeps the ground truth: every line written and its trace.
type Writer struct {
	cfg     WriterConfig
	rng     *rand.Rand
	live    string
	streams []*stream
	truth   *loggen.Truth
	written int
	// Lines counts each line written (keyed as the store keeps it).
	lines map[string]int
	// ids holds the trace id (32 hex, or 16 hex for a 64-bit id) each
	// line carries.
	ids map[string]string
	// Rotations counts what the Writer did to its files.
	Rotations Rotation
}

type stream struct {
	path      string // live path
	lines     []string
	next      int
	f         *os.File
	since     int // lines since the last rotation
	rotateAt  int
	generated int // rotated files made
	cri       bool
	// gens holds, for each rotated file (path.1, path.2, …), the range of
	// lines it holds; the live file holds lines[genStart:next].
	gens     [][2]int
	genStart int
}

// NewWriter generates the lines into stage (a folder the indexer does not
// read) and returns a Writer that streams them into live.
func NewWriter(stage, live string, cfg WriterConfig) (*Writer, error) {
	if cfg.RotateEvery <= 0 {
		cfg.RotateEvery = 600
	}
	if cfg.MaxChunk <= 0 {
		cfg.MaxChunk = 40
	}
	truth, err := loggen.Generate(loggen.Config{Dir: stage, Entries: cfg.Entries, Seed: cfg.Seed, UntracedPercent: -1})
	if err != nil {
		return nil, err
	}
	w := &Writer{
		cfg:   cfg,
		rng:   rand.New(rand.NewPCG(cfg.Seed, 7)),
		live:  live,
		truth: truth,
		lines: make(map[string]int, truth.Entries),
		ids:   make(map[string]string, truth.Entries),
	}
	full := make(map[string]string, len(truth.TraceIDs)) // 32 hex → itself
	low := make(map[string]string, len(truth.TraceIDs))  // decimal low 64 bits → 32 hex
	for _, id := range truth.TraceIDs {
		full[id] = id
		lo, _ := strconv.ParseUint(id[16:], 16, 64)
		low[strconv.FormatUint(lo, 10)] = id
	}
	for _, p := range truth.Files {
		rel, err := filepath.Rel(stage, p)
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		text := strings.TrimSuffix(string(b), "\n")
		s := &stream{path: filepath.Join(live, rel), cri: strings.HasPrefix(rel, "pods"+string(filepath.Separator))}
		if text != "" {
			s.lines = strings.Split(text, "\n")
		}
		for _, l := range s.lines {
			k := s.key(l)
			w.lines[k]++
			if id := findID(l, full, low); id != "" {
				w.ids[k] = id
			} else {
				return nil, fmt.Errorf("torture: no trace id found in %q", l)
			}
		}
		s.rotateAt = w.rotateAfter()
		if err := os.MkdirAll(filepath.Dir(s.path), 0o755); err != nil {
			return nil, err
		}
		w.streams = append(w.streams, s)
	}
	return w, nil
}

// key is what the store keeps of line l as its raw text.
func (s *stream) key(l string) string {
	if !s.cri {
		return l
	}
	// "<time> stdout F <payload>"
	for range 3 {
		_, l, _ = strings.Cut(l, " ")
	}
	return l
}

// findID returns the trace id written in line l: a 32-hex run of the
// ground truth (any case), or a decimal number that is the low half of
// one (Datadog).
func findID(l string, full, low map[string]string) string {
	isHex := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
	for i := 0; i < len(l); {
		if !isHex(l[i]) {
			i++
			continue
		}
		j := i
		for j < len(l) && isHex(l[j]) {
			j++
		}
		run := l[i:j]
		if len(run) == 32 {
			if id, ok := full[strings.ToLower(run)]; ok {
				return id
			}
		}
		if id, ok := low[run]; ok {
			return id
		}
		i = j
	}
	return ""
}

func (w *Writer) rotateAfter() int {
	return w.cfg.RotateEvery/2 + w.rng.IntN(w.cfg.RotateEvery+1)
}

// Written returns how many lines have been written so far. Like Step, it
// is not safe for concurrent use: read it once Step has returned.
func (w *Writer) Written() int { return w.written }

// Total returns how many lines the Writer writes in all.
func (w *Writer) Total() int { return w.truth.Entries }

// Step writes a few lines to one file, rotating it when its turn has
// come. It returns false when every line has been written and every file
// is closed.
func (w *Writer) Step() (bool, error) {
	var open []*stream
	for _, s := range w.streams {
		if s.next < len(s.lines) {
			open = append(open, s)
		}
	}
	if len(open) == 0 {
		for _, s := range w.streams {
			if s.f != nil {
				if err := s.f.Close(); err != nil {
					return false, err
				}
				s.f = nil
			}
		}
		return false, nil
	}
	s := open[w.rng.IntN(len(open))]
	n := min(1+w.rng.IntN(w.cfg.MaxChunk), len(s.lines)-s.next)
	if err := w.write(s, n); err != nil {
		return false, err
	}
	if s.since >= s.rotateAt && s.next < len(s.lines) {
		if err := w.rotate(s); err != nil {
			return false, err
		}
	}
	return true, nil
}

// write appends the next n lines of s; now and then the last line goes
// out in two writes, so that a reader may see half of it.
func (w *Writer) write(s *stream, n int) error {
	if s.f == nil {
		f, err := os.OpenFile(s.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		s.f = f
	}
	var b strings.Builder
	for _, l := range s.lines[s.next : s.next+n] {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	text := b.String()
	if w.rng.IntN(5) == 0 {
		cut := len(text) - 1 - w.rng.IntN(len(s.lines[s.next+n-1]))
		if _, err := s.f.WriteString(text[:cut]); err != nil {
			return err
		}
		text = text[cut:]
	}
	if _, err := s.f.WriteString(text); err != nil {
		return err
	}
	s.next += n
	s.since += n
	w.written += n
	return nil
}

// rotate rotates s's file by rename and create or copytruncate, and
// sometimes compresses the rotated file.
func (w *Writer) rotate(s *stream) error {
	s.generated++
	old := s.path + "." + strconv.Itoa(s.generated)
	s.since, s.rotateAt = 0, w.rotateAfter()
	if w.rng.IntN(2) == 0 {
		w.Rotations.Rename++
		if err := os.Rename(s.path, old); err != nil {
			return err
		}
		// the service has not reopened yet: these land in old
		if n := min(w.rng.IntN(20), len(s.lines)-s.next); n > 0 {
			if err := w.write(s, n); err != nil {
				return err
			}
		}
		if err := s.f.Close(); err != nil {
			return err
		}
		s.f = nil
	} else {
		w.Rotations.CopyTruncate++
		// nothing is written to s between the copy and the truncate
		if err := copyFile(s.path, old); err != nil {
			return err
		}
		if err := s.f.Truncate(0); err != nil {
			return err
		}
	}
	// old holds the lines since the last rotation
	s.gens = append(s.gens, [2]int{s.genStart, s.next})
	s.genStart = s.next
	if w.rng.IntN(2) == 0 {
		w.Rotations.Gzip++
		return gzipFile(old)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// gzipFile compresses p into p.gz and removes p, as gzip(1) does: the .gz
// is visible while it is being written.
func gzipFile(p string) error {
	in, err := os.Open(p)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(p + ".gz")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(out, 4096)
	zw := gzip.NewWriter(bw)
	if _, err := io.Copy(zw, in); err != nil {
		out.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		out.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Remove(p)
}

// place is where a line was written: its file's generation (1 for path.1,
// …; len(gens)+1 for the file still live), line number and byte offset.
type place struct {
	s      *stream
	gen    int
	line   int64
	offset int64
}

// places returns where each line (keyed as the store keeps it) was
// written. Call it once Step has returned false.
func (w *Writer) places() map[string][]place {
	m := make(map[string][]place, len(w.lines))
	for _, s := range w.streams {
		gens := append(slices.Clone(s.gens), [2]int{s.genStart, len(s.lines)})
		for g, r := range gens {
			var off int64
			for i, l := range s.lines[r[0]:r[1]] {
				k := s.key(l)
				m[k] = append(m[k], place{s: s, gen: g + 1, line: int64(i + 1), offset: off})
				off += int64(len(l)) + 1
			}
		}
	}
	return m
}

// names reports whether file names p's file: the live path (which held
// every generation in its turn) or the rotated file, compressed or not.
func (p place) names(file string) bool {
	if file == p.s.path {
		return true
	}
	old := p.s.path + "." + strconv.Itoa(p.gen)
	return file == old || file == old+".gz"
}

func (p place) String() string {
	return fmt.Sprintf("%s.%d:%d (offset %d)", p.s.path, p.gen, p.line, p.offset)
}
