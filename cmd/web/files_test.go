//go:build unix

package main

import (
	"syscall"
	"testing"
)

// The process may use every descriptor the system allows it: the soft
// limit ends at the hard one, since each live answer needs two.
func TestOpenFileLimitIsRaisedToTheHardLimit(t *testing.T) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max > 1024 {
		lowered := syscall.Rlimit{Cur: 1024, Max: lim.Max}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lowered); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim) })
	}
	got, err := raiseFileLimit()
	if err != nil {
		t.Fatal(err)
	}
	var now syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &now); err != nil {
		t.Fatal(err)
	}
	if got != lim.Max || now.Cur != lim.Max {
		t.Errorf("after raising: reported %d, soft limit %d; want both the hard limit %d", got, now.Cur, lim.Max)
	}
}

func TestLiveAnswersForALimit(t *testing.T) {
	for _, tt := range []struct{ limit, want uint64 }{
		{20000, 9968}, {1024, 480}, {64, 0}, {10, 0},
	} {
		if got := liveAnswersFor(tt.limit); got != tt.want {
			t.Errorf("liveAnswersFor(%d) = %d, want %d", tt.limit, got, tt.want)
		}
	}
}
