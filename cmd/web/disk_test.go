package main

import (
	"strings"
	"testing"
)

// TestRoomOnDisk: a disk with less room than needed is reported, naming
// the directory, so /readyz fails before writes start to.
func TestRoomOnDisk(t *testing.T) {
	dir := t.TempDir()
	if err := roomOnDisk(dir, 1); err != nil {
		t.Errorf("roomOnDisk(%s, 1 byte): %v", dir, err)
	}
	err := roomOnDisk(dir, 1<<62)
	if err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("roomOnDisk(%s, 4 EiB) = %v; want an error naming the directory", dir, err)
	}
}
