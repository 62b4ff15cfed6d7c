package cores

import (
	"testing"
	"time"
)

func TestIdleTimeAddsUpTheIdleAndIOWaitOfAllCores(t *testing.T) {
	stat := []byte("cpu  8134 12 2290 1523440 311 0 77 0 0 0\ncpu0 4000 6 1100 761000 150 0 40 0 0 0\nintr 1 2 3\n")
	got, ok := idleTime(stat)
	if want := (1523440 + 311) * 10 * time.Millisecond; !ok || got != want {
		t.Errorf("idleTime = %v, %v; want %v, true", got, ok, want)
	}
	for _, bad := range []string{"", "intr 1 2 3\n", "cpu 1 2 3\n", "cpu 1 2 3 x 5 6\n", "cpu0 1 2 3 4 5 6\n"} {
		if _, ok := idleTime([]byte(bad)); ok {
			t.Errorf("idleTime(%q) read a time from a line that is not /proc/stat's total", bad)
		}
	}
}

func TestReadUsageCountsTheProcesssWorkAndTheMachinesIdleTime(t *testing.T) {
	before, ok := readUsage()
	if !ok || before.Idle < 0 {
		t.Fatalf("readUsage = %+v, %v; want the usage and the machine's idle time", before, ok)
	}
	// Work until the process's CPU time has moved: getrusage counts in
	// the kernel's ticks.
	deadline := time.Now().Add(30 * time.Second)
	x := 0
	for {
		for i := range 1_000_000 {
			x += i * i
		}
		after, _ := readUsage()
		if after.CPU > before.CPU {
			if !after.At.After(before.At) || after.Idle < before.Idle {
				t.Errorf("usage went back: %+v after %+v", after, before)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the process's CPU time stayed at %v while it worked", after.CPU)
		}
	}
	_ = x
}
