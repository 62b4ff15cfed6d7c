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
	"github.com/rolefit/rolefit/internal/cores"
	"github.com/rolefit/rolefit/internal/gctarget"
	"github.com/rolefit/rolefit/internal/giveback"
)

func main() {
	// Unless profiles are served (PPROF_ADDR, from the environment), the
	// heap profiler's sample records (over 1 MB under load) would be kept
	// for nothing. It is switched off first, as the runtime asks, before
	// much is allocated.
	if os.Getenv("PPROF_ADDR") == "" {
		runtime.MemProfileRate = 0
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv("GOGC") == "" {
		// Go's default GC target while the live heap is small, a tighter
		// one as thousands of live answers make it large (gctarget). GOGC,
		// when set, wins, as it does for any Go program. It is
		// process-wide, so it is set here, not in run, which tests call
		// in-process.
		go gctarget.Follow(ctx)
	}
	if os.Getenv("GOMAXPROCS") == "" {
		// One core while one is enough, more as the work needs them and
		// the machine has them free (cores). GOMAXPROCS, when set, wins.
		go cores.Follow(ctx)
	}
	// The memory a burst of questions leaves in the heap goes back to the
	// system once the burst is over, not minutes later (giveback).
	go giveback.Follow(ctx)
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
