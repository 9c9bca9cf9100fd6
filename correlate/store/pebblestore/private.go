package pebblestore

import (
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// A data folder holds log lines, patient data among them: it is 0700 and
// its files 0600 whatever the umask, so that no other user of the machine
// can read them.
const (
	dirMode  os.FileMode = 0o700
	fileMode os.FileMode = 0o600
)

// privateFS is the OS file system with private modes: files are made
// 0600 as soon as they are created, folders 0700.
type privateFS struct{ vfs.FS }

func (fs privateFS) Create(name string, c vfs.DiskWriteCategory) (vfs.File, error) {
	return private(fs.FS.Create(name, c))(name)
}

func (fs privateFS) OpenReadWrite(name string, c vfs.DiskWriteCategory, opts ...vfs.OpenOption) (vfs.File, error) {
	return private(fs.FS.OpenReadWrite(name, c, opts...))(name)
}

func (fs privateFS) ReuseForWrite(oldname, newname string, c vfs.DiskWriteCategory) (vfs.File, error) {
	return private(fs.FS.ReuseForWrite(oldname, newname, c))(newname)
}

func (fs privateFS) Lock(name string) (io.Closer, error) {
	c, err := fs.FS.Lock(name)
	if err == nil {
		os.Chmod(name, fileMode) // the lock file holds nothing
	}
	return c, err
}

func (fs privateFS) MkdirAll(dir string, _ os.FileMode) error {
	return fs.FS.MkdirAll(dir, dirMode)
}

// private makes the file just opened 0600, closing it when that fails.
func private(f vfs.File, err error) func(name string) (vfs.File, error) {
	return func(name string) (vfs.File, error) {
		if err != nil {
			return f, err
		}
		if err := os.Chmod(name, fileMode); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
}

// makePrivate creates dir 0700, or makes an existing one 0700 and its
// files 0600 (a folder written before modes were enforced, or copied).
func makePrivate(dir string) error {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return err
	}
	if err := os.Chmod(dir, dirMode); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || info.Mode().Perm()&^fileMode == 0 {
			continue
		}
		errs = append(errs, os.Chmod(filepath.Join(dir, e.Name()), fileMode))
	}
	return errors.Join(errs...)
}
