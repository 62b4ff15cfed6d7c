package metrics

import (
	"bufio"
	"bytes"
	"math"
	"os"
	"runtime"
	rtmetrics "runtime/metrics"
	"slices"
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
	"/sched/gomaxprocs:threads",
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
		// Rolefit changes it with its load (package cores).
		{"go_sched_gomaxprocs_threads", "gauge", "Cores the Go scheduler runs goroutines on at once (GOMAXPROCS).", v(7)},
	} {
		writeHeader(w, m.name, m.typ, m.help)
		writeSample(w, m.name, nil, nil, m.value)
	}
	writeHeader(w, "go_info", "gauge", "The Go version Rolefit was built with.")
	writeSample(w, "go_info", []string{"version"}, []string{runtime.Version()}, 1)
	writeSchedLatencies(w)
}

// schedBounds are the buckets of go_sched_latencies_seconds. The runtime
// keeps over a hundred finer ones; these are enough to tell a process that
// has the cores it needs (goroutines wait microseconds) from one that is
// short of them (tens or hundreds of milliseconds), as when /healthz is
// slow for no fault of its own.
var schedBounds = []float64{50e-6, 100e-6, 500e-6, 1e-3, 5e-3, 10e-3, 25e-3, 50e-3, 100e-3, 250e-3, 500e-3, 1, 2.5}

// writeSchedLatencies serves how long goroutines waited, runnable, for a
// core, from the runtime's /sched/latencies:seconds, under the name
// Prometheus's Go collector gives it. A runtime bucket is counted under
// the first bound at or above its upper edge, so a count is never put
// below its true value. The runtime keeps no sum: the one served adds
// each bucket's count times its lower edge, a lower bound on the truth.
func writeSchedLatencies(w *bufio.Writer) {
	s := []rtmetrics.Sample{{Name: "/sched/latencies:seconds"}}
	rtmetrics.Read(s)
	if s[0].Value.Kind() != rtmetrics.KindFloat64Histogram {
		return // not in this Go version
	}
	h := s[0].Value.Float64Histogram()
	counts := make([]uint64, len(schedBounds)+1) // the last is above every bound
	var sum float64
	for i, n := range h.Counts {
		if n == 0 {
			continue
		}
		lo, hi := h.Buckets[i], h.Buckets[i+1]
		b, _ := slices.BinarySearch(schedBounds, hi)
		counts[b] += n
		if !math.IsInf(lo, 0) && lo > 0 {
			sum += lo * float64(n)
		}
	}
	out := &histogram{name: "go_sched_latencies_seconds", help: "How long goroutines waited, runnable, for a core before running.",
		bounds: schedBounds, counts: counts, sum: sum}
	out.write(w)
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
