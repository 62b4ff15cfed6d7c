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
	Conversations int           `json:"conversations"` // at once
	Rounds        int           `json:"rounds"`        // of Conversations, one after another
	Chunks        int           `json:"chunks"`
	Pace          time.Duration `json:"-"`
	FirstDelay    time.Duration `json:"-"`
	ModelAlone    time.Duration `json:"-"` // the model's schedule: first delay, then a pace per further chunk

	Exact         int      `json:"exact_answers"` // arrived byte for byte, once, and ended done
	Saved         Saved    `json:"saved"`
	Errors        int      `json:"errors"`
	FirstErrors   []string `json:"first_errors,omitempty"`
	UpstreamCalls int      `json:"upstream_calls"`
	DeltaEvents   int      `json:"delta_events"` // fewer than chunks when the server coalesced

	Elapsed time.Duration `json:"-"` // from the questions' release to the last answer's end
	// Each chat's time to first token is BeforeModel (its question sent
	// until the model has the request), ModelFirst (the model's own delay
	// to its first delta) and AfterModel (that delta leaving the model
	// until the browser has it).
	Start       Latency  `json:"start"` // question sent until the POST's answer (the page fragment) arrived
	TTFT        Latency  `json:"ttft"`
	BeforeModel Latency  `json:"before_model"`
	ModelFirst  Latency  `json:"model_first"`
	AfterModel  Latency  `json:"after_model"`
	Total       Latency  `json:"total"` // question sent until the answer's end arrived
	Relay       Latency  `json:"relay"`
	Baseline    Baseline `json:"model_alone"`
	// BareRelay is the same level through a bare relay, when asked for.
	BareRelay *BareRelay `json:"bare_relay,omitempty"`

	Resources Resources `json:"resources"`
	ServerLog ServerLog `json:"server_log"`

	// Replicas is set when the level ran through a load balancer in front
	// of several processes.
	Replicas *ReplicaReport `json:"replicas,omitempty"`
}

// OK reports whether every conversation got its exact answer, saved.
func (r Report) OK() bool {
	return r.Errors == 0 && r.Exact == r.chats() && r.Saved.Finished == r.chats()
}

// chats is how many conversations the run had, all rounds together.
func (r Report) chats() int { return r.Conversations * max(r.Rounds, 1) }

// TTFTRatio is the median time to first token over the model alone's: the
// measured baseline's, or the model's configured delay without one.
func (r Report) TTFTRatio() float64 { return ratio(r.TTFT.P50, r.Baseline.TTFT.P50, r.FirstDelay) }

// TTFTRatioP99 is the same at the 99th percentile.
func (r Report) TTFTRatioP99() float64 { return ratio(r.TTFT.P99, r.Baseline.TTFT.P99, r.FirstDelay) }

// TotalRatio is the median time to the answer's last byte over the model
// alone's.
func (r Report) TotalRatio() float64 { return ratio(r.Total.P50, r.Baseline.Total.P50, r.ModelAlone) }

// CPUPerChat is the server's CPU time under load, shared out per chat.
func (r Report) CPUPerChat() time.Duration {
	return r.Resources.LoadCPU / time.Duration(max(r.chats(), 1))
}

func ratio(d, baseline, fallback time.Duration) float64 {
	if baseline <= 0 {
		baseline = fallback
	}
	if baseline <= 0 {
		return 0
	}
	return float64(d) / float64(baseline)
}

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
	IdleBeforeKB    int64         `json:"idle_before_rss_kb"`  // after start-up and -settle, before the load
	IdleFileKB      int64         `json:"idle_before_file_kb"` // of it, file pages (RssFile): the binary's own, shared and reclaimable
	IdleAfterKB     int64         `json:"idle_after_rss_kb"`   // -settle after the load ended
	ServerCPU       time.Duration `json:"-"`                   // since the server started
	LoadCPU         time.Duration `json:"-"`                   // from the visits to the last answer's end
	LoadToolCPU     time.Duration `json:"-"`                   // the load tool's (and the fake model's) over the same time
}

// MarshalJSON gives CPU times in seconds.
func (m Resources) MarshalJSON() ([]byte, error) {
	type plain Resources // without this method
	return json.Marshal(struct {
		plain
		ServerCPUS   float64 `json:"server_cpu_s"`
		LoadCPUS     float64 `json:"server_load_cpu_s"`
		LoadToolCPUS float64 `json:"loadtool_cpu_s"`
	}{plain(m), m.ServerCPU.Seconds(), m.LoadCPU.Seconds(), m.LoadToolCPU.Seconds()})
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
	return enc.Encode(r.jsonView())
}

// reportJSON is a Report with its durations in plain units and its ratios.
type reportJSON struct {
	Report
	PaceMS       float64 `json:"pace_ms"`
	FirstDelayMS float64 `json:"first_delay_ms"`
	ModelAloneMS float64 `json:"model_alone_schedule_ms"`
	ElapsedS     float64 `json:"elapsed_s"`
	TTFTRatio    float64 `json:"ttft_ratio"`
	TTFTRatioP99 float64 `json:"ttft_ratio_p99"`
	TotalRatio   float64 `json:"total_ratio"`
	CPUPerChatMS float64 `json:"server_cpu_per_chat_ms"`
	OK           bool    `json:"ok"`
}

func (r Report) jsonView() reportJSON {
	return reportJSON{r, ms(r.Pace), ms(r.FirstDelay), ms(r.ModelAlone), r.Elapsed.Seconds(),
		r.TTFTRatio(), r.TTFTRatioP99(), r.TotalRatio(), ms(r.CPUPerChat()), r.OK()}
}

func mib(kb int64) string { return fmt.Sprintf("%.1f MiB", float64(kb)/1024) }

// WriteText prints the report for a person.
func (r Report) WriteText(w io.Writer) {
	verdict := "OK"
	if !r.OK() {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "rolefit load: %d conversations at once x %d rounds x %d chunks, first after %v, pace %v: %s\n",
		r.Conversations, max(r.Rounds, 1), r.Chunks, r.FirstDelay, r.Pace, verdict)
	fmt.Fprintf(w, "  exact answers       %d/%d, saved as finished %d (other saved answers %d), errors %d\n",
		r.Exact, r.chats(), r.Saved.Finished, r.Saved.Other, r.Errors)
	fmt.Fprintf(w, "  upstream calls      %d, delta events %d for %d chunks\n", r.UpstreamCalls, r.DeltaEvents, r.chats()*r.Chunks)
	fmt.Fprintf(w, "  duration            %v\n", r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  model alone         first token %v\n", r.Baseline.TTFT)
	fmt.Fprintf(w, "                      total       %v (schedule %v)\n", r.Baseline.Total, r.ModelAlone)
	fmt.Fprintf(w, "  POST /c answered    %v\n", r.Start)
	fmt.Fprintf(w, "  time to first token %v\n", r.TTFT)
	fmt.Fprintf(w, "    before the model  %v\n", r.BeforeModel)
	fmt.Fprintf(w, "    the model         %v\n", r.ModelFirst)
	fmt.Fprintf(w, "    after the model   %v\n", r.AfterModel)
	fmt.Fprintf(w, "    ratio             p50 %.2f, p99 %.2f to the model alone\n", r.TTFTRatio(), r.TTFTRatioP99())
	fmt.Fprintf(w, "  total time          %v\n", r.Total)
	fmt.Fprintf(w, "    ratio             p50 %.3f to the model alone\n", r.TotalRatio())
	fmt.Fprintf(w, "  relay latency       %v\n", r.Relay)
	fmt.Fprintf(w, "  server memory       peak RSS (VmHWM) %s, RSS at end %s, max sampled RSS %s (%d samples)\n",
		mib(r.Resources.PeakRSSKB), mib(r.Resources.EndRSSKB), mib(r.Resources.MaxSampledRSSKB), r.Resources.Samples)
	fmt.Fprintf(w, "                      idle RSS %s after start-up (%s of it file pages, the binary's own), %s after the load (each after the settle time)\n",
		mib(r.Resources.IdleBeforeKB), mib(r.Resources.IdleFileKB), mib(r.Resources.IdleAfterKB))
	fmt.Fprintf(w, "  cpu time            server %v under load (%.1f ms per chat; /proc counts 10 ms ticks), %v since start; load tool %v; on %d CPUs\n",
		r.Resources.LoadCPU.Round(10*time.Millisecond), ms(r.CPUPerChat()), r.Resources.ServerCPU.Round(10*time.Millisecond),
		r.Resources.LoadToolCPU.Round(10*time.Millisecond), runtime.NumCPU())
	if b := r.BareRelay; b != nil {
		fmt.Fprintf(w, "  bare relay          first token ratio %.2f, total ratio %.3f, cpu %.1f ms per chat (the same chats through a Go relay that does nothing else: the machine's floor)\n",
			b.TTFTRatio, b.TotalRatio, b.CPUPerChatMS)
	}
	if rs := r.Replicas; rs != nil {
		p50, p99 := rs.TTFTAdded(r.TTFT)
		fmt.Fprintf(w, "  %d replicas        behind nginx, sharing PostgreSQL and Redis\n", rs.Replicas)
		fmt.Fprintf(w, "    one process       time to first token %v (errors %d)\n", rs.Single, rs.SingleErrors)
		for _, e := range rs.SingleFirstErrors {
			fmt.Fprintf(w, "      %s\n", e)
		}
		fmt.Fprintf(w, "    added             p50 %+.1f ms, p99 %+.1f ms to the first token\n", ms(p50), ms(p99))
		fmt.Fprintf(w, "    redis             %.0f commands/s\n", rs.RedisCommandsPerSec)
		fmt.Fprintf(w, "    postgresql        %.0f commits/s, %.0f rows written/s\n", rs.PGCommitsPerSec, rs.PGRowWritesPerSec)
		for i, m := range rs.PerReplica {
			fmt.Fprintf(w, "    replica %d         peak RSS %s, idle RSS %s before / %s after, cpu %v under load\n",
				i+1, mib(m.PeakRSSKB), mib(m.IdleBeforeKB), mib(m.IdleAfterKB), m.LoadCPU.Round(10*time.Millisecond))
		}
	}
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
