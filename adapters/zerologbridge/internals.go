package zerologbridge

import (
	"bytes"
	"context"
	"reflect"
	"unsafe"

	"github.com/rs/zerolog"
)

// zerolog keeps three things this package needs behind unexported fields:
// an event's hooks (to know whether another Hook of this package runs on
// it), the bytes it has encoded so far (to see whether such a hook already
// wrote the trace) and a Logger's context.Context (to bind a logger to a
// request's context without copying its field buffer). Their offsets are
// looked up by name and type once, at start-up; if a zerolog release renames
// or retypes them, the package falls back to the slower public API (With)
// and to writing the fields without the duplicate check. The tests pin both
// paths for the required zerolog version.
var (
	eventBufOffset   = fieldOffset(reflect.TypeOf(zerolog.Event{}), "buf", reflect.TypeOf([]byte(nil)))
	eventHooksOffset = fieldOffset(reflect.TypeOf(zerolog.Event{}), "ch", reflect.TypeOf([]zerolog.Hook(nil)))
	loggerCtxOffset  = fieldOffset(reflect.TypeOf(zerolog.Logger{}), "ctx", reflect.TypeOf((*context.Context)(nil)).Elem())
)

// fieldOffset returns the offset of struct field name if it has type want,
// or -1.
func fieldOffset(t reflect.Type, name string, want reflect.Type) uintptr {
	f, ok := t.FieldByName(name)
	if !ok || f.Type != want || len(f.Index) != 1 {
		return ^uintptr(0)
	}
	return f.Offset
}

const noOffset = ^uintptr(0)

// encoded returns the bytes e has encoded so far, or nil when unknown. The
// event belongs to the goroutine running its hooks, so reading is safe.
func encoded(e *zerolog.Event) []byte {
	if eventBufOffset == noOffset {
		return nil
	}
	return *(*[]byte)(unsafe.Add(unsafe.Pointer(e), eventBufOffset))
}

// eventBuf returns a pointer to the buffer e encodes into, or nil when
// unknown. A hook that appends a complete member to it (after a comma when
// the line holds one already) does what Event.RawJSON does, without the
// key's escaping and a copy.
func eventBuf(e *zerolog.Event) *[]byte {
	if eventBufOffset == noOffset {
		return nil
	}
	return (*[]byte)(unsafe.Add(unsafe.Pointer(e), eventBufOffset))
}

// sharesEvent reports whether more than one Hook of this package runs on e
// (installed twice, or two hooks), or whether that cannot be known.
func sharesEvent(e *zerolog.Event) bool {
	if eventHooksOffset == noOffset {
		return true
	}
	n := 0
	for _, h := range *(*[]zerolog.Hook)(unsafe.Add(unsafe.Pointer(e), eventHooksOffset)) {
		if _, ours := h.(*Hook); ours {
			n++
		}
	}
	return n > 1
}

// hasKey reports whether the event's line already holds key as a JSON key.
// A key is always encoded as "key": by zerolog, while the same text inside a
// string value has its quotes escaped, so the match cannot be a value.
func hasKey(buf []byte, quotedKey string) bool {
	return len(buf) > len(quotedKey) && bytes.Contains(buf, unsafe.Slice(unsafe.StringData(quotedKey), len(quotedKey)))
}

// bind returns a copy of l whose events carry ctx, as l.With().Ctx(ctx)
// would, without copying the logger's field buffer.
func bind(l *zerolog.Logger, ctx context.Context) *zerolog.Logger {
	if loggerCtxOffset == noOffset {
		bound := l.With().Ctx(ctx).Logger()
		return &bound
	}
	bound := new(zerolog.Logger)
	*bound = *l
	*(*context.Context)(unsafe.Add(unsafe.Pointer(bound), loggerCtxOffset)) = ctx
	return bound
}

// jsonEncoding reports whether zerolog writes JSON (not CBOR, under its
// binary_log build tag): only then are fields rendered as ready JSON and
// the duplicate check used; otherwise fields go through Event.Str and
// Event.Bool.
var jsonEncoding = func() bool {
	return bytes.HasPrefix(encoded(zerolog.Dict()), []byte("{"))
}()
