package parse

import "bytes"

// ContainerPart tells whether line is a container runtime's record as the
// Assembler reads it (a CRI record or a Docker json-file entry). slot names
// its format and stream ("cri/stdout", "docker/stderr", …): the pieces of
// one line share a slot. last is false for a piece that more pieces of the
// same line follow (a CRI "P" record, a Docker entry whose log does not end
// in a newline). A reader that gets lines in several batches (push ingest)
// uses it to hold a line's pieces until its last one has come, so that the
// Assembler, and redaction, see the line whole.
func ContainerPart(line []byte) (slot string, last, ok bool) {
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	var p parser
	p.cfg = &Config{}
	if len(line) >= 29 && line[0]-'0' <= 9 {
		if _, _, stream, partial, _, ok := p.parseCRI(line); ok {
			return criSlots[stream], !partial, true
		}
		return "", false, false
	}
	if bytes.HasPrefix(line, []byte(`{"log":`)) {
		if _, _, _, stream, complete, isDocker, _ := p.parseDocker(line, nil); isDocker {
			return dockerSlots[stream], complete, true
		}
	}
	return "", false, false
}

var (
	criSlots    = [2]string{"cri/stdout", "cri/stderr"}
	dockerSlots = [2]string{"docker/stdout", "docker/stderr"}
)

// ContainerContent returns the text a CRI or Docker json-file line wraps
// (the log line as the container wrote it, its newline removed), or line
// itself when it is neither.
func ContainerContent(line []byte) []byte {
	var p parser
	p.cfg = &Config{}
	if len(line) >= 29 && line[0]-'0' <= 9 {
		if _, _, _, _, payload, ok := p.parseCRI(line); ok {
			return payload
		}
		return line
	}
	if bytes.HasPrefix(line, []byte(`{"log":`)) {
		if out, _, _, _, _, isDocker, bad := p.parseDocker(line, nil); isDocker && !bad {
			return bytes.TrimRight(out, "\r\n")
		}
	}
	return line
}
