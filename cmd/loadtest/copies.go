package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
)

// selfCopy is a copy of the load tool started in another role (the bare
// relay, the hold's /healthz probe: see bareRelayEnv and probeEnv), so
// that its work is counted, and its stalls felt, apart from the tool's.
type selfCopy struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser // nil unless asked for
	out    firstLine      // its first line, then the rest of its output
	rest   bytes.Buffer
	errOut bytes.Buffer
	// exited receives what Wait returned; whoever takes it puts it back.
	exited chan error
}

// startSelfCopy starts the load tool with env added to its environment
// and returns the copy and its first line, once it has written one.
func startSelfCopy(ctx context.Context, withStdin bool, env ...string) (*selfCopy, string, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	c := &selfCopy{exited: make(chan error, 1)}
	c.out = firstLine{line: make(chan string, 1), rest: &c.rest}
	c.cmd = exec.Command(self)
	c.cmd.Env = append(os.Environ(), env...)
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.errOut
	if withStdin {
		if c.stdin, err = c.cmd.StdinPipe(); err != nil {
			return nil, "", err
		}
	}
	if err := c.cmd.Start(); err != nil {
		return nil, "", err
	}
	go func() { c.exited <- c.cmd.Wait() }()
	select {
	case line := <-c.out.line:
		return c, line, nil
	case err := <-c.exited:
		c.exited <- err
		return nil, "", fmt.Errorf("exited before its first line (%v): %s", err, bytes.TrimSpace(c.errOut.Bytes()))
	case <-ctx.Done():
		c.kill()
		return nil, "", fmt.Errorf("did not start: %w", ctx.Err())
	}
}

// kill ends the copy if it is still running, and waits for it.
func (c *selfCopy) kill() {
	select {
	case err := <-c.exited:
		c.exited <- err
	default:
		_ = c.cmd.Process.Kill()
		c.exited <- <-c.exited
	}
}
