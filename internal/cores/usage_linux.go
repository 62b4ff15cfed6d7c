package cores

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// readUsage reads the process's CPU time from getrusage and the machine's
// idle time from /proc/stat (Idle < 0 when that cannot be read).
func readUsage() (Usage, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return Usage{}, false
	}
	u := Usage{At: time.Now(), CPU: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), Idle: -1}
	if stat, err := os.ReadFile("/proc/stat"); err == nil {
		if idle, ok := idleTime(stat); ok {
			u.Idle = idle
		}
	}
	return u, true
}

// idleTime is the idle time of all the machine's cores, added up, from
// /proc/stat's first line: "cpu" then user, nice, system, idle and iowait
// (a core waiting for the disk is free to run something else), in
// hundredths of a second, the unit the kernel gives /proc/stat in
// whatever its own tick.
func idleTime(stat []byte) (time.Duration, bool) {
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	fields := bytes.Fields(line)
	if len(fields) < 6 || string(fields[0]) != "cpu" {
		return 0, false
	}
	var ticks uint64
	for _, f := range fields[4:6] {
		n, err := strconv.ParseUint(string(f), 10, 64)
		if err != nil {
			return 0, false
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, true
}
