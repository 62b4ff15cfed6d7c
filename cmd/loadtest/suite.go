package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Suite is the whole measurement: one run per level of concurrent chats,
// then the hold.
type Suite struct {
	Levels []Report
	Hold   *HoldReport
	Limits Limits // the load tool's own
	CPUs   int
	Err    []string // levels that could not run at all
}

// OK reports whether every level and the hold passed.
func (s Suite) OK() bool {
	if len(s.Err) > 0 {
		return false
	}
	for _, r := range s.Levels {
		if !r.OK() {
			return false
		}
	}
	return s.Hold == nil || s.Hold.OK()
}

// runSuite runs each level in turn, each against a server of its own, so
// every level's peak memory is its own; then the hold, if asked for.
// A level that cannot run at all is noted and the next one still runs.
//
// A level of fewer than minChats chats is repeated, one round after
// another, until it had that many: one chat's time is otherwise a single
// sample on a machine that is rarely quiet.
func runSuite(ctx context.Context, cfg Config, levels []int, minChats int, hold *HoldConfig, limits Limits, progress io.Writer) Suite {
	s := Suite{Limits: limits, CPUs: runtime.NumCPU()}
	for _, n := range levels {
		c := cfg
		c.Conversations = n
		c.Rounds = max((minChats+n-1)/n, 1)
		fmt.Fprintf(progress, "loadtest: %d concurrent chats...\n", n)
		runLevel := run
		if c.Replicas > 0 {
			runLevel = runReplicas
		}
		rep, err := runLevel(ctx, c)
		if err != nil {
			s.Err = append(s.Err, fmt.Sprintf("%d chats: %v", n, err))
			continue
		}
		s.Levels = append(s.Levels, rep)
	}
	if hold != nil {
		fmt.Fprintf(progress, "loadtest: holding %d answers...\n", hold.Answers)
		rep, err := runHold(ctx, *hold, limits)
		if err != nil {
			s.Err = append(s.Err, fmt.Sprintf("hold of %d answers: %v", hold.Answers, err))
		} else {
			s.Hold = &rep
		}
	}
	return s
}

// WriteJSON prints the suite as one JSON object.
func (s Suite) WriteJSON(w io.Writer) error {
	out := struct {
		Levels []reportJSON `json:"levels"`
		Hold   *HoldReport  `json:"hold,omitempty"`
		Limits Limits       `json:"load_tool_open_file_limits"`
		CPUs   int          `json:"cpus"`
		Errors []string     `json:"run_errors,omitempty"`
		OK     bool         `json:"ok"`
	}{Levels: []reportJSON{}, Hold: s.Hold, Limits: s.Limits, CPUs: s.CPUs, Errors: s.Err, OK: s.OK()}
	for _, r := range s.Levels {
		out.Levels = append(out.Levels, r.jsonView())
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// WriteText prints every level's details, the hold's, then the tables to
// paste into the README.
func (s Suite) WriteText(w io.Writer) {
	for _, r := range s.Levels {
		r.WriteText(w)
		fmt.Fprintln(w)
	}
	if s.Hold != nil {
		s.Hold.WriteText(w)
		fmt.Fprintln(w)
	}
	for _, e := range s.Err {
		fmt.Fprintf(w, "could not run: %s\n", e)
	}
	if len(s.Levels) > 0 && s.Levels[0].Replicas != nil {
		s.WriteReplicaTable(w)
	} else if len(s.Levels) > 0 {
		s.WriteTable(w)
	}
	if s.Hold != nil {
		fmt.Fprintln(w)
		s.Hold.WriteTable(w)
	}
}

// WriteTable prints one Markdown row per level.
func (s Suite) WriteTable(w io.Writer) {
	r0 := s.Levels[0]
	fmt.Fprintf(w, "Fake model: %d deltas, %v to the first, %v apart; %d CPUs shared by the server, the fake model and the load client. "+
		"Ratios are medians over the model alone, read directly by as many clients at once (p99 in brackets).\n\n",
		r0.Chunks, r0.FirstDelay, r0.Pace, s.CPUs)
	bare := slices.ContainsFunc(s.Levels, func(r Report) bool { return r.BareRelay != nil })
	head, rule := "", ""
	if bare {
		head, rule = " a bare Go relay: first token ratio, total ratio, CPU per chat |", "---|"
	}
	fmt.Fprintln(w, "| concurrent chats | time to first token, ratio to the model alone | before the model / after its first delta (p50) | total time ratio | server CPU per chat |"+head+" peak RSS | idle RSS after start-up / after the load | errors | byte-exact, saved as finished |")
	fmt.Fprintln(w, "|---|---|---|---|---|"+rule+"---|---|---|---|")
	for _, r := range s.Levels {
		added := r.TTFT.P50 - r.Baseline.TTFT.P50
		level := strconv.Itoa(r.Conversations)
		if r.Rounds > 1 {
			level += fmt.Sprintf(" (%d rounds)", r.Rounds)
		}
		floor := ""
		if b := r.BareRelay; b != nil {
			floor = fmt.Sprintf(" %.2f, %.3f, %.1f ms |", b.TTFTRatio, b.TotalRatio, b.CPUPerChatMS)
		} else if bare {
			floor = " |"
		}
		fmt.Fprintf(w, "| %s | %.2f (%+.1f ms; p99 %.2f) | %.1f ms / %.1f ms | %.3f | %.1f ms |%s %s | %s / %s | %d | %d/%d, %d/%d |\n",
			level, r.TTFTRatio(), ms(added), r.TTFTRatioP99(),
			ms(r.BeforeModel.P50), ms(r.AfterModel.P50), r.TotalRatio(), ms(r.CPUPerChat()), floor,
			mib(r.Resources.PeakRSSKB), mib(r.Resources.IdleBeforeKB), mib(r.Resources.IdleAfterKB),
			r.Errors, r.Exact, r.chats(), r.Saved.Finished, r.chats())
	}
}

// WriteReplicaTable prints one Markdown row per level run through the load
// balancer: what several replicas add to one process, and what they cost
// the shared servers.
func (s Suite) WriteReplicaTable(w io.Writer) {
	r0 := s.Levels[0]
	fmt.Fprintf(w, "%d replicas behind nginx, sharing PostgreSQL and Redis; fake model: %d deltas, %v to the first, %v apart; %d CPUs shared by everything, the load client included. "+
		"Time to first token is against the same level run on one process just before.\n\n",
		r0.Replicas.Replicas, r0.Chunks, r0.FirstDelay, r0.Pace, s.CPUs)
	fmt.Fprintln(w, "| concurrent chats | time to first token p50 / p99, one process | replicas | added p50 / p99 | Redis commands/s | PostgreSQL commits/s, rows written/s | peak RSS per replica | errors | byte-exact, saved as finished |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|")
	for _, r := range s.Levels {
		rs := r.Replicas
		if rs == nil {
			continue
		}
		p50, p99 := rs.TTFTAdded(r.TTFT)
		var peaks []string
		for _, m := range rs.PerReplica {
			peaks = append(peaks, mib(m.PeakRSSKB))
		}
		level := strconv.Itoa(r.Conversations)
		if r.Rounds > 1 {
			level += fmt.Sprintf(" (%d rounds)", r.Rounds)
		}
		fmt.Fprintf(w, "| %s | %.1f / %.1f ms | %.1f / %.1f ms | %+.1f / %+.1f ms | %.0f | %.0f, %.0f | %s | %d (one process: %d) | %d/%d, %d/%d |\n",
			level, ms(rs.Single.P50), ms(rs.Single.P99), ms(r.TTFT.P50), ms(r.TTFT.P99), ms(p50), ms(p99),
			rs.RedisCommandsPerSec, rs.PGCommitsPerSec, rs.PGRowWritesPerSec, strings.Join(peaks, ", "),
			r.Errors, rs.SingleErrors, r.Exact, r.chats(), r.Saved.Finished, r.chats())
	}
}

// WriteText prints the hold for a person.
func (h HoldReport) WriteText(w io.Writer) {
	verdict := "OK"
	if !h.OK() {
		verdict = "FAILED"
	}
	fmt.Fprintf(w, "rolefit hold: %d answers x %d chunks, first after %v, pace %v, started %d at a time: %s\n",
		h.Answers, h.Chunks, h.FirstDelay, h.Pace, h.Batch, verdict)
	fmt.Fprintf(w, "  exact answers       %d/%d, saved as finished %d (other saved answers %d), errors %d\n",
		h.Exact, h.Answers, h.Saved.Finished, h.Saved.Other, h.Errors)
	fmt.Fprintf(w, "  live at once        %d at most; all started within %v; last ended after %v\n",
		h.PeakLive, h.StartAll.Round(time.Millisecond), h.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "  upstream calls      %d\n", h.UpstreamCalls)
	fmt.Fprintf(w, "  POST /c answered    %v\n", h.Start)
	fmt.Fprintf(w, "  time to first token %v\n", h.TTFT)
	fmt.Fprintf(w, "  whole answer        %v (the model's schedule: %v; deltas delivered %.0f a second)\n",
		h.Total, h.Schedule, float64(h.Exact*h.Chunks)/max(h.Elapsed.Seconds(), 1e-9))
	fmt.Fprintf(w, "  /healthz            %v, %d failed (asked every %v from a process of its own, one at a time: a slow answer skips ticks)\n", h.Healthz, h.HealthzFailures, h.HealthEvery)
	fmt.Fprintf(w, "  server memory       peak RSS %s, idle RSS %s after start-up (%s of it file pages, the binary's own), %s after the hold\n",
		mib(h.Resources.PeakRSSKB), mib(h.Resources.IdleBeforeKB), mib(h.Resources.IdleFileKB), mib(h.Resources.IdleAfterKB))
	if sw := h.SchedWait; sw != nil {
		fmt.Fprintf(w, "  waiting for a core  p50 at most %s, p99 at most %s (%d goroutine waits the server's runtime timed, from /metrics)\n",
			boundMS(sw.P50MS), boundMS(sw.P99MS), sw.Waits)
	}
	if rt := h.AllLive; rt.Goroutines > 0 && h.Answers > 0 {
		fmt.Fprintf(w, "  all live            %d goroutines (%.1f an answer), stacks %s, heap in use %s (%.0f KiB an answer together), from /metrics\n",
			rt.Goroutines, float64(rt.Goroutines)/float64(h.Answers), mib(rt.StackInuseKB), mib(rt.HeapInuseKB),
			float64(rt.StackInuseKB+rt.HeapInuseKB)/float64(h.Answers))
	}
	fmt.Fprintf(w, "  cpu time            server %v during the hold, load tool %v\n",
		h.Resources.LoadCPU.Round(10*time.Millisecond), h.Resources.LoadToolCPU.Round(10*time.Millisecond))
	fmt.Fprintf(w, "  open files          load tool soft %d hard %d; server soft %s hard %s; each answer holds 2 in each process\n",
		h.Limits.ToolSoft, h.Limits.ToolHard, h.Limits.ServerSoft, h.Limits.ServerHard)
	fmt.Fprintf(w, "  server log lines    %d (warn and above)\n", h.ServerLog.Lines)
	for _, l := range h.ServerLog.First {
		fmt.Fprintf(w, "    %s\n", l)
	}
	for _, warning := range h.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warning)
	}
	if len(h.FirstErrors) > 0 {
		fmt.Fprintf(w, "  first errors:\n")
		for _, e := range h.FirstErrors {
			fmt.Fprintf(w, "    %s\n", e)
		}
	}
}

// WriteTable prints the hold as one Markdown row.
func (h HoldReport) WriteTable(w io.Writer) {
	fmt.Fprintln(w, "| live answers held | deltas, pace | started in batches of | errors | byte-exact, saved as finished | peak RSS | /healthz p50 / p99 / max | POST /c answered p50 / max | all started within | open files (server soft / hard) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	fmt.Fprintf(w, "| %d (peak %d) | %d, %v | %d | %d | %d/%d, %d/%d | %s | %.1f / %.1f / %.1f ms | %.1f / %.1f ms | %v | %s / %s |\n",
		h.Answers, h.PeakLive, h.Chunks, h.Pace, h.Batch, h.Errors, h.Exact, h.Answers, h.Saved.Finished, h.Answers,
		mib(h.Resources.PeakRSSKB), ms(h.Healthz.P50), ms(h.Healthz.P99), ms(h.Healthz.Max), ms(h.Start.P50), ms(h.Start.Max),
		h.StartAll.Round(100*time.Millisecond), h.Limits.ServerSoft, h.Limits.ServerHard)
}

// boundMS writes a bucket bound in milliseconds.
func boundMS(ms float64) string {
	if math.IsInf(ms, +1) {
		return "more than the largest bucket"
	}
	return strconv.FormatFloat(ms, 'g', -1, 64) + " ms"
}
