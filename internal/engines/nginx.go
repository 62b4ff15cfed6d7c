package engines

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// NginxPath is Debian's nginx, the load balancer put in front of several
// replicas: a real proxy, so what it does to streams (buffering, retries,
// reused connections) is what the tests see.
const NginxPath = "/usr/sbin/nginx"

// Nginx is a running load balancer. Its zero value is not usable; call
// StartNginx.
type Nginx struct {
	// URL is the address visitors use, http://127.0.0.1:PORT.
	URL string

	dir    string
	cmd    *exec.Cmd
	exited chan struct{}
	err    error // cmd.Wait's, set before exited is closed
}

// LoadBalancer starts nginx on a free loopback port in front of backends
// (base URLs such as http://127.0.0.1:8081), spreading requests among them
// in turn, and returns its base URL. It stops when the test ends. A missing
// nginx fails the test: the multi-replica tests must never pass by not
// running.
func LoadBalancer(t testing.TB, backends []string) string {
	t.Helper()
	lb, err := StartNginx(backends)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lb.Stop(); err != nil {
			t.Errorf("engines: %v", err)
		}
	})
	return lb.URL
}

// StartNginx is LoadBalancer for programs that are not tests (the load
// tool): the caller must Stop it.
//
// Requests go round-robin with no stickiness, as a deployment behind a
// plain balancer would see them: a page, its event stream and its
// reconnection may each reach a different replica. Responses are passed on
// as they come (proxy_buffering off), or a streamed answer would arrive in
// lumps. A backend that refuses the connection or answers 503 (a replica
// shutting down) has the request tried on the next one, as the deployed
// balancer (deploy/nginx-scale.conf) does: a POST only when it never
// reached a replica, or was refused with 503.
func StartNginx(backends []string) (*Nginx, error) {
	if _, err := os.Stat(NginxPath); err != nil {
		return nil, errors.New("nginx is not installed: apt-get install -y nginx")
	}
	if len(backends) == 0 {
		return nil, errors.New("engines: a load balancer needs at least one backend")
	}
	var servers []string
	for _, b := range backends {
		u, err := url.Parse(b)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("engines: backend %q is not a base URL such as http://127.0.0.1:8080", b)
		}
		servers = append(servers, u.Host)
	}
	dir, err := os.MkdirTemp("", "rolefit-nginx-")
	if err != nil {
		return nil, fmt.Errorf("engines: nginx: %w", err)
	}
	// The port is found free, then given to nginx: another process may
	// take it between the two, so a failed bind is tried again.
	var lastErr error
	for range 5 {
		lb, err := startNginxOnce(dir, servers)
		if err == nil {
			return lb, nil
		}
		lastErr = err
	}
	os.RemoveAll(dir)
	return nil, lastErr
}

func startNginxOnce(dir string, servers []string) (*Nginx, error) {
	port, err := freePort()
	if err != nil {
		return nil, fmt.Errorf("engines: nginx: %w", err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(nginxConfig(dir, addr, servers)), 0o600); err != nil {
		return nil, fmt.Errorf("engines: nginx: %w", err)
	}
	errorLog := filepath.Join(dir, "error.log")
	os.Remove(errorLog) // a failed attempt's lines are not this one's
	cmd := exec.Command(NginxPath, "-p", dir, "-c", conf, "-e", errorLog, "-g", "daemon off;")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Its own process group, so stopping it reaches its workers too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("engines: start nginx: %w", err)
	}
	lb := &Nginx{URL: "http://" + addr, dir: dir, cmd: cmd, exited: make(chan struct{})}
	go func() {
		lb.err = cmd.Wait()
		close(lb.exited)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return lb, nil
		}
		select {
		case <-lb.exited:
			log, _ := os.ReadFile(errorLog)
			return nil, fmt.Errorf("engines: nginx exited at start (%v): %s%s", lb.err, out.Bytes(), log)
		case <-ctx.Done():
			lb.kill()
			return nil, fmt.Errorf("engines: nginx did not listen on %s within 10s", addr)
		case <-time.After(10 * time.Millisecond): // polling a port another process opens
		}
	}
}

// nginxConfig is the whole configuration: every path nginx writes is in
// dir, so nothing of the system's nginx is touched.
func nginxConfig(dir, addr string, servers []string) string {
	var b strings.Builder
	if os.Geteuid() == 0 {
		// Workers would otherwise drop to nobody, who cannot write in a
		// temporary directory root owns.
		b.WriteString("user root;\n")
	}
	fmt.Fprintf(&b, `worker_processes 2;
worker_rlimit_nofile 65536;
pid %[1]s/nginx.pid;
events {
	worker_connections 32768;
}
http {
	access_log off;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	upstream rolefit {
`, dir)
	for _, s := range servers {
		// A refused connection (a replica gone) takes it out of turn for a
		// second only: a restarted replica is back at once.
		fmt.Fprintf(&b, "\t\tserver %s max_fails=1 fail_timeout=1s;\n", s)
	}
	fmt.Fprintf(&b, `		keepalive 256;
	}
	server {
		listen %s;
		proxy_http_version 1.1;
		proxy_set_header Connection "";
		proxy_set_header Host $http_host;
		proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
		proxy_buffering off;
		proxy_read_timeout 1h;
		proxy_send_timeout 1h;
		proxy_connect_timeout 2s;
		proxy_next_upstream error timeout http_503;
		proxy_next_upstream_tries 3;
		client_max_body_size 16m;
		location / {
			proxy_pass http://rolefit;
			# As deploy/nginx-scale.conf: a replica shutting down refuses a
			# question with 503 before storing anything, so the question
			# (its body is buffered here) goes once more to another one.
			proxy_intercept_errors on;
			error_page 503 = @once_more;
		}
		location @once_more {
			proxy_pass http://rolefit;
		}
	}
}
`, addr)
	return b.String()
}

// Stop ends nginx at once (a test's load balancer has nothing to drain)
// and removes its directory.
func (lb *Nginx) Stop() error {
	lb.kill()
	return os.RemoveAll(lb.dir)
}

func (lb *Nginx) kill() {
	select {
	case <-lb.exited:
		return
	default:
	}
	// The whole group: master and workers.
	syscall.Kill(-lb.cmd.Process.Pid, syscall.SIGKILL)
	<-lb.exited
}
