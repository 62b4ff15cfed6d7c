package metrics

import (
	"bufio"
	"bytes"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"strconv"
	"time"
)

// runtimeFamily serves the Go runtime's figures under the names Prometheus's
// Go collector uses, so existing dashboards read them. runtime/metrics is
// read rather than runtime.ReadMemStats, which stops the world.
type runtimeFamily struct{}

var runtimeSamples = []string{
	"/sched/goroutines:goroutines",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/total:bytes",
	"/gc/heap/goal:bytes",
	"/gc/cycles/total:gc-cycles",
}

func (runtimeFamily) write(w *bufio.Writer) {
	s := make([]rtmetrics.Sample, len(runtimeSamples))
	for i, name := range runtimeSamples {
		s[i].Name = name
	}
	rtmetrics.Read(s)
	v := func(i int) float64 {
		if s[i].Value.Kind() != rtmetrics.KindUint64 {
			return 0 // not in this Go version
		}
		return float64(s[i].Value.Uint64())
	}
	for _, m := range []struct {
		name, typ, help string
		value           float64
	}{
		{"go_goroutines", "gauge", "Goroutines that currently exist.", v(0)},
		{"go_memstats_heap_inuse_bytes", "gauge", "Bytes in in-use heap spans.", v(1) + v(2)},
		{"go_memstats_stack_inuse_bytes", "gauge", "Bytes of goroutine stacks.", v(3)},
		{"go_memstats_sys_bytes", "gauge", "Bytes of memory the Go runtime has mapped.", v(4)},
		{"go_gc_heap_goal_bytes", "gauge", "Heap size at which the next garbage collection is due.", v(5)},
		{"go_gc_cycles_total", "counter", "Completed garbage collection cycles.", v(6)},
	} {
		writeHeader(w, m.name, m.typ, m.help)
		writeSample(w, m.name, nil, nil, m.value)
	}
	writeHeader(w, "go_info", "gauge", "The Go version Rolefit was built with.")
	writeSample(w, "go_info", []string{"version"}, []string{runtime.Version()}, 1)
}

// processFamily serves the process's CPU time, memory and open files under
// the names Prometheus's process collector uses. They come from /proc, so
// outside Linux only the start time is served.
type processFamily struct{}

// started stands for the process's start: the package is initialised as
// the program starts.
var started = time.Now()

// userHZ is the unit of the CPU times in /proc/self/stat. It is 100 on
// every Linux architecture Go supports (the kernel's USER_HZ, fixed by its
// ABI whatever the kernel's own tick rate).
const userHZ = 100

func (processFamily) write(w *bufio.Writer) {
	writeHeader(w, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.")
	writeSample(w, "process_start_time_seconds", nil, nil, float64(started.UnixMilli())/1000)

	if f, ok := readStat(); ok {
		writeHeader(w, "process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.")
		writeSample(w, "process_cpu_seconds_total", nil, nil, float64(f.utime+f.stime)/userHZ)
		writeHeader(w, "process_resident_memory_bytes", "gauge", "Resident memory size, in bytes.")
		writeSample(w, "process_resident_memory_bytes", nil, nil, float64(f.rssPages*int64(os.Getpagesize())))
		writeHeader(w, "process_virtual_memory_bytes", "gauge", "Virtual memory size, in bytes.")
		writeSample(w, "process_virtual_memory_bytes", nil, nil, float64(f.vsize))
	}
	if fds, err := os.ReadDir("/proc/self/fd"); err == nil {
		writeHeader(w, "process_open_fds", "gauge", "Open file descriptors.")
		writeSample(w, "process_open_fds", nil, nil, float64(len(fds)))
	}
}

type procStat struct {
	utime, stime, vsize, rssPages int64
}

// readStat reads /proc/self/stat (proc(5)): fields 14 and 15 are the CPU
// times, 23 the virtual size in bytes and 24 the resident set in pages.
// The command name, field 2, may hold spaces, so fields are counted from
// the parenthesis that closes it.
func readStat() (procStat, bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return procStat{}, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := bytes.Fields(b[i+1:]) // f[0] is field 3
	field := func(n int) int64 {
		if n-3 >= len(f) {
			return 0
		}
		v, _ := strconv.ParseInt(string(f[n-3]), 10, 64)
		return v
	}
	return procStat{utime: field(14), stime: field(15), vsize: field(23), rssPages: field(24)}, len(f) >= 22
}
