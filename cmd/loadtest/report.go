package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Report is what one run measured.
type Report struct {
	Conversations int           `json:"conversations"`
	Chunks        int           `json:"chunks"`
	Pace          time.Duration `json:"-"`

	Exact         int      `json:"exact_answers"` // arrived byte for byte, once, and ended done
	Errors        int      `json:"errors"`
	FirstErrors   []string `json:"first_errors,omitempty"`
	UpstreamCalls int      `json:"upstream_calls"`
	DeltaEvents   int      `json:"delta_events"` // fewer than chunks when the server coalesced

	Elapsed time.Duration `json:"-"` // from the questions' release to the last answer's end
	TTFT    Latency       `json:"ttft"`
	Relay   Latency       `json:"relay"`

	Resources Resources `json:"resources"`
	ServerLog ServerLog `json:"server_log"`
}

// OK reports whether every conversation got its exact answer.
func (r Report) OK() bool { return r.Errors == 0 && r.Exact == r.Conversations }

// Latency is a distribution's summary.
type Latency struct {
	N                  int
	P50, P95, P99, Max time.Duration
}

// Resources is the server's resident memory, in kB as /proc reports it, and
// the CPU time it used: the load tool shares the machine, so its own CPU
// time is there too, to tell which side was busy.
type Resources struct {
	PeakRSSKB       int64         `json:"peak_rss_kb"` // VmHWM, or a higher sample
	EndRSSKB        int64         `json:"end_rss_kb"`  // VmRSS after the last answer
	MaxSampledRSSKB int64         `json:"max_sampled_rss_kb"`
	Samples         int           `json:"samples"`
	ServerCPU       time.Duration `json:"-"`
	LoadToolCPU     time.Duration `json:"-"`
}

// MarshalJSON gives CPU times in seconds.
func (m Resources) MarshalJSON() ([]byte, error) {
	type plain Resources // without this method
	return json.Marshal(struct {
		plain
		ServerCPUS   float64 `json:"server_cpu_s"`
		LoadToolCPUS float64 `json:"loadtool_cpu_s"`
	}{plain(m), m.ServerCPU.Seconds(), m.LoadToolCPU.Seconds()})
}

// ServerLog counts what the server logged at warn level and above.
type ServerLog struct {
	Lines int      `json:"lines"`
	First []string `json:"first,omitempty"`
}

func (s ServerLog) text() string { return strings.Join(s.First, "\n") }

// summarize uses nearest-rank percentiles: each is a value that was measured.
func summarize(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	rank := func(p float64) time.Duration {
		return d[max(int(math.Ceil(p*float64(len(d))))-1, 0)]
	}
	return Latency{N: len(d), P50: rank(0.50), P95: rank(0.95), P99: rank(0.99), Max: d[len(d)-1]}
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// MarshalJSON gives milliseconds, which is what people compare.
func (l Latency) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		N   int     `json:"n"`
		P50 float64 `json:"p50_ms"`
		P95 float64 `json:"p95_ms"`
		P99 float64 `json:"p99_ms"`
		Max float64 `json:"max_ms"`
	}{l.N, ms(l.P50), ms(l.P95), ms(l.P99), ms(l.Max)})
}

func (l Latency) String() string {
	return fmt.Sprintf("p50 %v  p95 %v  p99 %v  max %v  (n=%d)",
		l.P50.Round(10*time.Microsecond), l.P95.Round(10*time.Microsecond),
		l.P99.Round(10*time.Microsecond), l.Max.Round(10*time.Microsecond), l.N)
}

// WriteJSON prints the report as one JSON object.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Report
		PaceMS   float64 `json:"pace_ms"`
		ElapsedS float64 `json:"elapsed_s"`
		OK       bool    `json:"ok"`
	}{r, ms(r.Pace), r.Elapsed.Seconds(), r.OK()})
}

// WriteText prints the report for a person.
func (r Report) WriteText(w io.Writer) {
	verdict := "OK"
	if !r.OK() {
		verdict = "FAILED"
	}
	mib := func(kb int64) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }
	fmt.Fprintf(w, "rolefit load: %d conversations x %d chunks, pace %v: %s\n", r.Conversations, r.Chunks, r.Pace, verdict)
	fmt.Fprintf(w, "  exact answers       %d/%d, errors %d\n", r.Exact, r.Conversations, r.Errors)
	fmt.Fprintf(w, "  upstream calls      %d, delta events %d for %d chunks\n", r.UpstreamCalls, r.DeltaEvents, r.Conversations*r.Chunks)
	fmt.Fprintf(w, "  duration            %v\n", r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  time to first token %v\n", r.TTFT)
	fmt.Fprintf(w, "  relay latency       %v\n", r.Relay)
	fmt.Fprintf(w, "  server memory       peak RSS (VmHWM) %s, RSS at end %s, max sampled RSS %s (%d samples)\n",
		mib(r.Resources.PeakRSSKB), mib(r.Resources.EndRSSKB), mib(r.Resources.MaxSampledRSSKB), r.Resources.Samples)
	fmt.Fprintf(w, "  cpu time            server %v, load tool %v, on %d CPUs\n",
		r.Resources.ServerCPU.Round(10*time.Millisecond), r.Resources.LoadToolCPU.Round(10*time.Millisecond), runtime.NumCPU())
	fmt.Fprintf(w, "  server log lines    %d (warn and above)\n", r.ServerLog.Lines)
	for _, l := range r.ServerLog.First {
		fmt.Fprintf(w, "    %s\n", l)
	}
	if len(r.FirstErrors) > 0 {
		fmt.Fprintf(w, "  first errors:\n")
		for _, e := range r.FirstErrors {
			fmt.Fprintf(w, "    %s\n", e)
		}
	}
}
