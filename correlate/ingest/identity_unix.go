//go:build unix

package ingest

import (
	"os"
	"syscall"
)

// fileID is a file's identity on its machine: device and inode.
type fileID struct{ dev, ino uint64 }

// identity returns fi's device and inode, or the zero fileID.
func identity(fi os.FileInfo) fileID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fileID{uint64(st.Dev), uint64(st.Ino)}
	}
	return fileID{}
}
