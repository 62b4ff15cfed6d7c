package engines

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	redisOnce sync.Once
	redisURL  string
	redisErr  error
)

// Redis returns the redis:// URL of a server for the test: TEST_REDIS_URL
// when set, else a throwaway redis-server (or valkey-server) started on
// first use and shared by every test of the binary, stopped by Main. The
// server is shared, so a test keeps to keys of its own: see RedisPrefix.
func Redis(t testing.TB) string {
	t.Helper()
	if u := os.Getenv("TEST_REDIS_URL"); u != "" {
		return u
	}
	redisOnce.Do(func() { redisURL, redisErr = startRedis() })
	if redisErr != nil {
		t.Fatal(redisErr)
	}
	return redisURL
}

// RedisPrefix returns a key prefix no other test (nor run) uses, so tests
// sharing one server never see each other's keys.
func RedisPrefix(t testing.TB) string {
	t.Helper()
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := strings.Map(func(r rune) rune {
		if r == ' ' || r == ':' || r == '/' {
			return '_'
		}
		return r
	}, t.Name())
	return "test:" + name + ":" + hex.EncodeToString(b[:]) + ":"
}

func startRedis() (string, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if bin, err = exec.LookPath("valkey-server"); err != nil {
			return "", errors.New("Redis is not installed: apt-get install -y redis-server")
		}
	}
	// A free port is only free until someone takes it: try again with
	// another when the server could not listen.
	for attempt := 0; ; attempt++ {
		u, err := startRedisOnce(bin)
		if err == nil || attempt == 2 {
			return u, err
		}
	}
}

func startRedisOnce(bin string) (string, error) {
	dir, err := os.MkdirTemp("", "rolefit-redis-")
	if err != nil {
		return "", fmt.Errorf("engines: redis: %w", err)
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("engines: redis: %w", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(bin,
		"--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--dir", dir, "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--protected-mode", "yes")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Main stops the server; should the test binary die before (a panic,
	// a kill), the kernel stops it instead of leaving it running.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("engines: start redis: %w", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		os.RemoveAll(dir)
	}

	deadline := time.Now().Add(15 * time.Second)
	for !ping(addr) {
		select {
		case <-exited:
			os.RemoveAll(dir)
			return "", fmt.Errorf("engines: redis exited before answering: %s", out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", fmt.Errorf("engines: redis did not answer PING on %s within 15s: %s", addr, out.String())
		}
	}
	atExit(stop)
	return "redis://" + addr, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ping reports whether a Redis server answers PING at addr.
func ping(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && strings.TrimSpace(line) == "+PONG"
}
