package main

import (
	"runtime/debug"
	"testing"
)

// TestRunLeavesProcessSettingsAlone: tests start the whole program in
// process, many times over, so run must not change what belongs to the
// process; main sets the GC target.
func TestRunLeavesProcessSettingsAlone(t *testing.T) {
	const mine = 123
	before := debug.SetGCPercent(mine)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	startRolefit(t, nil)
	if got := debug.SetGCPercent(mine); got != mine {
		t.Errorf("after run started, the GC target is %d%%, want the process's %d%%", got, mine)
	}
}
