package tracesource

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// NormalizeTraceID returns id as 32 lower-case hex digits: upper case is
// folded, shorter hex (a 64-bit Jaeger id) is left-padded with zeros, and
// base64 of 16 bytes (protobuf JSON) is converted. ok is false for anything
// else, and for the all-zero id, which OpenTelemetry defines as invalid.
func NormalizeTraceID(id string) (norm string, ok bool) { return normalizeID(id, 16) }

// NormalizeSpanID is NormalizeTraceID for span ids: 16 lower-case hex
// digits, from shorter hex or base64 of 8 bytes.
func NormalizeSpanID(id string) (norm string, ok bool) { return normalizeID(id, 8) }

func normalizeID(id string, size int) (string, bool) {
	id = strings.TrimSpace(id)
	if id == "" {
		return "", false
	}
	digits := 2 * size
	if len(id) <= digits && isHex(id) {
		norm := strings.Repeat("0", digits-len(id)) + strings.ToLower(id)
		return valid(norm, digits)
	}
	// base64 of size bytes: protobuf JSON encodes bytes fields this way.
	if len(id) == base64.StdEncoding.EncodedLen(size) || len(id) == base64.RawStdEncoding.EncodedLen(size) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(id); err == nil && len(b) == size {
				return valid(hex.EncodeToString(b), digits)
			}
		}
	}
	return "", false
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// valid returns norm, or "" and false for the all-zero id.
func valid(norm string, digits int) (string, bool) {
	if norm == strings.Repeat("0", digits) {
		return "", false
	}
	return norm, true
}
