package engines

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const installPostgres = "PostgreSQL is not installed: apt-get install -y postgresql"

var (
	pgOnce  sync.Once
	pgAdmin string // URL of the maintenance database of the server tests share
	pgErr   error
)

// Postgres returns the URL of a fresh, empty database of its own for this
// test, dropped when the test ends. The server is TEST_DATABASE_URL's when
// that is set; otherwise one throwaway server per test binary, started on
// first use and stopped by Main.
func Postgres(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("TEST_DATABASE_URL")
	if admin == "" {
		pgOnce.Do(func() {
			var stop func()
			if pgAdmin, stop, pgErr = startPostgres(); pgErr == nil {
				atExit(stop)
			}
		})
		if pgErr != nil {
			t.Fatal(pgErr)
		}
		admin = pgAdmin
	}
	u, err := url.Parse(admin)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// Not quoted: it may hold a password.
		t.Fatal("engines: TEST_DATABASE_URL must be a postgres:// URL (postgres://user:password@host:port/db)")
	}

	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	name := "rolefit_test_" + hex.EncodeToString(b[:])
	if err := pgExec(admin, "CREATE DATABASE "+name+" TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		t.Fatalf("engines: create database: %v", err)
	}
	t.Cleanup(func() {
		// FORCE: a pool the test left open must not keep its database alive.
		if err := pgExec(admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("engines: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// pgExec runs one statement on a connection of its own: CREATE and DROP
// DATABASE cannot run inside a transaction or a pool's session state.
func pgExec(dsn, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// postgresBin finds the newest installed server's binaries (Debian keeps
// each major version in a directory of its own, off PATH).
func postgresBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "postgres")); err == nil {
			if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
				return d, nil
			}
		}
	}
	return "", errors.New(installPostgres)
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// startPostgres starts a throwaway server and returns its admin URL and
// the function that stops it.
func startPostgres() (string, func(), error) {
	bin, err := postgresBin()
	if err != nil {
		return "", nil, err
	}
	// PostgreSQL refuses to run as root, and tests run as root here (as CI
	// does): the server runs as the postgres user the package created.
	cred, err := postgresUser()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "rolefit-pg-")
	if err != nil {
		return "", nil, fmt.Errorf("engines: %w", err)
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return "", nil, fmt.Errorf("engines: %w", err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "--encoding=UTF8", "--no-locale", "--no-sync")
	initdb.Dir = dir
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("engines: initdb: %v\n%s", err, out)
	}

	// A free port can be taken between choosing it and the server binding
	// it (other test binaries start servers too): try again on a new one.
	var last error
	for range 5 {
		url, stop, err := runPostgres(bin, dir, data, cred)
		if err == nil {
			return url, stop, nil
		}
		last = err
	}
	os.RemoveAll(dir)
	return "", nil, last
}

func postgresUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("engines: no postgres user to run the server as (%v): apt-get install -y postgresql", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// freePort returns a loopback port nobody listens on now; a server started
// on it at once is very unlikely to lose it.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func runPostgres(bin, dir, data string, cred *syscall.Credential) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, fmt.Errorf("engines: free port: %w", err)
	}
	logPath := filepath.Join(dir, "postgres.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return "", nil, fmt.Errorf("engines: %w", err)
	}
	defer logFile.Close()
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data,
		"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-k", dir,
		// Durability is worth nothing to a throwaway server; speed is.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300")
	cmd.Dir = dir
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	// Pdeathsig: a test binary killed before Main stops the server must not
	// leave it running. SIGQUIT is PostgreSQL's immediate shutdown.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	started := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		// Pdeathsig fires when the thread that started the child ends, not
		// the process: this goroutine keeps that thread for as long as the
		// server runs (and, locked, takes it down with it after).
		runtime.LockOSThread()
		defer close(exited)
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
	}()
	if err := <-started; err != nil {
		return "", nil, fmt.Errorf("engines: start postgres: %w", err)
	}

	admin := fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	deadline := time.Now().Add(60 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if err := pgPing(admin); err == nil {
			break
		} else if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return "", nil, fmt.Errorf("engines: postgres did not accept connections within a minute: %v\n%s", err, tail(logPath))
		}
		select {
		case <-exited:
			return "", nil, fmt.Errorf("engines: postgres exited on start:\n%s", tail(logPath))
		case <-tick.C:
		}
	}
	stop := func() {
		// SIGINT is the fast shutdown: it ends sessions and exits cleanly.
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		os.RemoveAll(dir)
	}
	return admin, stop, nil
}

func pgPing(dsn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	return conn.Ping(ctx)
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	s := string(b)
	if lines := strings.Split(s, "\n"); len(lines) > 30 {
		s = strings.Join(lines[len(lines)-30:], "\n")
	}
	return s
}
