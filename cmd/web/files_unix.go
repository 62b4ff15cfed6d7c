//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// raiseFileLimit raises this process's soft limit on open files to its hard
// limit and returns the limit now in force. Every live answer holds two
// descriptors (the browser's connection and the model's), so this limit,
// not memory or CPU, is what first caps how many answers one process
// holds. Go's runtime already raises it at start-up since Go 1.19; doing
// it here too makes the behaviour Rolefit's own, and gives the figure to
// log.
func raiseFileLimit() (uint64, error) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 0, fmt.Errorf("read the open-file limit: %w", err)
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			return 0, fmt.Errorf("raise the open-file limit to %d: %w", lim.Max, err)
		}
	}
	return lim.Cur, nil
}
