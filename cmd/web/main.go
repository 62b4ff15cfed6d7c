// Command web is Rolefit: a chat assistant, in one binary, about two AI
// careers. main only wires the process to run; everything else is testable.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/rolefit/rolefit/internal/config"
)

func main() {
	// Rolefit serves no profiles, so the heap profiler's sample records
	// (over 1 MB under load) would be kept for nothing. It is switched off
	// first, as the runtime asks, before much is allocated.
	runtime.MemProfileRate = 0
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args, os.Getenv, os.Stdout, os.Stderr)
	var invalid *config.Error
	switch {
	case err == nil, errors.Is(err, config.ErrHelp):
	case errors.As(err, &invalid):
		fmt.Fprintln(os.Stderr, "rolefit:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "rolefit:", err)
		os.Exit(1)
	}
}
