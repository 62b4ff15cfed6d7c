//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// minFreeBytes is the room on DATA_DIR's disk below which Rolefit calls
// itself not ready: with less, SQLite's journal cannot grow and answers
// fail to save, even while one small test write may still fit.
const minFreeBytes = 1 << 20

// roomOnDisk reports an error when the filesystem holding dir has less
// than need bytes available to this (unprivileged) process.
func roomOnDisk(dir string, need uint64) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return fmt.Errorf("free space of DATA_DIR %s: %w", dir, err)
	}
	if free := uint64(st.Bavail) * uint64(st.Bsize); free < need {
		return fmt.Errorf("the disk of DATA_DIR %s is full: %d bytes free, %d needed", dir, free, need)
	}
	return nil
}
