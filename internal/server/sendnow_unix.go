//go:build unix

package server

import (
	"net"
	"syscall"
)

// rawConnOf returns conn's file descriptor for writeNow, or nil when it
// has none (a TLS connection).
func rawConnOf(conn net.Conn) syscall.RawConn {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil
	}
	return raw
}

// writeNow writes b with one write(2) that does not wait, and returns how
// many bytes the socket took: none when its buffer is full or the write
// failed.
func writeNow(raw syscall.RawConn, b []byte) int {
	n := 0
	err := raw.Write(func(fd uintptr) bool {
		n, _ = syscall.Write(int(fd), b)
		return true // done, whatever happened: never wait for the socket
	})
	if err != nil || n < 0 {
		return 0
	}
	return n
}
