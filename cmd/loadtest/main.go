// Command loadtest starts a built Rolefit binary against an in-process fake
// model, has many visitors ask at once while every answer streams, checks
// that each answer arrives exactly, and reports latencies and the server's
// peak memory. It talks only to loopback addresses and stops by itself.
//
//	go build -o /tmp/rolefit ./cmd/web
//	go run ./cmd/loadtest -bin /tmp/rolefit -conversations 200
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, asJSON, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(2)
	}
	report, err := run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	if asJSON {
		err = report.WriteJSON(os.Stdout)
	} else {
		report.WriteText(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
	if !report.OK() {
		os.Exit(1)
	}
}

func parseFlags(args []string, output io.Writer) (cfg Config, asJSON bool, err error) {
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.StringVar(&cfg.Bin, "bin", "", "path to a built rolefit binary (required)")
	fs.IntVar(&cfg.Conversations, "conversations", 200, "conversations started at once")
	fs.IntVar(&cfg.Chunks, "chunks", 200, "deltas per answer")
	fs.DurationVar(&cfg.Pace, "pace", 20*time.Millisecond, "pause between an answer's deltas")
	fs.DurationVar(&cfg.Timeout, "timeout", 2*time.Minute, "bound on the whole run")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return cfg, false, err
	}
	if fs.NArg() > 0 {
		return cfg, false, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return cfg, asJSON, cfg.validate()
}
