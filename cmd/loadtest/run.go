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
	Bin           string        // the rolefit binary to start
	Conversations int           // visitors asking at the same moment
	Chunks        int           // deltas per answer
	Pace          time.Duration // pause between an answer's deltas
	Timeout       time.Duration // bound on the whole run, server start and stop included
}

func (c Config) validate() error {
	switch {
	case c.Bin == "":
		return errors.New("-bin is required (build it with: go build -o /tmp/rolefit ./cmd/web)")
	case c.Conversations < 1:
		return errors.New("-conversations must be at least 1")
	case c.Chunks < 1:
		return errors.New("-chunks must be at least 1")
	case c.Pace < 0:
		return errors.New("-pace must not be negative")
	case c.Timeout <= 0:
		return errors.New("-timeout must be positive")
	}
	return nil
}

// run starts the server, runs every conversation at once, stops the server
// and returns what it measured. Failed or wrong answers are counted in the
// Report; the error is for a run that could not take place at all.
func run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.validate(); err != nil {
		return Report{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	up := newUpstream(cfg.Conversations, cfg.Chunks)
	defer up.close()
	srv, err := startServer(ctx, cfg, up.url())
	if err != nil {
		return Report{}, err
	}
	// The server is stopped even when the run times out, so it gets its own
	// bound rather than ctx.
	defer srv.stop(30 * time.Second)

	rep := Report{Conversations: cfg.Conversations, Chunks: cfg.Chunks, Pace: cfg.Pace}
	errs := &failures{}
	rssMax, stopSampling := srv.sampleRSS(100 * time.Millisecond)

	pacing, stopPacing := context.WithCancel(ctx)
	pacers := up.startPacing(pacing, cfg.Pace)

	results, elapsed := converseAll(ctx, cfg.Conversations, srv.base, errs)
	rep.Elapsed = elapsed

	// Every answer is over (or failed): release pacers still waiting on a
	// stream that never came, then read the memory before stopping.
	stopPacing()
	pacers.Wait()
	rep.Resources = srv.resources(stopSampling, rssMax)
	if err := srv.stop(30 * time.Second); err != nil {
		errs.add("server: %v", err)
	}
	rep.ServerLog = srv.log.summary()

	// One call per question: a retry or a duplicate would show here.
	if rep.UpstreamCalls = len(up.fake.Calls()); rep.UpstreamCalls != cfg.Conversations {
		errs.add("the fake model got %d calls for %d conversations", rep.UpstreamCalls, cfg.Conversations)
	}
	up.check(results, &rep, errs)
	rep.Errors, rep.FirstErrors = errs.n, errs.first
	return rep, nil
}

// converseAll prepares one visitor per conversation, then releases them all
// at the same instant, so every answer streams at the same time.
func converseAll(ctx context.Context, n int, base string, errs *failures) ([]*conversation, time.Duration) {
	// One shared transport, pooling as many connections as there are
	// visitors: otherwise Go closes all but two idle connections per host
	// and the run measures reconnects instead of streams.
	transport := &http.Transport{MaxIdleConns: 2 * n, MaxIdleConnsPerHost: 2 * n}
	defer transport.CloseIdleConnections()

	results := make([]*conversation, n)
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	for i := range n {
		jar, _ := cookiejar.New(nil) // never fails without options
		c := &conversation{index: i, base: base, client: &http.Client{Transport: transport, Jar: jar}}
		results[i] = c
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
				c.err = err
				errs.add("conversation %d: %v", i, err)
			}
		}()
	}
	ready.Wait()
	began := time.Now()
	close(start)
	done.Wait()
	return results, time.Since(began)
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
