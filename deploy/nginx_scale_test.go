package deploy

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// upstream stands for one replica behind the load balancer: it says which
// it is and records what reached it. The replicas' own behaviour is tested
// with Rolefit; this is about what nginx does with the scale config.
type upstream struct {
	name string
	srv  *httptest.Server
	// unready answers every request with 503, as a replica may while it
	// shuts down.
	unready bool
	// release lets an event stream finish after its first event.
	release chan struct{}

	mu     sync.Mutex
	seen   []*http.Request
	bodies []string // of seen, in order
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.seen = append(u.seen, r)
	u.bodies = append(u.bodies, string(body))
	u.mu.Unlock()
	w.Header().Set("X-Replica", u.name)
	if u.unready {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	if strings.HasSuffix(r.URL.Path, "/events") {
		// No X-Accel-Buffering header, which Rolefit sends: the config
		// itself must keep the stream unbuffered.
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: delta\nid: 11\ndata: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-u.release:
		case <-r.Context().Done():
			return
		}
		fmt.Fprint(w, "event: end\ndata: done\n\n")
		return
	}
	io.WriteString(w, u.name)
}

// first is the first request that reached u (the race detector cannot
// see that nginx's answer came after it was recorded).
func (u *upstream) first() *http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.seen[0]
}

// requests is what reached u, as "METHOD path".
func (u *upstream) requests() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	var rs []string
	for _, r := range u.seen {
		rs = append(rs, r.Method+" "+r.URL.Path)
	}
	return rs
}

// startScale runs deploy/nginx-scale.conf in Debian's nginx in front of
// three upstreams (the replicas' names replaced by their addresses), and
// returns the balancer's base URL.
func startScale(t *testing.T, ups []*upstream) string {
	t.Helper()
	bin, err := exec.LookPath("nginx")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/nginx"); err != nil {
			t.Fatal("nginx is not installed: apt-get install nginx (make test installs it)")
		}
	}
	for _, u := range ups {
		u.release = make(chan struct{})
		u.srv = httptest.NewServer(u)
		t.Cleanup(u.srv.Close)
	}
	conf := readRepoFile(t, "deploy/nginx-scale.conf")
	i := 0
	conf = regexp.MustCompile(`(?m)^(\s*server )rolefit-\d:8080([^;\n]*?)( resolve)?;`).ReplaceAllStringFunc(conf, func(line string) string {
		m := regexp.MustCompile(`rolefit-\d:8080`).FindString(line)
		line = strings.Replace(line, m, ups[i].srv.Listener.Addr().String(), 1)
		i++
		// `resolve` needs nginx 1.27.3; Debian's is older, and addresses
		// need no resolving.
		return strings.Replace(line, " resolve;", ";", 1)
	})
	if i != len(ups) {
		t.Fatalf("nginx-scale.conf names %d replicas, want %d", i, len(ups))
	}
	addr := freeAddr(t)
	if !strings.Contains(conf, "listen 8080;") {
		t.Fatal("nginx-scale.conf does not `listen 8080;`")
	}
	conf = strings.Replace(conf, "listen 8080;", "listen "+addr+";", 1)

	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("scale.conf", conf)
	user := ""
	if os.Geteuid() == 0 {
		// Workers would otherwise run as nobody, who cannot enter the
		// temporary directory.
		user = "user root;"
	}
	write("nginx.conf", fmt.Sprintf(`%s
worker_processes 1;
pid %[2]s/nginx.pid;
error_log stderr;
events { worker_connections 128; }
http {
    access_log off;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    include %[2]s/scale.conf;
}
`, user, dir))
	args := []string{"-p", dir, "-e", "stderr", "-c", filepath.Join(dir, "nginx.conf")}
	if out, err := exec.Command(bin, append(args, "-t")...).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append(args, "-g", "daemon off;")...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	})
	deadline := time.Now().Add(10 * time.Second)
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return "http://" + addr
		}
		select {
		case err := <-exited:
			t.Fatalf("nginx exited: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("nginx does not listen on %s: %v\n%s", addr, err, stderr.String())
		}
		<-poll.C
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func threeReplicas() []*upstream {
	return []*upstream{{name: "rolefit-1"}, {name: "rolefit-2"}, {name: "rolefit-3"}}
}

// do sends a request through the balancer and returns its status and the
// replica that answered.
func do(t *testing.T, method, url string, header http.Header) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(""))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	return res.StatusCode, res.Header.Get("X-Replica")
}

func TestNginxScaleServes(t *testing.T) {
	t.Run("round-robin, whoever the visitor", func(t *testing.T) {
		ups := threeReplicas()
		base := startScale(t, ups)
		// One visitor, one cookie: still spread over every replica.
		cookie := http.Header{"Cookie": {"rolefit_visitor=the-same-visitor"}}
		served := map[string]int{}
		for range 6 {
			code, by := do(t, "GET", base+"/", cookie)
			if code != http.StatusOK {
				t.Fatalf("GET / = %d", code)
			}
			served[by]++
		}
		for _, u := range ups {
			if served[u.name] != 2 {
				t.Errorf("six requests of one visitor went %v, want two to each replica", served)
				break
			}
		}
		// The replica sees the Host as sent (Origin checks), and the
		// client's address appended to X-Forwarded-For.
		if len(ups[0].requests()) == 0 {
			t.Fatal("the first replica got no request")
		}
		r := ups[0].first()
		if want := strings.TrimPrefix(base, "http://"); r.Host != want {
			t.Errorf("the replica got Host %q, want %q as the browser sent it", r.Host, want)
		}
		if xff := r.Header.Get("X-Forwarded-For"); !strings.HasSuffix(xff, "127.0.0.1") {
			t.Errorf("X-Forwarded-For %q does not end with the client's address", xff)
		}
		if p := r.Header.Get("X-Forwarded-Proto"); p != "http" {
			t.Errorf("X-Forwarded-Proto %q, want http", p)
		}
	})

	t.Run("event stream unbuffered, resumed from its offset", func(t *testing.T) {
		ups := threeReplicas()
		base := startScale(t, ups)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", base+eventsPath(), nil)
		req.Header.Set("Last-Event-ID", "7")
		// As browsers send it; set here, Go's client leaves the body as
		// it came.
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		// A compressor holds bytes back until it has a block's worth.
		if ce := res.Header.Get("Content-Encoding"); ce != "" {
			t.Errorf("the event stream came %s-encoded: its events would wait for a block to fill", ce)
		}
		// The first event arrives while the replica still holds the
		// stream open. (Debian's nginx passes it on even with buffering
		// on, so TestNginxScale checks the directives that keep it so.)
		lines := bufio.NewReader(res.Body)
		var got []string
		for len(got) < 3 {
			line, err := lines.ReadString('\n')
			if err != nil {
				t.Fatalf("before the replica went on, the stream gave %q then %v: nginx holds the event back", got, err)
			}
			got = append(got, strings.TrimSpace(line))
		}
		if got[2] != "data: first" {
			t.Fatalf("stream began %q", got)
		}
		var by *upstream
		for _, u := range ups {
			if len(u.requests()) > 0 {
				by = u
			}
		}
		if id := by.first().Header.Get("Last-Event-ID"); id != "7" {
			t.Errorf("the replica got Last-Event-ID %q, want 7: a reconnect would start over", id)
		}
		close(by.release)
		rest, err := io.ReadAll(lines)
		if err != nil || !strings.Contains(string(rest), "event: end") {
			t.Errorf("after the first event: %q, %v", rest, err)
		}
	})

	t.Run("a 503 is sent on once, a question included", func(t *testing.T) {
		ups := threeReplicas()
		for _, u := range ups {
			u.unready = true
		}
		base := startScale(t, ups)
		// A replica shutting down refuses a question before storing it:
		// it is sent once more, to another replica, and no further.
		code, _ := do(t, "POST", base+"/c", nil)
		reached := 0
		for _, u := range ups {
			reached += len(u.requests())
		}
		if code != http.StatusServiceUnavailable || reached != 2 {
			t.Errorf("a POST refused by every replica: status %d, reached %d replicas; want 503 after exactly 2", code, reached)
		}
	})

	t.Run("a question refused by a draining replica lands on another", func(t *testing.T) {
		ups := threeReplicas()
		ups[0].unready = true
		base := startScale(t, ups)
		for range 3 {
			res, err := http.Post(base+"/c", "application/x-www-form-urlencoded", strings.NewReader("message=Which+role+fits+me%3F"))
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if by := res.Header.Get("X-Replica"); res.StatusCode != http.StatusOK || by == ups[0].name {
				t.Fatalf("POST /c = %d from %s, want 200 from a replica that is ready", res.StatusCode, by)
			}
		}
		if !slices.Contains(ups[0].requests(), "POST /c") {
			t.Fatal("no question reached the draining replica: round-robin should have sent it one")
		}
		// The question itself went on, not only its request line.
		for _, u := range ups {
			u.mu.Lock()
			for i, b := range u.bodies {
				if u.seen[i].Method == "POST" && b != "message=Which+role+fits+me%3F" {
					t.Errorf("%s got the question as %q", u.name, b)
				}
			}
			u.mu.Unlock()
		}
	})

	t.Run("a draining replica is skipped", func(t *testing.T) {
		ups := threeReplicas()
		ups[0].unready = true
		base := startScale(t, ups)
		for range 6 {
			if code, by := do(t, "GET", base+"/", nil); code != http.StatusOK || by == ups[0].name {
				t.Fatalf("GET / = %d from %s, want 200 from a replica that is ready", code, by)
			}
		}
		// One 503 takes it out for fail_timeout: it is not asked again.
		if n := len(ups[0].requests()); n != 1 {
			t.Errorf("the replica answering 503 got %d requests, want 1", n)
		}
		if code, by := do(t, "POST", base+"/c", nil); code != http.StatusOK || by == ups[0].name {
			t.Errorf("POST /c = %d from %s, want 200 from a replica that is ready", code, by)
		}
	})

	t.Run("a stopped replica is skipped, questions included", func(t *testing.T) {
		ups := threeReplicas()
		base := startScale(t, ups)
		ups[1].srv.Close() // its connections are refused
		for range 3 {
			if code, _ := do(t, "POST", base+"/c", nil); code != http.StatusOK {
				t.Fatalf("POST /c = %d with one replica stopped, want 200: a refused connection never reached it", code)
			}
			if code, _ := do(t, "GET", base+"/", nil); code != http.StatusOK {
				t.Fatalf("GET / = %d with one replica stopped", code)
			}
		}
		posts := 0
		for _, u := range ups {
			for _, r := range u.requests() {
				if strings.HasPrefix(r, "POST") {
					posts++
				}
			}
		}
		if posts != 3 {
			t.Errorf("3 questions reached replicas %d times, want 3", posts)
		}
	})
}
