package main

import (
	"fmt"
	"syscall"
)

// raiseOpenFileLimit lifts this process's soft limit on open files to the
// hard one: in the hold every answer holds two descriptors here too (the
// browser's connection and the fake model's). Go's runtime raises its own
// soft limit at start-up but gives children the original one back; set
// here explicitly, the server started by this tool inherits the raised
// limit, so the hold shows what the machine allows, not whether the server
// raises the limit by itself.
func raiseOpenFileLimit() (Limits, error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return Limits{}, fmt.Errorf("read the open-file limit: %w", err)
	}
	// Set even when the runtime already raised it: only an explicit call
	// makes children inherit it.
	raised := syscall.Rlimit{Cur: l.Max, Max: l.Max}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &raised); err != nil {
		return Limits{ToolSoft: l.Cur, ToolHard: l.Max}, fmt.Errorf("raise the open-file limit from %d to %d: %w", l.Cur, l.Max, err)
	}
	return Limits{ToolSoft: raised.Cur, ToolHard: raised.Max}, nil
}
