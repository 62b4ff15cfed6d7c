package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"sync"
	"time"
)

// Config is one load run.
type Config struct {
	Bin           string // the rolefit binary to start
	Conversations int    // visitors asking at the same moment
	// Rounds repeats the conversations, one round after another against
	// the same server, so a small level gives enough samples; 0 means 1.
	Rounds     int
	Chunks     int           // deltas per answer
	FirstDelay time.Duration // from the model receiving the request to its first delta
	Pace       time.Duration // pause between an answer's deltas
	Timeout    time.Duration // bound on the whole run, server start and stop included
	// Settle is how long the server is left idle before the load, and
	// again after it (for the GC and the runtime to give memory back),
	// before its idle memory is read.
	Settle time.Duration
	// Profile, when set, is a directory for the server's profiles of each
	// level: CPU while the answers stream, and allocations once they end.
	Profile string

	// Replicas, when set, runs the conversations through a load balancer
	// in front of this many processes sharing PostgreSQL and Redis, after
	// the same level against one process.
	Replicas int
	// BareRelay also runs the level through a bare relay (see
	// measureBareRelay): the floor the machine sets.
	BareRelay bool

	holdsLast bool     // the hold keeps each answer's last chunk back for a while
	extraEnv  []string // settings of one replica among several
}

func (c Config) validate() error {
	switch {
	case c.Bin == "":
		return errors.New("-bin is required (build it with: go build -o /tmp/rolefit ./cmd/web)")
	case c.Conversations < 1:
		return errors.New("-conversations must be at least 1")
	case c.Rounds < 0:
		return errors.New("rounds must not be negative")
	case c.Chunks < 1:
		return errors.New("-chunks must be at least 1")
	case c.Pace < 0:
		return errors.New("-pace must not be negative")
	case c.FirstDelay < 0:
		return errors.New("-first-delay must not be negative")
	case c.Settle < 0:
		return errors.New("-settle must not be negative")
	case c.Timeout <= 0:
		return errors.New("-timeout must be positive")
	case c.Replicas < 0:
		return errors.New("-replicas must not be negative")
	case c.Replicas > 0 && c.Profile != "":
		return errors.New("-profile profiles one process: it does not go with -replicas")
	}
	return nil
}

func (c Config) rounds() int { return max(c.Rounds, 1) }

// chats is every conversation of the run, all rounds together.
func (c Config) chats() int { return c.Conversations * c.rounds() }

func (c Config) model() modelTiming { return modelTiming{first: c.FirstDelay, pace: c.Pace} }

// run measures the model alone, then starts the server, runs every
// conversation at once, stops the server and returns what it measured.
// Failed or wrong answers are counted in the Report; the error is for a
// run that could not take place at all.
func run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.validate(); err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	rep := Report{Conversations: cfg.Conversations, Rounds: cfg.rounds(), Chunks: cfg.Chunks, Pace: cfg.Pace, FirstDelay: cfg.FirstDelay}
	rep.ModelAlone = cfg.model().alone(cfg.Chunks)
	errs := &failures{}
	var err error
	if rep.Baseline, err = measureBaseline(ctx, cfg.Conversations, cfg.rounds(), cfg.Chunks, cfg.model()); err != nil {
		errs.add("%v", err)
	}
	if cfg.BareRelay {
		bare, err := measureBareRelay(ctx, cfg.Conversations, cfg.rounds(), cfg.Chunks, cfg.model())
		if err != nil {
			errs.add("%v", err)
		}
		bare.TTFTRatio = ratio(bare.TTFT.P50, rep.Baseline.TTFT.P50, cfg.FirstDelay)
		bare.TotalRatio = ratio(bare.Total.P50, rep.Baseline.Total.P50, rep.ModelAlone)
		bare.CPUPerChatMS = ms(bare.CPUPerChat())
		rep.BareRelay = &bare
	}

	up := newUpstream(cfg.chats(), cfg.Chunks, cfg.model(), false)
	defer up.close()
	srv, err := startServer(ctx, cfg, up.url())
	if err != nil {
		return Report{}, err
	}
	// The server is stopped even when the run times out, so it gets its own
	// bound rather than ctx.
	defer srv.stop(30 * time.Second)

	idleBefore := srv.idleRSS(ctx, cfg.Settle)
	idleFile, _ := procStatus(srv.pid(), "RssFile")
	cpuBefore := srv.cpuNow()
	rssMax, stopSampling := srv.sampleRSS(100 * time.Millisecond)

	pacing, stopPacing := context.WithCancel(ctx)
	pacers := up.startPacing(pacing)
	profiled := srv.profileCPU(ctx, cfg, errs)

	var convs []*conversation
	for r := range cfg.rounds() {
		round := newConversations(r*cfg.Conversations, cfg.Conversations, srv.base, false)
		rep.Elapsed += converseAll(ctx, round, errs)
		convs = append(convs, round...)
	}

	// Every answer is over (or failed): release pacers still waiting on a
	// stream that never came, then read the memory before stopping.
	stopPacing()
	pacers.Wait()
	<-profiled
	srv.profileAllocs(ctx, cfg, errs)
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

	conclude(&rep, cfg, up, convs, errs)
	return rep, nil
}

// conclude checks what every run must end with, one process or several:
// one model call per question (a retry or a duplicate would show here),
// every answer byte for byte, and each saved as finished; then counts the
// failures into rep.
func conclude(rep *Report, cfg Config, up *upstream, convs []*conversation, errs *failures) {
	if rep.UpstreamCalls = len(up.fake.Calls()); rep.UpstreamCalls != cfg.chats() {
		errs.add("the fake model got %d calls for %d conversations", rep.UpstreamCalls, cfg.chats())
	}
	up.check(convs, rep, errs)
	if rep.Saved.Finished != rep.Exact {
		errs.add("%d answers arrived exactly but %d are saved as finished", rep.Exact, rep.Saved.Finished)
	}
	rep.Errors, rep.FirstErrors = errs.n, errs.first
}

// newConversations makes visitors first..first+n-1, each with its own
// cookie jar, sharing one transport that pools as many connections as
// there are visitors: otherwise Go closes all but two idle connections per
// host and the run measures reconnects instead of streams.
func newConversations(first, n int, base string, light bool) []*conversation {
	transport := &http.Transport{MaxIdleConns: 2 * n, MaxIdleConnsPerHost: 2 * n}
	convs := make([]*conversation, n)
	for i := range n {
		jar, _ := cookiejar.New(nil) // never fails without options
		convs[i] = &conversation{
			index: first + i, base: base, light: light,
			client: &http.Client{Transport: transport, Jar: jar},
		}
	}
	return convs
}

// converseAll has every visitor open the start page, then releases all
// their questions at the same instant, so every answer streams at the same
// time, and waits for the last answer's end.
func converseAll(ctx context.Context, convs []*conversation, errs *failures) time.Duration {
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	for _, c := range convs {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			err := c.visit(ctx)
			ready.Done()
			if err == nil {
				select {
				case <-start:
					err = c.ask(ctx)
				case <-ctx.Done():
					err = ctx.Err()
				}
			}
			if err != nil {
				c.markStarted(false)
				c.err = err
				errs.add("conversation %d: %v", c.index, err)
			}
		}()
	}
	ready.Wait()
	began := time.Now()
	close(start)
	done.Wait()
	if len(convs) > 0 {
		if t, ok := convs[0].client.Transport.(*http.Transport); ok {
			t.CloseIdleConnections()
		}
	}
	return time.Since(began)
}

// failures counts errors and keeps the first few messages.
type failures struct {
	mu    sync.Mutex
	n     int
	first []string
}

const keepErrors = 5

func (f *failures) add(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	if len(f.first) < keepErrors {
		f.first = append(f.first, fmt.Sprintf(format, args...))
	}
}
