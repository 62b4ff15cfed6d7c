package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// The hold asks /healthz from a copy of the load tool started as a probe,
// as a load balancer or an orchestrator asks it: from a process of its
// own. Asked from inside the load tool, whose thousands of clients and
// fake model saturate it, the probe waited for its own process as much as
// for the server: in one hold of 9,000 answers it saw a maximum of 4.7 s
// where a probe of its own, asking the same server at the same time, saw
// 0.54 s.
const (
	// probeEnv, when set in the load tool's environment, makes it ask
	// that URL until its standard input ends, then print what it saw.
	probeEnv = "ROLEFIT_LOADTEST_PROBE"
	// probeEveryEnv is how often it asks, as a Go duration.
	probeEveryEnv = "ROLEFIT_LOADTEST_PROBE_EVERY"
)

// probeResult is what the probe prints when its standard input ends.
type probeResult struct {
	LatenciesUS []int64 `json:"latencies_us"` // of the answers that were 200
	Failures    int     `json:"failures"`
}

// probeReady is the probe's first line, once it has asked a first time.
const probeReady = "probing"

// runProbe asks url at once and then every interval, one request at a
// time on one kept-alive connection, until stop ends (the load tool closed
// the probe's standard input). It writes probeReady as its first line once
// the first request is answered, and a probeResult at the end.
func runProbe(url string, every time.Duration, stop io.Reader, out io.Writer) error {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		_, _ = io.Copy(io.Discard, stop)
		cancel()
	}()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 10 * time.Second}
	defer client.CloseIdleConnections()
	var res probeResult
	ask := func() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			res.Failures++
			return
		}
		asked := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			if ctx.Err() == nil {
				res.Failures++
			}
			return
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			res.Failures++
			return
		}
		res.LatenciesUS = append(res.LatenciesUS, time.Since(asked).Microseconds())
	}
	ask()
	if _, err := fmt.Fprintln(out, probeReady); err != nil {
		return err
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			ask()
		case <-ctx.Done():
			return json.NewEncoder(out).Encode(res)
		}
	}
}

// probeMain is main for a load tool started as a probe.
func probeMain(url string) {
	every, err := time.ParseDuration(os.Getenv(probeEveryEnv))
	if err == nil && every <= 0 {
		err = errors.New("not positive")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadtest: probe: %s: %v\n", probeEveryEnv, err)
		os.Exit(2)
	}
	if err := runProbe(url, every, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest: probe:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// healthProbe is a probe process asking the server's /healthz.
type healthProbe struct{ *selfCopy }

// startHealthProbe starts a copy of the load tool that asks base's
// /healthz every interval until stop, and returns once it has asked a
// first time: a short hold is over before a probe that is still starting
// asks anything.
func startHealthProbe(ctx context.Context, base string, every time.Duration) (healthProbe, error) {
	c, line, err := startSelfCopy(ctx, true, probeEnv+"="+base+"/healthz", probeEveryEnv+"="+every.String())
	if err != nil {
		return healthProbe{}, fmt.Errorf("/healthz probe: %w", err)
	}
	if line != probeReady {
		c.kill()
		return healthProbe{}, fmt.Errorf("/healthz probe: said %q first, not %q", line, probeReady)
	}
	return healthProbe{c}, nil
}

// stop ends the probing and summarises it. The probe drops a request it
// is still waiting for, uncounted: the hold is over.
func (p healthProbe) stop() (Latency, int, error) {
	p.stdin.Close()
	var err error
	select {
	case err = <-p.exited:
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		err = fmt.Errorf("did not stop: %v", <-p.exited)
	}
	p.exited <- err // for kill
	if err != nil {
		return Latency{}, 0, fmt.Errorf("%w: %s", err, bytes.TrimSpace(p.errOut.Bytes()))
	}
	var res probeResult
	if err := json.Unmarshal(p.rest.Bytes(), &res); err != nil {
		return Latency{}, 0, fmt.Errorf("reading what it saw: %w", err)
	}
	lat := make([]time.Duration, len(res.LatenciesUS))
	for i, us := range res.LatenciesUS {
		lat[i] = time.Duration(us) * time.Microsecond
	}
	return summarize(lat), res.Failures, nil
}
