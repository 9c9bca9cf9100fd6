package server

import (
	"bytes"
	"crypto/subtle"
)

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
