//go:build !unix

package server

import (
	"net"
	"syscall"
)

// rawConnOf has no non-blocking write to offer here: every event is sent
// by the watcher's own goroutine.
func rawConnOf(net.Conn) syscall.RawConn { return nil }

func writeNow(syscall.RawConn, []byte) int { return 0 }
