package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/prompts"
)

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildOut  []byte
)

// serverBinary builds the server once for every test that starts it.
func serverBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and starts the server")
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "loadtest-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "rolefit")
		buildOut, buildErr = exec.Command("go", "build", "-o", builtBin, "github.com/rolefit/rolefit/cmd/web").CombinedOutput()
	})
	if buildErr != nil {
		t.Fatalf("go build cmd/web: %v\n%s", buildErr, buildOut)
	}
	return builtBin
}

// TestRunSmall runs the whole tool, small, against the real server binary.
func TestRunSmall(t *testing.T) {
	bin := serverBinary(t)
	cfg := Config{Bin: bin, Conversations: 20, Chunks: 30, Pace: time.Millisecond, Timeout: time.Minute}
	rep, err := run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !rep.OK() || rep.Errors != 0 || rep.Exact != cfg.Conversations {
		t.Errorf("exact %d/%d, errors %d: %q", rep.Exact, cfg.Conversations, rep.Errors, rep.FirstErrors)
	}
	if rep.UpstreamCalls != cfg.Conversations {
		t.Errorf("upstream calls = %d, want %d", rep.UpstreamCalls, cfg.Conversations)
	}
	if rep.TTFT.N != cfg.Conversations || rep.TTFT.P50 <= 0 {
		t.Errorf("TTFT = %+v, want one positive sample per conversation", rep.TTFT)
	}
	if rep.Relay.N != cfg.Conversations*cfg.Chunks {
		t.Errorf("relay samples = %d, want one per chunk (%d)", rep.Relay.N, cfg.Conversations*cfg.Chunks)
	}
	if rep.DeltaEvents < cfg.Conversations || rep.DeltaEvents > cfg.Conversations*cfg.Chunks {
		t.Errorf("delta events = %d, want between %d and %d", rep.DeltaEvents, cfg.Conversations, cfg.Conversations*cfg.Chunks)
	}
	if rep.Resources.PeakRSSKB <= 0 || rep.Resources.PeakRSSKB < rep.Resources.EndRSSKB {
		t.Errorf("resources = %+v, want a peak at least the final RSS", rep.Resources)
	}
	if rep.ServerLog.Lines != 0 {
		t.Errorf("server logged %d warnings or errors: %q", rep.ServerLog.Lines, rep.ServerLog.First)
	}
}

// TestSuiteSmall runs two small levels and reads their report as the lead
// would: every ratio and split must be possible, not just present.
func TestSuiteSmall(t *testing.T) {
	bin := serverBinary(t)
	cfg := Config{Bin: bin, Chunks: 5, FirstDelay: 30 * time.Millisecond, Pace: time.Millisecond,
		Timeout: time.Minute, Settle: 10 * time.Millisecond, BareRelay: true}
	s := runSuite(t.Context(), cfg, []int{1, 3}, 3, nil, Limits{}, &bytes.Buffer{})
	if len(s.Err) != 0 || len(s.Levels) != 2 || !s.OK() {
		t.Fatalf("suite: %d levels, could not run: %q", len(s.Levels), s.Err)
	}
	if r := s.Levels[0]; r.Conversations != 1 || r.Rounds != 3 {
		t.Errorf("level 1: %d chats x %d rounds, want 1 x 3 to reach 3 chats", r.Conversations, r.Rounds)
	}
	for _, r := range s.Levels {
		n := r.chats()
		if r.Errors != 0 || r.Exact != n || r.Saved.Finished != n || r.Saved.Other != 0 {
			t.Errorf("%d chats: exact %d, saved %+v, errors %d %q", n, r.Exact, r.Saved, r.Errors, r.FirstErrors)
		}
		// The model waits FirstDelay after the request arrives, so no chat
		// and no direct client can see its first token sooner.
		if r.Baseline.TTFT.N != n || r.Baseline.TTFT.P50 < cfg.FirstDelay || r.Baseline.Total.P50 < r.ModelAlone {
			t.Errorf("%d chats: model alone %+v, want n=%d and at least the model's schedule", n, r.Baseline, n)
		}
		if r.TTFT.N != n || r.TTFT.P50 < cfg.FirstDelay || r.ModelFirst.P50 < cfg.FirstDelay {
			t.Errorf("%d chats: TTFT %v, model's part %v, want each at least %v", n, r.TTFT, r.ModelFirst, cfg.FirstDelay)
		}
		if r.BeforeModel.N != n || r.AfterModel.N != n || r.BeforeModel.P50 <= 0 || r.AfterModel.P50 <= 0 ||
			r.BeforeModel.P50+r.AfterModel.P50 > r.TTFT.P50 {
			t.Errorf("%d chats: before %v + after %v, want both positive and within the TTFT %v", n, r.BeforeModel, r.AfterModel, r.TTFT)
		}
		if r.Total.N != n || r.Total.P50 < r.ModelAlone || r.Total.P50 < r.TTFT.P50 {
			t.Errorf("%d chats: total %v, want at least the model's %v and the TTFT", n, r.Total, r.ModelAlone)
		}
		// Both sides wait for the same model: far below 1 would mean the
		// two were measured differently.
		if r.TTFTRatio() < 0.5 || r.TotalRatio() < 0.5 {
			t.Errorf("%d chats: ratios TTFT %.2f, total %.2f, want at least 0.5", n, r.TTFTRatio(), r.TotalRatio())
		}
		// The bare relay's chats wait for the same model, and each
		// answer must come through it whole (readModel checks the text).
		if b := r.BareRelay; b == nil || b.Chats != n || b.TTFT.N != n || b.Total.N != n ||
			b.TTFT.P50 < cfg.FirstDelay || b.Total.P50 < r.ModelAlone || b.TTFTRatio < 0.5 || b.TotalRatio < 0.5 || b.CPU < 0 {
			t.Errorf("%d chats: bare relay %+v, want every chat through it, no sooner than the model", n, b)
		}
		res := r.Resources
		if res.IdleBeforeKB <= 0 || res.IdleAfterKB <= 0 || res.PeakRSSKB < res.IdleBeforeKB || res.LoadCPU < 0 || res.LoadCPU > res.ServerCPU ||
			res.IdleFileKB <= 0 || res.IdleFileKB >= res.IdleBeforeKB {
			t.Errorf("%d chats: resources %+v, want idle memory, a peak above it and CPU under load within the total", n, res)
		}
	}
	var out bytes.Buffer
	s.WriteText(&out)
	if t.Failed() {
		t.Logf("the report:\n%s", out.String())
	}
	for _, want := range []string{"| concurrent chats | time to first token, ratio to the model alone |", "| a bare Go relay: first token ratio, total ratio, CPU per chat |",
		"\n| 1 (3 rounds) | ", "\n| 3 | ", "  bare relay          first token ratio "} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestHoldSmall holds a few answers, started in batches: all must be live
// at once, exact, saved as finished, with /healthz answering throughout.
func TestHoldSmall(t *testing.T) {
	bin := serverBinary(t)
	limits, err := raiseOpenFileLimit()
	if err != nil {
		t.Fatal(err)
	}
	if limits.ToolSoft != limits.ToolHard {
		t.Errorf("open-file limit soft %d after raising, want the hard limit %d", limits.ToolSoft, limits.ToolHard)
	}
	cfg := HoldConfig{Bin: bin, Answers: 6, Chunks: 4, FirstDelay: 2 * time.Millisecond, Pace: time.Millisecond,
		Batch: 2, Timeout: time.Minute, Settle: 10 * time.Millisecond, HealthEvery: 5 * time.Millisecond}
	h, err := runHold(t.Context(), cfg, limits)
	if err != nil {
		t.Fatalf("hold: %v", err)
	}
	if !h.OK() || h.Errors != 0 || h.Exact != cfg.Answers || h.Saved.Finished != cfg.Answers || h.UpstreamCalls != cfg.Answers {
		t.Errorf("exact %d, saved %+v, calls %d, errors %d %q", h.Exact, h.Saved, h.UpstreamCalls, h.Errors, h.FirstErrors)
	}
	if h.PeakLive != cfg.Answers {
		t.Errorf("at most %d answers live at once, want all %d", h.PeakLive, cfg.Answers)
	}
	if h.Healthz.N < 1 || h.HealthzFailures != 0 || h.Healthz.P99 <= 0 {
		t.Errorf("/healthz %v, %d failed; want samples throughout and none failed", h.Healthz, h.HealthzFailures)
	}
	if h.SchedWait == nil || h.SchedWait.Waits <= 0 || h.SchedWait.P99MS < h.SchedWait.P50MS {
		t.Errorf("waiting for a core: %+v; want the server's waits over the hold", h.SchedWait)
	}
	if h.Resources.PeakRSSKB <= 0 || h.Limits.ServerSoft == "?" || h.Limits.ServerHard == "?" {
		t.Errorf("peak RSS %d kB, server open files %s/%s; want both read", h.Resources.PeakRSSKB, h.Limits.ServerSoft, h.Limits.ServerHard)
	}
	if h.StartAll <= 0 || h.Elapsed < h.StartAll {
		t.Errorf("started within %v, ended after %v", h.StartAll, h.Elapsed)
	}
	// While all are live, each holds a generator and a watcher at least.
	if rt := h.AllLive; rt.Goroutines < 2*cfg.Answers || rt.StackInuseKB <= 0 || rt.HeapInuseKB <= 0 {
		t.Errorf("runtime with all %d answers live: %+v", cfg.Answers, rt)
	}
	var out bytes.Buffer
	h.WriteTable(&out)
	if !strings.Contains(out.String(), "| 6 (peak 6) |") {
		t.Errorf("hold table:\n%s", out.String())
	}
}

// The hold warns before it runs into the open-file limit, not after.
func TestFilesShort(t *testing.T) {
	for _, tt := range []struct {
		soft    string
		answers int
		short   bool
	}{
		{"20000", 9000, false}, {"1024", 9000, true}, {"unlimited", 9000, false}, {"?", 9000, false}, {"300", 100, false}, {"299", 100, true},
	} {
		if got := filesShort(tt.soft, tt.answers); (got != "") != tt.short {
			t.Errorf("filesShort(%q, %d) = %q, want short %v", tt.soft, tt.answers, got, tt.short)
		}
	}
}

// The old command lines keep working, and the new flags reach the runs.
func TestParseFlags(t *testing.T) {
	opts, err := parseFlags([]string{"-bin", "x", "-conversations", "7", "-chunks", "9", "-pace", "3ms", "-timeout", "1m", "-json"}, &bytes.Buffer{})
	if err != nil || opts.suite || opts.hold != nil || !opts.asJSON ||
		opts.cfg.Conversations != 7 || opts.cfg.Chunks != 9 || opts.cfg.Pace != 3*time.Millisecond || opts.cfg.Timeout != time.Minute {
		t.Errorf("single run: %+v, %v", opts, err)
	}
	opts, err = parseFlags([]string{"-bin", "x", "-suite", "-first-delay", "10ms", "-hold", "9000", "-hold-chunks", "2000", "-hold-pace", "20ms", "-hold-batch", "500"}, &bytes.Buffer{})
	if err != nil || !opts.suite || len(opts.levels) != 4 || opts.levels[3] != 1000 || opts.cfg.FirstDelay != 10*time.Millisecond {
		t.Fatalf("suite: %+v, %v", opts, err)
	}
	if h := opts.hold; h == nil || h.Answers != 9000 || h.Chunks != 2000 || h.Pace != 20*time.Millisecond || h.Batch != 500 ||
		h.FirstDelay != 10*time.Millisecond || h.HealthEvery != 100*time.Millisecond {
		t.Errorf("hold: %+v", opts.hold)
	}
	if opts, err := parseFlags([]string{"-bin", "x", "-suite", "-levels", "1, 3"}, &bytes.Buffer{}); err != nil || len(opts.levels) != 2 || opts.levels[1] != 3 {
		t.Errorf("-levels '1, 3': %v, %v", opts.levels, err)
	}
	for _, bad := range [][]string{{"-bin", "x", "-suite", "-levels", "1,x"}, {"-bin", "x", "-hold", "5", "-hold-chunks", "1"}, {"-suite", "-levels", "1"}} {
		if _, err := parseFlags(bad, &bytes.Buffer{}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// Each chat's time to first token splits into before the model, the
// model's own delay and after it, from the moments the fake recorded.
func TestCheckSplitsTimeToFirstToken(t *testing.T) {
	t0 := time.Now()
	u := &upstream{answers: []*answer{newAnswer(0, 2, false)}}
	a := u.answers[0]
	a.arrived, a.first = t0.Add(3*time.Millisecond), t0.Add(53*time.Millisecond)
	a.released = []time.Time{a.first, t0.Add(58 * time.Millisecond)}
	c := &conversation{index: 0, text: strings.Join(a.chunks, ""), sent: t0, ttft: 54 * time.Millisecond, total: 60 * time.Millisecond}
	var rep Report
	errs := &failures{}
	u.check([]*conversation{c}, &rep, errs)
	if errs.n != 0 || rep.Exact != 1 {
		t.Fatalf("exact %d, errors %q", rep.Exact, errs.first)
	}
	if rep.BeforeModel.P50 != 3*time.Millisecond || rep.ModelFirst.P50 != 50*time.Millisecond ||
		rep.AfterModel.P50 != time.Millisecond || rep.Total.P50 != 60*time.Millisecond {
		t.Errorf("before %v, model %v, after %v, total %v; want 3ms, 50ms, 1ms, 60ms",
			rep.BeforeModel.P50, rep.ModelFirst.P50, rep.AfterModel.P50, rep.Total.P50)
	}
	rep.Baseline = Baseline{TTFT: Latency{P50: 50 * time.Millisecond}, Total: Latency{P50: 55 * time.Millisecond}}
	rep.TTFT = Latency{P50: 54 * time.Millisecond}
	if got := rep.TTFTRatio(); got < 1.079 || got > 1.081 {
		t.Errorf("TTFT ratio %.3f, want 1.08", got)
	}
}

// Only an answer saved as done, byte for byte, counts as saved finished.
func TestCheckSavedCountsOnlyFinishedExactAnswers(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, "rolefit.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u := &upstream{}
	for k := range 4 {
		u.answers = append(u.answers, newAnswer(k, 4, true))
	}
	whole := func(k int) string { return strings.Join(u.answers[k].chunks, "") }
	stmts := []string{
		"CREATE TABLE messages (role TEXT, content TEXT, state TEXT)",
		"INSERT INTO messages VALUES ('user', 'Question 0: ...', 'done')",
		"INSERT INTO messages VALUES ('assistant', '" + whole(0) + "', 'done')",
		"INSERT INTO messages VALUES ('assistant', '" + whole(1) + "', 'streaming')",
		"INSERT INTO messages VALUES ('assistant', '" + whole(2)[:5] + "', 'done')",
		"INSERT INTO messages VALUES ('assistant', '" + whole(0) + "', 'done')",
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	got, err := checkSaved(context.Background(), dir, u)
	if err != nil || got != (Saved{Finished: 1, Other: 3}) {
		t.Errorf("saved = %+v, %v; want 1 finished and 3 other (streaming, cut short, a duplicate)", got, err)
	}
}

// The checker is only as good as its parser: it must read events exactly
// as a browser does.
func TestEventReader(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []event
	}{
		{
			name:   "retry and comments dispatch nothing",
			stream: "retry: 1000\n\n: keep-alive\n\nevent: delta\nid: 2\ndata: hi\n\n",
			want:   []event{{"delta", "2", "hi"}},
		},
		{
			name:   "data lines join with newlines and keep leading spaces after the first",
			stream: "event: delta\nid: 9\ndata:  a\ndata: \ndata: b &amp;\n\n",
			want:   []event{{"delta", "9", " a\n\nb &amp;"}},
		},
		{
			name:   "consecutive events",
			stream: "event: delta\nid: 1\ndata: x\n\nevent: end\ndata: <article data-state=\"done\">\n\n",
			want:   []event{{"delta", "1", "x"}, {"end", "", `<article data-state="done">`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newEventReader(strings.NewReader(tt.stream))
			for i, want := range tt.want {
				got, err := r.next()
				if err != nil || got != want {
					t.Fatalf("event %d = %+v, %v; want %+v", i, got, err, want)
				}
			}
			if _, err := r.next(); err == nil {
				t.Error("reading past the last event did not fail")
			}
		})
	}
}

// A lagging watcher gets several chunks in one event; each chunk's latency
// runs to the event that first covered it.
func TestRelayPairsChunksWithCoveringEvent(t *testing.T) {
	t0 := time.Unix(0, 0)
	a := &answer{
		chunks:   []string{"ab", "c", "de"},
		ends:     []int{2, 3, 5},
		released: []time.Time{t0, t0.Add(10 * time.Millisecond), t0.Add(20 * time.Millisecond)},
	}
	got := a.relay([]received{{offset: 2, at: t0.Add(1 * time.Millisecond)}, {offset: 5, at: t0.Add(25 * time.Millisecond)}})
	want := []time.Duration{1 * time.Millisecond, 15 * time.Millisecond, 5 * time.Millisecond}
	if len(got) != len(want) {
		t.Fatalf("relay = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("relay = %v, want %v", got, want)
			break
		}
	}
}

// The checker must catch what the load tool exists to find.
func TestCheckCatchesWrongAnswers(t *testing.T) {
	u := &upstream{}
	for k := range 2 {
		u.answers = append(u.answers, newAnswer(k, 3, false))
	}
	whole := func(k int) string { return strings.Join(u.answers[k].chunks, "") }
	tests := []struct {
		name      string
		texts     []string
		wantExact int
		wantErr   string
	}{
		{"all exact", []string{whole(1), whole(0)}, 2, ""},
		{"same answer twice", []string{whole(0), whole(0)}, 1, "both received answer 0"},
		{"a lost delta", []string{whole(0), whole(1)[:len(whole(1))-1]}, 1, "differs"},
		{"no tag", []string{whole(0), "Hello from the fake model."}, 1, "names no scripted reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var convs []*conversation
			for i, text := range tt.texts {
				convs = append(convs, &conversation{index: i, text: text, ttft: time.Millisecond})
			}
			var rep Report
			errs := &failures{}
			u.check(convs, &rep, errs)
			if rep.Exact != tt.wantExact {
				t.Errorf("exact = %d, want %d", rep.Exact, tt.wantExact)
			}
			if tt.wantErr == "" && errs.n != 0 || tt.wantErr != "" && (errs.n != 1 || !strings.Contains(errs.first[0], tt.wantErr)) {
				t.Errorf("errors = %d %q, want one saying %q", errs.n, errs.first, tt.wantErr)
			}
		})
	}
}

// With -profile, each level leaves the server's CPU and allocation
// profiles, readable by go tool pprof (gzipped protocol buffers).
func TestProfiles(t *testing.T) {
	bin := serverBinary(t)
	dir := t.TempDir()
	cfg := Config{Bin: bin, Conversations: 3, Chunks: 5, FirstDelay: 2 * time.Millisecond, Pace: time.Millisecond,
		Timeout: time.Minute, Profile: dir}
	rep, err := run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Errors != 0 {
		t.Fatalf("run with profiles: %d errors: %q", rep.Errors, rep.FirstErrors)
	}
	for _, name := range []string{"cpu-3.pprof", "allocs-3.pprof"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
			t.Errorf("%s: %d bytes, not a gzipped profile", name, len(b))
		}
	}
}

// TestProbeCountsAnswersUntilStopped asks a server that answers 200 and
// then 503: the probe says it is probing, times the first answers, counts
// the rest as failures, and says so once its input ends.
func TestProbeCountsAnswersUntilStopped(t *testing.T) {
	var asked atomic.Int64
	failing := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch asked.Add(1) {
		case 1, 2:
			w.Write([]byte("ok\n"))
		case 4: // one at a time: the third's answer is in
			close(failing)
			fallthrough
		default:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	}))
	defer srv.Close()

	stopR, stopW := io.Pipe()
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() { done <- runProbe(srv.URL+"/healthz", time.Millisecond, stopR, &out) }()
	select {
	case <-failing:
	case <-t.Context().Done():
		t.Fatal("the probe never asked a fourth time")
	}
	stopW.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ready, result, _ := bytes.Cut(out.Bytes(), []byte("\n"))
	var res probeResult
	if err := json.Unmarshal(result, &res); string(ready) != probeReady || err != nil {
		t.Fatalf("probe printed %q: %v; want %q, then what it saw", out.String(), err, probeReady)
	}
	if len(res.LatenciesUS) != 2 || res.LatenciesUS[0] <= 0 || res.Failures < 1 || int64(2+res.Failures) > asked.Load() {
		t.Errorf("probe saw %+v after %d requests; want 2 timed and the others failures", res, asked.Load())
	}
}

// TestSchedWaitBetween reads the quantiles of the waits between two reads
// of the server's histogram, and none where a read lacks it.
func TestSchedWaitBetween(t *testing.T) {
	inf := math.Inf(+1)
	a := Runtime{sched: []schedBucket{{0.001, 10}, {0.01, 10}, {inf, 10}}}
	b := Runtime{sched: []schedBucket{{0.001, 60}, {0.01, 109}, {inf, 110}}}
	got, ok := schedWaitBetween(a, b)
	if want := (SchedWait{Waits: 100, P50MS: 1, P99MS: 10}); !ok || got != want {
		t.Errorf("between the reads: %+v, %v; want %+v", got, ok, want)
	}
	b.sched[1].count = 108 // 98 of 100 at most 10 ms
	if got, _ := schedWaitBetween(a, b); !math.IsInf(got.P99MS, +1) {
		t.Errorf("p99 with 2 of 100 above the largest bound: %v ms, want +Inf", got.P99MS)
	}
	if _, ok := schedWaitBetween(Runtime{}, b); ok {
		t.Error("a read without the histogram gave waits")
	}
	if _, ok := schedWaitBetween(a, a); ok {
		t.Error("no waits between the reads gave quantiles")
	}
}

// The model alone is asked what Rolefit asks it, system prompt included:
// the model's reading of the prompt is the model's time, on both sides of
// the ratio.
func TestTheModelAloneIsSentRolefitsPrompt(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	up, stop := pacedUpstream(ctx, 1, 2, modelTiming{first: time.Millisecond, pace: time.Millisecond})
	defer stop()
	if _, _, err := readModel(ctx, http.DefaultClient, up.url(), 0, strings.Join(up.answers[0].chunks, "")); err != nil {
		t.Fatal(err)
	}
	calls := up.fake.Calls()
	if len(calls) != 1 {
		t.Fatalf("%d calls, want 1", len(calls))
	}
	msgs := calls[0].Request.Messages
	if len(msgs) != 2 || msgs[0].Role != "system" || msgs[0].Content != prompts.SystemPrompt() || msgs[1].Role != "user" {
		t.Errorf("the model alone was sent %d messages, want Rolefit's system prompt and the question", len(msgs))
	}
}
