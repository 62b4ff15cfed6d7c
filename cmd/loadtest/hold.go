package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// HoldConfig is the hold: many long answers live on one server at once,
// started in batches.
type HoldConfig struct {
	Bin         string
	Answers     int           // answers live at once
	Chunks      int           // deltas per answer
	FirstDelay  time.Duration // the model's delay to its first delta
	Pace        time.Duration // pause between an answer's deltas
	Batch       int           // questions released together
	Timeout     time.Duration // bound on the whole hold
	Settle      time.Duration // idle time before reading idle memory
	HealthEvery time.Duration // how often /healthz is asked throughout
	Profile     string        // directory for profiles while all are live
}

func (h HoldConfig) validate() error {
	switch {
	case h.Bin == "":
		return errors.New("-bin is required (build it with: go build -o /tmp/rolefit ./cmd/web)")
	case h.Answers < 1:
		return errors.New("-hold must be at least 1")
	case h.Chunks < 2:
		return errors.New("-hold-chunks must be at least 2: the last one waits for every answer to start")
	case h.Batch < 1:
		return errors.New("-hold-batch must be at least 1")
	case h.Pace < 0 || h.FirstDelay < 0 || h.Settle < 0:
		return errors.New("-hold-pace, -first-delay and -settle must not be negative")
	case h.Timeout <= 0 || h.HealthEvery <= 0:
		return errors.New("-hold-timeout and the /healthz interval must be positive")
	}
	return nil
}

// HoldReport is what the hold measured.
type HoldReport struct {
	Answers     int           `json:"answers"`
	Chunks      int           `json:"chunks"`
	Batch       int           `json:"batch"`
	Pace        time.Duration `json:"-"`
	FirstDelay  time.Duration `json:"-"`
	HealthEvery time.Duration `json:"-"`

	Exact         int      `json:"exact_answers"`
	Saved         Saved    `json:"saved"`
	Errors        int      `json:"errors"`
	FirstErrors   []string `json:"first_errors,omitempty"`
	Warnings      []string `json:"warnings,omitempty"` // what may explain errors, such as a low open-file limit
	UpstreamCalls int      `json:"upstream_calls"`

	// PeakLive is the most answers seen streaming at one moment: between
	// their first delta and their end.
	PeakLive int           `json:"peak_live"`
	StartAll time.Duration `json:"-"`     // first question sent until every answer had its first delta
	Elapsed  time.Duration `json:"-"`     // first question sent until the last answer ended
	Start    Latency       `json:"start"` // question sent until the POST's answer arrived
	TTFT     Latency       `json:"ttft"`
	// Total is each answer's question sent until its end arrived; with
	// Schedule, what the model alone would take (first delay and pace, the
	// wait for the last batch aside), it shows whether the machine kept
	// the model's pace.
	Total    Latency       `json:"total"`
	Schedule time.Duration `json:"-"`

	// AllLive is the server's runtime while every answer was live (read
	// once the last one had its first delta): what the answers hold.
	AllLive Runtime `json:"all_live_runtime"`
	// SchedWait is how long the server's goroutines waited for a core
	// from start-up to the last answer's end, from its /metrics: what
	// /healthz waits for when the cores are saturated.
	SchedWait *SchedWait `json:"sched_wait,omitempty"`

	Healthz         Latency `json:"healthz"` // sampled every HealthEvery by a probe process, from start-up to the last answer's end
	HealthzFailures int     `json:"healthz_failures"`

	Resources Resources `json:"resources"`
	Limits    Limits    `json:"open_file_limits"`
	ServerLog ServerLog `json:"server_log"`
}

// OK reports whether every answer arrived exactly, saved as finished.
func (h HoldReport) OK() bool {
	return h.Errors == 0 && h.Exact == h.Answers && h.Saved.Finished == h.Answers && h.HealthzFailures == 0
}

// MarshalJSON gives durations in plain units.
func (h HoldReport) MarshalJSON() ([]byte, error) {
	type plain HoldReport // without this method
	return json.Marshal(struct {
		plain
		PaceMS        float64 `json:"pace_ms"`
		FirstDelayMS  float64 `json:"first_delay_ms"`
		HealthEveryMS float64 `json:"healthz_every_ms"`
		ScheduleS     float64 `json:"schedule_s"`
		StartAllS     float64 `json:"all_started_s"`
		ElapsedS      float64 `json:"elapsed_s"`
		OK            bool    `json:"ok"`
	}{plain(h), ms(h.Pace), ms(h.FirstDelay), ms(h.HealthEvery), h.Schedule.Seconds(), h.StartAll.Seconds(), h.Elapsed.Seconds(), h.OK()})
}

// Limits are the open-file limits of the load tool and of the server.
type Limits struct {
	ToolSoft   uint64 `json:"tool_soft"`
	ToolHard   uint64 `json:"tool_hard"`
	ServerSoft string `json:"server_soft,omitempty"` // as /proc/PID/limits says, "unlimited" included
	ServerHard string `json:"server_hard,omitempty"`
}

// runHold starts the server and holds cfg.Answers answers live on it:
// questions go out in batches, each once the previous batch's answers all
// have their first delta, and every answer's last chunk waits until all of
// them have, so all are live together at the end however long starting
// them took.
func runHold(ctx context.Context, cfg HoldConfig, limits Limits) (HoldReport, error) {
	if err := cfg.validate(); err != nil {
		return HoldReport{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	rep := HoldReport{Answers: cfg.Answers, Chunks: cfg.Chunks, Batch: cfg.Batch, Pace: cfg.Pace, FirstDelay: cfg.FirstDelay, HealthEvery: cfg.HealthEvery, Limits: limits}
	rep.Schedule = modelTiming{first: cfg.FirstDelay, pace: cfg.Pace}.alone(cfg.Chunks)
	errs := &failures{}

	model := modelTiming{first: cfg.FirstDelay, pace: cfg.Pace}
	up := newUpstream(cfg.Answers, cfg.Chunks, model, true)
	allStarted := make(chan struct{})
	up.hold = allStarted
	defer up.close()
	srv, err := startServer(ctx, Config{
		Bin: cfg.Bin, Conversations: cfg.Answers, Chunks: cfg.Chunks, Pace: cfg.Pace,
		FirstDelay: cfg.FirstDelay, Timeout: cfg.Timeout, holdsLast: true,
		Profile: cfg.Profile,
	}, up.url())
	if err != nil {
		return HoldReport{}, err
	}
	defer srv.stop(30 * time.Second)
	rep.Limits.ServerSoft, rep.Limits.ServerHard = openFileLimits(srv.pid())
	for _, p := range []struct{ who, soft string }{
		{"the load tool", strconv.FormatUint(limits.ToolSoft, 10)}, {"the server", rep.Limits.ServerSoft},
	} {
		if short := filesShort(p.soft, cfg.Answers); short != "" {
			rep.Warnings = append(rep.Warnings, p.who+" "+short)
		}
	}

	idleBefore := srv.idleRSS(ctx, cfg.Settle)
	idleFile, _ := procStatus(srv.pid(), "RssFile")
	cpuBefore := srv.cpuNow()
	rssMax, stopSampling := srv.sampleRSS(100 * time.Millisecond)
	atStart, _ := runtimeNow(ctx, srv.base) // without it, no SchedWait
	health, err := startHealthProbe(ctx, srv.base, cfg.HealthEvery)
	if err != nil {
		return HoldReport{}, err
	}
	defer health.kill()
	pacing, stopPacing := context.WithCancel(ctx)
	pacers := up.startPacing(pacing)

	var live liveCount
	convs := newConversations(0, cfg.Answers, srv.base, true)
	var done sync.WaitGroup
	began := time.Now()
	for from := 0; from < len(convs); from += cfg.Batch {
		batch := convs[from:min(from+cfg.Batch, len(convs))]
		var started sync.WaitGroup
		for _, c := range batch {
			started.Add(1)
			c.started = func(gotFirst bool) {
				if gotFirst {
					live.add(1)
				}
				started.Done()
			}
			c.ended = func() { live.add(-1) }
			done.Go(func() {
				err := c.visit(ctx)
				if err == nil {
					err = c.ask(ctx)
				}
				if err != nil {
					c.markStarted(false)
					c.err = err
					errs.add("answer %d: %v", c.index, err)
				}
			})
		}
		started.Wait()
	}
	rep.StartAll = time.Since(began)
	// Every answer is live until allStarted lets their last deltas go. The
	// figures are for reading, not a check: without them (METRICS=off) the
	// hold still counts.
	if rep.AllLive, err = runtimeNow(ctx, srv.base); err != nil {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("no runtime figures while all were live: %v", err))
	}
	srv.profileHeld(ctx, cfg, errs)
	close(allStarted)
	done.Wait()
	rep.Elapsed = time.Since(began)
	rep.PeakLive = int(live.peak.Load())
	if t, ok := convs[0].client.Transport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}

	if atEnd, err := runtimeNow(ctx, srv.base); err == nil {
		if w, ok := schedWaitBetween(atStart, atEnd); ok {
			rep.SchedWait = &w
		}
	}
	if rep.Healthz, rep.HealthzFailures, err = health.stop(); err != nil {
		errs.add("/healthz probe: %v", err)
	}
	stopPacing()
	pacers.Wait()
	rep.Resources = srv.resources(stopSampling, rssMax, cpuBefore)
	rep.Resources.IdleBeforeKB, rep.Resources.IdleFileKB = idleBefore, idleFile
	if rep.Saved, err = checkSaved(ctx, srv.dataDir, up); err != nil {
		errs.add("%v", err)
	}
	rep.Resources.IdleAfterKB = srv.idleRSS(ctx, cfg.Settle)
	if err := srv.stop(30 * time.Second); err != nil {
		errs.add("server: %v", err)
	}
	rep.ServerLog = srv.log.summary()

	if rep.UpstreamCalls = len(up.fake.Calls()); rep.UpstreamCalls != cfg.Answers {
		errs.add("the fake model got %d calls for %d answers", rep.UpstreamCalls, cfg.Answers)
	}
	var checked Report
	up.check(convs, &checked, errs)
	rep.Exact, rep.Start, rep.TTFT, rep.Total = checked.Exact, checked.Start, checked.TTFT, checked.Total
	if rep.Saved.Finished != rep.Exact {
		errs.add("%d answers arrived exactly but %d are saved as finished", rep.Exact, rep.Saved.Finished)
	}
	rep.Errors, rep.FirstErrors = errs.n, errs.first
	return rep, nil
}

// filesShort says why a process whose soft open-file limit is soft cannot
// hold that many answers, or returns "" when it can (or the limit is
// unknown). Each answer holds two descriptors in each process; a hundred
// more cover the listeners, the database and the runtime's own.
func filesShort(soft string, answers int) string {
	limit, err := strconv.ParseUint(soft, 10, 64)
	need := uint64(2*answers + 100)
	if err != nil || limit == 0 || limit >= need {
		return ""
	}
	return fmt.Sprintf("may open %d files, and %d answers need about %d: raise its hard limit (ulimit -Hn)", limit, answers, need)
}

// liveCount counts answers streaming now and remembers the most.
type liveCount struct {
	now, peak atomic.Int64
}

func (l *liveCount) add(d int64) {
	n := l.now.Add(d)
	for {
		p := l.peak.Load()
		if n <= p || l.peak.CompareAndSwap(p, n) {
			return
		}
	}
}
