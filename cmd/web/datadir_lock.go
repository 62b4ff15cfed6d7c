//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDataDir takes an exclusive lock on DATA_DIR for the life of the
// process: a second Rolefit on the same directory would mark the first
// one's live answers interrupted at start-up and write into its database.
// The lock is flock(2) on a file in the directory, so the kernel drops it
// when the process ends, crash or SIGKILL included: no stale lock to clean.
func lockDataDir(dir string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create DATA_DIR %s: %w", dir, err)
	}
	path := filepath.Join(dir, "rolefit.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("another Rolefit is already using DATA_DIR %s (it holds %s); stop it or choose another DATA_DIR", dir, path)
		}
		return nil, fmt.Errorf("lock DATA_DIR %s: %w", dir, err)
	}
	// Closing the file releases the lock.
	return func() { f.Close() }, nil
}
