package logbridge

import (
	"context"
	"time"
	"unsafe"
)

// An adapter may remember what it looked up in a context under the
// context's identity, so that the next line with the same context skips
// the lookup. Identity is a sound key only for a context whose Value
// answers can never change. The standard library's contexts are such: each
// holds its parent and its own key and value, fixed at creation. Other
// context types need not be: *gin.Context answers from its current request
// and is pooled, so the same pointer serves request after request.
// StableContext tells the two apart.

// iface is the layout of an interface value with methods.
type iface struct {
	typ, data unsafe.Pointer
}

func words(ctx *context.Context) *iface { return (*iface)(unsafe.Pointer(ctx)) }

// The standard library's context types, by their interface type words, and
// whether each holds its parent as its first word (stableKinds is empty
// when this Go release lays them out otherwise: no context is stable).
var stableKinds = findStableKinds()

type kindEntry struct {
	typ      unsafe.Pointer
	terminal bool // Background, TODO: no parent
}

type stableProbeKey struct{}

func findStableKinds() []kindEntry {
	bg := context.Background()
	kinds := []kindEntry{{words(&bg).typ, true}}
	todo := context.TODO()
	kinds = append(kinds, kindEntry{words(&todo).typ, true})
	// each of these must hold the one before it as its first word
	v := context.WithValue(bg, stableProbeKey{}, 1)
	c, cancel := context.WithCancel(v)
	defer cancel()
	t, cancelT := context.WithTimeout(c, time.Hour)
	defer cancelT()
	n := context.WithoutCancel(t)
	cc, cancelC := context.WithCancelCause(n)
	defer cancelC(nil)
	chain := []context.Context{bg, v, c, t, n, cc}
	for i := 1; i < len(chain); i++ {
		w := words(&chain[i])
		parent := (*context.Context)(w.data)
		if *words(parent) != *words(&chain[i-1]) {
			return nil
		}
		if kindIndex(kinds, w.typ) < 0 {
			kinds = append(kinds, kindEntry{typ: w.typ})
		}
	}
	return kinds
}

// maxStableDepth bounds the walk; a deeper chain is not stable.
const maxStableDepth = 64

// StableContext reports whether every link of ctx's chain is one of the
// standard library's contexts, whose Value answers never change: what is
// looked up in such a context may be remembered under its identity. Other
// contexts may answer differently from one call to the next (*gin.Context
// answers from its current request, and is reused for the next one). It
// does not allocate.
func StableContext(ctx context.Context) bool {
	w := *words(&ctx)
	for i := 0; i < maxStableDepth; i++ {
		k := kindIndex(stableKinds, w.typ)
		if k < 0 || w.data == nil {
			return false
		}
		if stableKinds[k].terminal {
			return true
		}
		w = *(*iface)(w.data) // the parent, the first word of every stable kind
	}
	return false
}

func kindIndex(kinds []kindEntry, typ unsafe.Pointer) int {
	for i := range kinds {
		if kinds[i].typ == typ {
			return i
		}
	}
	return -1
}
