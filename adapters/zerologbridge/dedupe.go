package zerologbridge

// dedupe appends to dst the JSON object line p without the top-level
// members whose key the Hook writes, except the Hook's own: the last run of
// members that holds exactly w.block in order (the span fields the Hook
// wrote last) and the members right after it that hold configured baggage
// keys in their configured order (the baggage members it wrote with them).
// A baggage key the Hook did not write on that run is left alone. It
// returns false, and p must be written as it is, when p holds no such run
// (the Hook wrote no span fields) or is not one JSON object.
func (w *Writer) dedupe(dst, p []byte) ([]byte, bool) {
	// First pass: find the ordinal of the last complete run, then the
	// baggage members that follow it.
	last, run := -1, 0
	var bagEnd, nextBag int // end of the Hook's baggage members; next bag key index
	var ours uint64         // bits of the bag keys the Hook wrote on its last run
	ok := members(p, func(i, ks, ke, _ int) {
		key := p[ks+1 : ke-1]
		if last >= 0 && i == bagEnd {
			for k := nextBag; k < len(w.bag) && k < 64; k++ {
				if string(key) == w.bag[k] {
					ours |= 1 << k
					bagEnd, nextBag = i+1, k+1
					break
				}
			}
		}
		switch {
		case string(key) == w.block[run]:
			run++
		case string(key) == w.block[0]:
			run = 1
		default:
			run = 0
		}
		if run == len(w.block) {
			last, run = i-len(w.block)+1, 0
			bagEnd, nextBag, ours = i+1, 0, 0
		}
	})
	if !ok || last < 0 {
		return dst, false
	}
	// Second pass: copy every member but the ones the Hook's override.
	dst = append(dst, '{')
	first := true
	end := 0
	members(p, func(i, ks, ke, ve int) {
		end = ve
		if i < last || i >= bagEnd {
			if w.overridden(p[ks+1:ke-1], ours) {
				return
			}
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, p[ks:ve]...)
	})
	// The closing brace and what follows it (the line break).
	rest := p[end:]
	for len(rest) > 0 && rest[0] != '}' {
		rest = rest[1:]
	}
	return append(dst, rest...), true
}

// overridden reports whether a member under key, outside the Hook's own
// run, is dropped: its key is a span key, or a baggage key the Hook wrote
// (ours has its bit).
func (w *Writer) overridden(key []byte, ours uint64) bool {
	for _, k := range w.block {
		if string(key) == k {
			return true
		}
	}
	for k, b := range w.bag {
		if k < 64 && ours&(1<<k) != 0 && string(key) == b {
			return true
		}
	}
	return false
}

// members calls f for each top-level member of the JSON object p, with
// its ordinal, where its key starts (the opening quote), where the key
// ends (after the closing quote) and where the value ends. It reports
// whether p is one object, followed only by whitespace; f may have been
// called for the members before a syntax error.
func members(p []byte, f func(i, ks, ke, ve int)) bool {
	i := skipSpace(p, 0)
	if i >= len(p) || p[i] != '{' {
		return false
	}
	i = skipSpace(p, i+1)
	if i < len(p) && p[i] == '}' {
		return onlySpace(p, i+1)
	}
	for n := 0; ; n++ {
		if i >= len(p) || p[i] != '"' {
			return false
		}
		ks := i
		ke, ok := skipString(p, i)
		if !ok {
			return false
		}
		i = skipSpace(p, ke)
		if i >= len(p) || p[i] != ':' {
			return false
		}
		ve, ok := skipValue(p, skipSpace(p, i+1))
		if !ok {
			return false
		}
		f(n, ks, ke, ve)
		i = skipSpace(p, ve)
		if i >= len(p) {
			return false
		}
		switch p[i] {
		case ',':
			i = skipSpace(p, i+1)
		case '}':
			return onlySpace(p, i+1)
		default:
			return false
		}
	}
}

// skipString returns the index after the JSON string starting at p[i].
func skipString(p []byte, i int) (int, bool) {
	for i++; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// skipValue returns the index after the JSON value starting at p[i].
func skipValue(p []byte, i int) (int, bool) {
	if i >= len(p) {
		return 0, false
	}
	switch p[i] {
	case '"':
		return skipString(p, i)
	case '{', '[':
		depth := 0
		for ; i < len(p); i++ {
			switch p[i] {
			case '"':
				end, ok := skipString(p, i)
				if !ok {
					return 0, false
				}
				i = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
		}
		return 0, false
	}
	start := i
	for i < len(p) {
		switch p[i] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return i, i > start
		}
		i++
	}
	return 0, false
}

func skipSpace(p []byte, i int) int {
	for i < len(p) && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n') {
		i++
	}
	return i
}

func onlySpace(p []byte, i int) bool { return skipSpace(p, i) == len(p) }
