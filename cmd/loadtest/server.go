package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// serverProc is the rolefit process under load.
type serverProc struct {
	base    string // http://127.0.0.1:PORT
	cmd     *exec.Cmd
	log     *logLines
	dataDir string
	pprof   string        // http://127.0.0.1:PORT/debug/pprof/, with -profile
	exited  chan struct{} // closed when the process has been waited for
	waitErr error

	stopOnce sync.Once
	stopErr  error
}

// startServer starts cfg.Bin on a free loopback port with a fresh data
// directory and the fake model, and returns once /healthz answers.
func startServer(ctx context.Context, cfg Config, modelURL string) (*serverProc, error) {
	dataDir, err := os.MkdirTemp("", "rolefit-load-")
	if err != nil {
		return nil, err
	}
	p := &serverProc{log: &logLines{}, dataDir: dataDir, exited: make(chan struct{})}
	listening := &firstLine{line: make(chan string, 1)}
	p.cmd = exec.Command(cfg.Bin)
	p.cmd.Env = serverEnv(cfg, dataDir, modelURL)
	if cfg.Profile != "" {
		addr, err := freeLoopbackAddr()
		if err != nil {
			os.RemoveAll(dataDir)
			return nil, err
		}
		p.cmd.Env = append(p.cmd.Env, "PPROF_ADDR="+addr)
		p.pprof = "http://" + addr + "/debug/pprof/"
	}
	p.cmd.Stdout = listening
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		os.RemoveAll(dataDir)
		return nil, fmt.Errorf("start %s: %w", cfg.Bin, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()

	var line string
	select {
	case line = <-listening.line:
	case <-p.exited:
		p.stop(0)
		return nil, fmt.Errorf("rolefit exited before listening (%v); its log:\n%s", p.waitErr, p.log.summary().text())
	case <-ctx.Done():
		p.stop(5 * time.Second)
		return nil, fmt.Errorf("rolefit did not start: %w", ctx.Err())
	}
	if p.base, err = loopbackURL(line); err == nil {
		err = p.waitHealthy(ctx)
	}
	if err != nil {
		p.stop(5 * time.Second)
		return nil, err
	}
	return p, nil
}

// serverEnv passes on only what a process needs and the Go runtime knobs
// (GOMAXPROCS, GOGC, GOMEMLIMIT, GODEBUG), so no model setting of the
// caller's shell (an OPENAI_API_KEY_FILE, say) can reach the real API.
func serverEnv(cfg Config, dataDir, modelURL string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if name == "PATH" || name == "HOME" || name == "TMPDIR" || strings.HasPrefix(name, "GO") {
			env = append(env, kv)
		}
	}
	// The answer caps must not cut the run short: 100 tokens (400 bytes)
	// per chunk is far more than any chunk holds, and generation may last
	// as long as the whole run.
	maxTokens := 100 * cfg.Chunks
	if cfg.holdsLast {
		// The last chunk waits until every answer has started, which may
		// be longer than the model is normally allowed to fall silent.
		env = append(env, "STALL_TIMEOUT="+cfg.Timeout.String())
	}
	env = append(env, cfg.extraEnv...)
	return append(env,
		"ADDR=127.0.0.1:0",
		"DATA_DIR="+dataDir,
		"OPENAI_BASE_URL="+modelURL,
		"OPENAI_API_KEY=sk-load-test",
		"LOG_LEVEL=warn",
		"LOG_FORMAT=text",
		"MAX_GENERATION="+cfg.Timeout.String(),
		"MAX_ANSWER_TOKENS="+strconv.Itoa(maxTokens),
		"SHUTDOWN_GRACE=5s",
	)
}

// loopbackURL reads "Rolefit is listening on http://HOST:PORT" and refuses
// any address that is not loopback: this tool must never load a real host.
func loopbackURL(line string) (string, error) {
	_, raw, ok := strings.Cut(strings.TrimSpace(line), "listening on ")
	u, err := url.Parse(raw)
	if !ok || err != nil || u.Scheme != "http" {
		return "", fmt.Errorf("unexpected first line from rolefit: %q", line)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return "", fmt.Errorf("rolefit listens on %s, which is not loopback", u.Host)
	}
	return raw, nil
}

// waitHealthy polls /healthz until it answers 200. The listening line is
// printed once the socket is bound, so this normally succeeds at once.
func (p *serverProc) waitHealthy(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.base+"/healthz", nil)
		if err != nil {
			return err
		}
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-tick.C:
		case <-p.exited:
			return fmt.Errorf("rolefit exited before it was healthy (%v)", p.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("rolefit never answered /healthz: %w", ctx.Err())
		}
	}
}

// stop sends SIGTERM and waits up to grace for a clean exit, then kills.
// It is safe to call more than once; later calls return the first result.
func (p *serverProc) stop(grace time.Duration) error {
	p.stopOnce.Do(func() {
		defer os.RemoveAll(p.dataDir)
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		timer := time.NewTimer(grace)
		defer timer.Stop()
		select {
		case <-p.exited:
		case <-timer.C:
			_ = p.cmd.Process.Kill()
			<-p.exited
			p.stopErr = fmt.Errorf("rolefit did not stop within %s of SIGTERM; killed", grace)
			return
		}
		if p.waitErr != nil {
			p.stopErr = fmt.Errorf("rolefit exited with %v", p.waitErr)
		}
	})
	return p.stopErr
}

// firstLine hands over the first line written to it and keeps the rest in
// rest, or discards it when rest is nil, so the server never blocks on a
// full stdout pipe. Read rest once the writer has exited.
type firstLine struct {
	buf  bytes.Buffer
	line chan string // receives the line once
	sent bool
	rest *bytes.Buffer
}

func (f *firstLine) Write(b []byte) (int, error) {
	if f.sent {
		if f.rest != nil {
			f.rest.Write(b)
		}
		return len(b), nil
	}
	f.buf.Write(b)
	if line, after, ok := bytes.Cut(f.buf.Bytes(), []byte("\n")); ok {
		f.line <- string(line)
		f.sent = true
		if f.rest != nil {
			f.rest.Write(after)
		}
	}
	return len(b), nil
}

// logLines counts the server's log lines (at LOG_LEVEL=warn, each is a
// warning or an error) and keeps the first few.
type logLines struct {
	mu      sync.Mutex
	partial []byte
	count   int
	first   []string
}

func (l *logLines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	for {
		line, rest, ok := bytes.Cut(l.partial, []byte("\n"))
		if !ok {
			break
		}
		l.count++
		if len(l.first) < keepErrors {
			l.first = append(l.first, string(line))
		}
		l.partial = append(l.partial[:0], rest...)
	}
	return len(b), nil
}

func (l *logLines) summary() ServerLog {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := ServerLog{Lines: l.count, First: append([]string(nil), l.first...)}
	if len(l.partial) > 0 {
		s.Lines++
		if len(s.First) < keepErrors {
			s.First = append(s.First, string(l.partial))
		}
	}
	return s
}

func (p *serverProc) pid() int { return p.cmd.Process.Pid }

// idleRSS leaves the server alone for settle, then reads its resident
// memory: after start-up, that is what it needs to exist; after a load,
// what the GC and the runtime's scavenger gave back by then.
func (p *serverProc) idleRSS(ctx context.Context, settle time.Duration) int64 {
	timer := time.NewTimer(settle)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
	kb, _ := procStatus(p.pid(), "VmRSS")
	return kb
}

// openFileLimits reads a process's "Max open files" soft and hard limits
// from /proc/PID/limits.
func openFileLimits(pid int) (soft, hard string) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return "?", "?"
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "Max open files"); ok {
			if f := strings.Fields(rest); len(f) >= 2 {
				return f[0], f[1]
			}
		}
	}
	return "?", "?"
}

// procStatus reads a "Vm...:  1234 kB" field of /proc/PID/status, in kB.
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err // not Linux, or the process is gone
	}
	for line := range strings.Lines(string(b)) {
		value, ok := strings.CutPrefix(line, field+":")
		if !ok {
			continue
		}
		return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// procCPU is the user and system CPU time a process has used so far.
// /proc/PID/stat counts it in clock ticks, which are 1/100 s on Linux.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces: count fields
	// after it. utime and stime are fields 14 and 15 of the whole line.
	_, rest, _ := bytes.Cut(b, []byte(") "))
	f := strings.Fields(string(rest))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unreadable /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// sampleRSS reads VmRSS every interval until stop is called, and returns
// the largest value seen. VmHWM gives the true peak; the samples show the
// run reached it under load and not, say, at start-up.
func (p *serverProc) sampleRSS(interval time.Duration) (maxKB func() (int64, int), stop func()) {
	var (
		mu      sync.Mutex
		peak    int64
		samples int
	)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			if kb, err := procStatus(p.cmd.Process.Pid, "VmRSS"); err == nil {
				mu.Lock()
				peak, samples = max(peak, kb), samples+1
				mu.Unlock()
			}
			select {
			case <-tick.C:
			case <-quit:
				return
			}
		}
	}()
	var once sync.Once
	stop = func() { once.Do(func() { close(quit); <-done }) }
	maxKB = func() (int64, int) {
		mu.Lock()
		defer mu.Unlock()
		return peak, samples
	}
	return maxKB, stop
}

// cpuMark is the CPU time the server and the load tool had used at a moment.
type cpuMark struct{ server, tool time.Duration }

func (p *serverProc) cpuNow() cpuMark {
	var m cpuMark
	m.server, _ = procCPU(p.pid())
	m.tool, _ = procCPU(os.Getpid())
	return m
}

// resources stops the sampling and reads the peak and current RSS and the
// CPU times, in all and since the load began; call it before stopping the
// process.
func (p *serverProc) resources(stopSampling func(), sampled func() (int64, int), began cpuMark) Resources {
	stopSampling()
	var m Resources
	m.MaxSampledRSSKB, m.Samples = sampled()
	m.PeakRSSKB, _ = procStatus(p.cmd.Process.Pid, "VmHWM")
	m.EndRSSKB, _ = procStatus(p.cmd.Process.Pid, "VmRSS")
	// The kernel updates VmHWM lazily (per-CPU RSS counters are folded in
	// from time to time), so a sample can read above it: the peak is the
	// highest figure seen by any means.
	m.PeakRSSKB = max(m.PeakRSSKB, m.MaxSampledRSSKB, m.EndRSSKB)
	now := p.cpuNow()
	m.ServerCPU = now.server
	m.LoadCPU, m.LoadToolCPU = now.server-began.server, now.tool-began.tool
	return m
}

// Runtime is the server's Go runtime at one moment, as its /metrics says:
// where the memory of the answers it holds goes.
type Runtime struct {
	Goroutines   int   `json:"goroutines"`
	HeapInuseKB  int64 `json:"heap_inuse_kb"`
	StackInuseKB int64 `json:"stack_inuse_kb"`
	// sched is go_sched_latencies_seconds: how many of the goroutine
	// waits for a core the runtime timed were at most each bound, since
	// the server started. Empty when the server does not serve it.
	sched []schedBucket
}

// schedBucket is one cumulative bucket of go_sched_latencies_seconds.
type schedBucket struct {
	le    float64 // seconds; +Inf for the last
	count float64
}

// SchedWait is how long the server's goroutines waited for a core between
// two reads of its /metrics: each quantile is the bucket bound it is at or
// under (the runtime times one wait in eight, at random).
type SchedWait struct {
	Waits int     `json:"waits"`
	P50MS float64 `json:"p50_at_most_ms"`
	P99MS float64 `json:"p99_at_most_ms"`
}

// schedWaitBetween is the scheduling latency between reads a and b, or
// false when either lacks it.
func schedWaitBetween(a, b Runtime) (SchedWait, bool) {
	if len(a.sched) == 0 || len(a.sched) != len(b.sched) {
		return SchedWait{}, false
	}
	total := b.sched[len(b.sched)-1].count - a.sched[len(a.sched)-1].count
	if total <= 0 {
		return SchedWait{}, false
	}
	at := func(q float64) float64 {
		for i, bk := range b.sched {
			if bk.count-a.sched[i].count >= q*total {
				return bk.le * 1000
			}
		}
		return math.Inf(+1)
	}
	return SchedWait{Waits: int(total), P50MS: at(0.50), P99MS: at(0.99)}, true
}

// runtimeNow reads the server's goroutines, heap in use and stacks from
// its /metrics (served on the main address unless METRICS is off).
func runtimeNow(ctx context.Context, base string) (Runtime, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return Runtime{}, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return Runtime{}, fmt.Errorf("read /metrics: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return Runtime{}, fmt.Errorf("read /metrics: %s", res.Status)
	}
	var rt Runtime
	found := 0
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			continue
		}
		if le, ok := strings.CutPrefix(name, `go_sched_latencies_seconds_bucket{le="`); ok {
			if bound, err := strconv.ParseFloat(strings.TrimSuffix(le, `"}`), 64); err == nil {
				rt.sched = append(rt.sched, schedBucket{le: bound, count: v})
			}
			continue
		}
		switch name {
		case "go_goroutines":
			rt.Goroutines, found = int(v), found+1
		case "go_memstats_heap_inuse_bytes":
			rt.HeapInuseKB, found = int64(v)/1024, found+1
		case "go_memstats_stack_inuse_bytes":
			rt.StackInuseKB, found = int64(v)/1024, found+1
		}
	}
	if err := sc.Err(); err != nil {
		return Runtime{}, fmt.Errorf("read /metrics: %w", err)
	}
	if found != 3 {
		return Runtime{}, errors.New("read /metrics: goroutines, heap or stacks missing")
	}
	return rt, nil
}
