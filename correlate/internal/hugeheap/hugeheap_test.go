//go:build linux

package hugeheap

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// vma is one mapping of /proc/self/smaps.
type vma struct {
	lo, hi    uintptr
	perm      string
	flags     []string
	anonHugeK int
}

func smaps(t *testing.T) []vma {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vma
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if lohi := strings.SplitN(fields[0], "-", 2); len(lohi) == 2 && len(fields) >= 5 {
			lo, err1 := strconv.ParseUint(lohi[0], 16, 64)
			hi, err2 := strconv.ParseUint(lohi[1], 16, 64)
			if err1 == nil && err2 == nil {
				out = append(out, vma{lo: uintptr(lo), hi: uintptr(hi), perm: fields[1]})
				continue
			}
		}
		if len(out) == 0 {
			continue
		}
		cur := &out[len(out)-1]
		switch fields[0] {
		case "VmFlags:":
			cur.flags = fields[1:]
		case "AnonHugePages:":
			cur.anonHugeK, _ = strconv.Atoi(fields[1])
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func thpMode(t *testing.T) string {
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		return ""
	}
	s := string(b)
	if i, j := strings.IndexByte(s, '['), strings.IndexByte(s, ']'); i >= 0 && j > i {
		return s[i+1 : j]
	}
	return ""
}

// TestFirstChunkAdvised checks that the heap chunk the package's init
// found is advised for huge pages: every read-write mapping in it carries
// the "hg" flag (VM_HUGEPAGE), which only madvise(MADV_HUGEPAGE) sets.
func TestFirstChunkAdvised(t *testing.T) {
	mode := thpMode(t)
	if mode == "" || mode == "never" {
		t.Skipf("transparent huge pages are %q here: the advice is accepted but has no effect", mode)
	}
	if adviseErr != 0 {
		t.Fatalf("madvise(MADV_HUGEPAGE) failed with errno %d", adviseErr)
	}
	p := uintptr(unsafe.Pointer(first))
	base := p &^ (chunk - 1)
	var rw, hugeK int
	for _, m := range smaps(t) {
		if m.hi <= base || m.lo >= base+chunk || !strings.HasPrefix(m.perm, "rw") {
			continue
		}
		rw++
		hugeK += m.anonHugeK
		hg := false
		for _, f := range m.flags {
			hg = hg || f == "hg"
		}
		if !hg {
			t.Errorf("mapping %x-%x of the first heap chunk %x has no hg flag: %v", m.lo, m.hi, base, m.flags)
		}
	}
	if rw == 0 {
		t.Fatalf("no read-write mapping holds the first heap chunk %x (first allocation at %x)", base, p)
	}
	// Whether the kernel had a free huge page at the moment is not ours
	// to assert; say what happened.
	t.Logf("THP %s; first chunk %x: %d KiB in huge pages; collapse errno per huge page %v", mode, base, hugeK, collapseErr)
}
