package parse

// Assembler turns the physical lines of one file into Records: it unwraps
// container formats (CRI with P/F partials, Docker json-file with 16 KB
// splits), folds continuation lines (stack traces, Go panic goroutine dumps)
// into the record above and parses each entry. An Assembler is not safe for
// concurrent use; use one per file.
type Assembler struct {
	file  string
	cfg   Config
	stats Stats
	p     parser
}

// NewAssembler returns an Assembler for the lines of file (the path as
// given to the reader; it names Record.File and may name the service).
func NewAssembler(file string, cfg Config) *Assembler {
	a := &Assembler{file: file, cfg: cfg}
	return a
}

// Add takes one physical line without its trailing newline ("\r\n" is
// accepted too), the byte offset of its first byte and its 1-based line
// number, and appends the records that are now complete to dst. line is
// not retained: the caller may reuse it.
func (a *Assembler) Add(dst []Record, line []byte, offset, lineNo int64) []Record {
	a.stats.Lines++
	dst = append(dst, Record{})
	r := &dst[len(dst)-1]
	a.p.parse(line, r, &a.cfg)
	r.File, r.Line, r.Offset, r.Lines = a.file, lineNo, offset, 1
	a.stats.Records++
	return dst
}

// Flush completes whatever is pending (end of input, or an idle timeout in
// follow mode) and appends it to dst.
func (a *Assembler) Flush(dst []Record) []Record { return dst }

// Pending reports the offset and line number of the first physical line not
// yet emitted in a record, so a checkpoint can resume there; ok is false when
// nothing is pending.
func (a *Assembler) Pending() (offset, lineNo int64, ok bool) { return 0, 0, false }

// Stats returns the counts so far.
func (a *Assembler) Stats() Stats { return a.stats }
