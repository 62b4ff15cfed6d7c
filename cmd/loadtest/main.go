// Command loadtest starts a built Rolefit binary against an in-process fake
// model, has many visitors ask at once while every answer streams, checks
// that each answer arrives exactly and is saved as finished, and reports
// latencies against the model alone, the server's CPU time and its memory.
// It talks only to loopback addresses and stops by itself.
//
//	go build -o /tmp/rolefit ./cmd/web
//	go run ./cmd/loadtest -bin /tmp/rolefit -conversations 200
//
// With -replicas 3 each run goes through nginx in front of three replicas
// sharing a throwaway PostgreSQL and Redis, after the same level against
// one process, and also reports the time to first token added, Redis
// commands and PostgreSQL writes per second and each replica's memory.
//
//	go run ./cmd/loadtest -bin /tmp/rolefit -replicas 3 -suite -levels 1,200,3000
//
// With -suite it runs one level after another (-levels, by default 1, 50,
// 200 and 1,000 concurrent chats), each against a fresh server, and prints
// a Markdown table for the README; with -hold N it also holds N long
// answers live at once, started in batches.
//
//	go run ./cmd/loadtest -bin /tmp/rolefit -suite -hold 9000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if model := os.Getenv(bareRelayEnv); model != "" {
		if err := serveBareRelay(model, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest: bare relay:", err)
		}
		os.Exit(1)
	}
	if url := os.Getenv(probeEnv); url != "" {
		probeMain(url)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	}
	limits, err := raiseOpenFileLimit()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
	}
	if !opts.suite && opts.hold == nil {
		runOne := run
		if opts.cfg.Replicas > 0 {
			runOne = runReplicas
		}
		report, err := runOne(ctx, opts.cfg)
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
		finish(report.WriteJSON, report.WriteText, report.OK(), opts.asJSON)
		return
	}
	s := runSuite(ctx, opts.cfg, opts.levels, opts.minChats, opts.hold, limits, os.Stderr)
	finish(s.WriteJSON, s.WriteText, s.OK(), opts.asJSON)
}

// finish prints a report as asked and exits 1 unless it passed.
func finish(asJSON func(io.Writer) error, asText func(io.Writer), ok, wantJSON bool) {
	if wantJSON {
		if err := asJSON(os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "loadtest:", err)
			os.Exit(1)
		}
	} else {
		asText(os.Stdout)
	}
	if !ok {
		os.Exit(1)
	}
}

// options are the parsed flags.
type options struct {
	cfg      Config
	suite    bool
	levels   []int
	minChats int
	hold     *HoldConfig // nil: no hold
	asJSON   bool
}

func parseFlags(args []string, output io.Writer) (opts options, err error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(output)
	cfg := &opts.cfg
	fs.StringVar(&cfg.Bin, "bin", "", "path to a built rolefit binary (required)")
	fs.IntVar(&cfg.Conversations, "conversations", 200, "conversations started at once (without -suite or -hold)")
	fs.IntVar(&cfg.Chunks, "chunks", 200, "deltas per answer")
	fs.DurationVar(&cfg.FirstDelay, "first-delay", 50*time.Millisecond, "the model's delay from receiving a request to its first delta")
	fs.DurationVar(&cfg.Pace, "pace", 5*time.Millisecond, "pause between an answer's deltas")
	fs.DurationVar(&cfg.Timeout, "timeout", 2*time.Minute, "bound on each run (each level of -suite)")
	fs.DurationVar(&cfg.Settle, "settle", 2*time.Second, "idle time after start-up, and again after the load, before the server's idle memory is read")
	fs.BoolVar(&opts.suite, "suite", false, "run every -levels in turn and print a Markdown table")
	levels := fs.String("levels", "1,50,200,1000", "concurrent chats of each -suite level, comma-separated")
	fs.IntVar(&opts.minChats, "min-chats", 10, "a -suite level with fewer concurrent chats is repeated, round after round, until it had this many")
	hold := HoldConfig{HealthEvery: 100 * time.Millisecond}
	fs.IntVar(&hold.Answers, "hold", 0, "answers to hold live at once after the levels (0: no hold)")
	fs.IntVar(&hold.Chunks, "hold-chunks", 2000, "deltas per held answer")
	fs.DurationVar(&hold.Pace, "hold-pace", 20*time.Millisecond, "pause between a held answer's deltas")
	fs.IntVar(&hold.Batch, "hold-batch", 500, "held answers started together; the next batch starts once they all have their first delta")
	fs.DurationVar(&hold.Timeout, "hold-timeout", 30*time.Minute, "bound on the hold: when the machine cannot keep the model's pace, answers take longer than their schedule")
	fs.StringVar(&cfg.Profile, "profile", "", "directory for the server's profiles of each level (cpu-N.pprof while answers stream, allocs-N.pprof after) and of the hold (heap-hold-N.pprof and goroutines-hold-N.pprof while every answer is live); the heap sampling this turns on costs a little memory")
	fs.BoolVar(&cfg.BareRelay, "bare-relay", false, "also run each level through a bare Go relay (no pages, storing, rendering or checks: one read of the model's stream and one write and flush to the client at a time), for the floor of the machine")
	fs.BoolVar(&opts.asJSON, "json", false, "print the report as JSON")
	fs.IntVar(&cfg.Replicas, "replicas", 0, "run each level through nginx in front of this many replicas sharing a throwaway PostgreSQL and Redis, after the same level against one process (0: one process only)")
	if err := fs.Parse(args); err != nil {
		return opts, err
	}
	if fs.NArg() > 0 {
		return opts, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if opts.suite {
		if opts.levels, err = parseLevels(*levels); err != nil {
			return opts, err
		}
	}
	if hold.Answers > 0 && cfg.Replicas > 0 {
		return opts, errors.New("-hold holds answers on one process: it does not go with -replicas")
	}
	if hold.Answers > 0 {
		hold.Bin, hold.FirstDelay, hold.Settle, hold.Profile = cfg.Bin, cfg.FirstDelay, cfg.Settle, cfg.Profile
		if err := hold.validate(); err != nil {
			return opts, err
		}
		opts.hold = &hold
	}
	if opts.suite || opts.hold == nil {
		// The suite's levels set Conversations; the rest must hold.
		c := *cfg
		c.Conversations = max(c.Conversations, 1)
		return opts, c.validate()
	}
	return opts, nil
}

func parseLevels(s string) ([]int, error) {
	var levels []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-levels: %q is not a number of chats", f)
		}
		levels = append(levels, n)
	}
	return levels, nil
}
