package server

import (
	"bytes"
	"context"
	"crypto/subtle"
	"strconv"
)

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

func constantTimeEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

type ctxT = context.Context

func itoa(n int) string { return strconv.Itoa(n) }
