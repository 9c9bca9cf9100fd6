package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/traceline/traceline/correlate/store"
)

// An id in a path ({traceID}) is one of:
//
//   - 32 hex digits, any case, optionally 0x-prefixed;
//   - fewer hex digits: an id whose leading zeros were dropped (Jaeger
//     prints ids so, and its UI links here with them), left-padded;
//   - a decimal 64-bit id (Datadog, B3) — an all-digit id of 17 to 20
//     digits is read as decimal and must fit 64 bits;
//   - a W3C traceparent "00-<trace id>-<span id>-<flags>".
//
// Anything else answers 400 with the reason; an id of the right shape that
// the index does not hold answers 404 with the reason nothing was found.

// parseTraceID reads {traceID}: the ids to look up, or an error saying why
// raw is not a trace id. It accepts what store.ParseTraceID does, minus
// what a person could only have meant as an impossible decimal.
func parseTraceID(raw string) ([]store.TraceID, error) {
	s := raw
	if p := strings.Split(s, "-"); len(p) == 4 && len(p[0]) == 2 && len(p[1]) == 32 {
		s = p[1]
	}
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	why := func(reason string) error {
		return errors.New(quoteID(raw) + " is not a trace id: " + reason)
	}
	if s == "" {
		return nil, why("it is empty")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return nil, why(quoteByte(c) + " at byte " + strconv.Itoa(i+1) + " is not a hex digit; want 32 hex digits (16 for a 64-bit id) or a decimal 64-bit id")
		}
	}
	if len(s) > 32 {
		return nil, why(strconv.Itoa(len(s)) + " digits; a trace id has at most 32 hex digits")
	}
	ids, err := store.ParseTraceID(s)
	switch {
	case errors.Is(err, store.ErrDecimalOverflow):
		return nil, why(store.ErrDecimalOverflow.Error())
	case err != nil:
		return nil, why("the all-zero id means no trace")
	}
	return ids, nil
}

// traceIDs reads {traceID} from the path; it answers 400 itself, saying
// why, on a malformed id.
func traceIDs(w http.ResponseWriter, r *http.Request) ([]store.TraceID, bool) {
	ids, err := parseTraceID(r.PathValue("traceID"))
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return nil, false
	}
	return ids, true
}

// notFound says why a lookup of a well-formed id found nothing: the store
// answered ErrEmpty or ErrNotFound.
func notFound(ids []store.TraceID, err error) string {
	if errors.Is(err, store.ErrEmpty) {
		return "the index is empty (is --logs pointing at the right files, or is anything pushing lines?)"
	}
	msg := "no log line of trace " + ids[len(ids)-1].String() + " is in the index"
	if len(ids) > 1 || ids[0].Only64 {
		msg += " (looked up " + idForms(ids) + ")"
	}
	return msg + notFoundCauses
}

// notFoundCauses ends the message of an id the index lacks.
const notFoundCauses = ": its lines were written without the request's context, are not indexed yet, or expired"

// idForms lists what a lookup tried: a 64-bit id matches any trace with
// that low half.
func idForms(ids []store.TraceID) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteString(" and ")
		}
		if id.Only64 {
			b.WriteString("low half " + id.String()[16:])
		} else {
			b.WriteString(id.String())
		}
	}
	return b.String()
}

// quoteID quotes an id for an error message, cut to a readable length.
func quoteID(s string) string {
	if len(s) > 64 {
		s = s[:64] + "…"
	}
	return strconv.Quote(s)
}

func quoteByte(c byte) string {
	if c < 0x20 || c >= 0x7f {
		return "byte 0x" + strconv.FormatUint(uint64(c), 16)
	}
	return strconv.QuoteRune(rune(c))
}

// idShaped reports whether a pasted text is a bare id rather than a log
// line: hex digits, an optional 0x, or a traceparent's dashes only.
func idShaped(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			return false
		}
	}
	return true
}
