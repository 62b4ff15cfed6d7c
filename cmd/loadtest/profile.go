package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
)

// freeLoopbackAddr returns a loopback address with a port free a moment
// ago, for the server's PPROF_ADDR.
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a port for the profiles: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// profileCPU, with -profile, records the server's CPU profile from now for
// three times as long as the model takes to send an answer (whole seconds,
// at least two), into cpu-<chats>.pprof: under load the answers take
// longer than the model's schedule, and idle time adds nothing to a CPU
// profile. The channel is closed when it is written.
func (p *serverProc) profileCPU(ctx context.Context, cfg Config, errs *failures) <-chan struct{} {
	done := make(chan struct{})
	if p.pprof == "" {
		close(done)
		return done
	}
	seconds := max(2, int(math.Ceil(3*cfg.model().alone(cfg.Chunks).Seconds())))
	go func() {
		defer close(done)
		url := fmt.Sprintf("%sprofile?seconds=%d", p.pprof, seconds)
		if err := fetchProfile(ctx, url, filepath.Join(cfg.Profile, fmt.Sprintf("cpu-%d.pprof", cfg.Conversations))); err != nil {
			errs.add("cpu profile: %v", err)
		}
	}()
	return done
}

// profileAllocs, with -profile, records every allocation the server made
// since it started into allocs-<chats>.pprof.
func (p *serverProc) profileAllocs(ctx context.Context, cfg Config, errs *failures) {
	if p.pprof == "" {
		return
	}
	if err := fetchProfile(ctx, p.pprof+"allocs", filepath.Join(cfg.Profile, fmt.Sprintf("allocs-%d.pprof", cfg.Conversations))); err != nil {
		errs.add("allocation profile: %v", err)
	}
}

// profileHeld, with -profile, records what the server holds while every
// held answer is live: its heap into heap-hold-<answers>.pprof and its
// goroutines into goroutines-hold-<answers>.pprof, what a live answer
// costs and where.
func (p *serverProc) profileHeld(ctx context.Context, cfg HoldConfig, errs *failures) {
	if p.pprof == "" {
		return
	}
	for _, name := range []string{"heap", "goroutine"} {
		path := filepath.Join(cfg.Profile, fmt.Sprintf("%s-hold-%d.pprof", name, cfg.Answers))
		if err := fetchProfile(ctx, p.pprof+name, path); err != nil {
			errs.add("%s profile: %v", name, err)
		}
	}
}

func fetchProfile(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
