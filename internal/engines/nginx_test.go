package engines

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// backend is a replica stand-in that says which one it is.
func backend(t *testing.T, name string, h http.HandlerFunc) string {
	t.Helper()
	if h == nil {
		h = func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }
	}
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

func TestLoadBalancerSpreadsRequestsInTurn(t *testing.T) {
	lb := LoadBalancer(t, []string{backend(t, "a", nil), backend(t, "b", nil), backend(t, "c", nil)})
	if !strings.HasPrefix(lb, "http://127.0.0.1:") {
		t.Fatalf("the load balancer is at %q, want a loopback address", lb)
	}
	seen := map[string]int{}
	for range 9 {
		code, body := get(t, lb+"/")
		if code != http.StatusOK {
			t.Fatalf("GET / = %d %q", code, body)
		}
		seen[body]++
	}
	// Two workers each keep their own turn, so the split is even only per
	// worker: every replica must still be reached, none sticks.
	if len(seen) != 3 {
		t.Errorf("nine requests reached %v, want every backend", seen)
	}
}

func TestLoadBalancerPassesStreamsOnAsTheyCome(t *testing.T) {
	release := make(chan struct{})
	stream := backend(t, "s", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		io.WriteString(w, "data: second\n\n")
	})
	lb := LoadBalancer(t, []string{stream})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", lb+"/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	r := bufio.NewReader(res.Body)
	// The first event arrives while the backend still holds the second:
	// a buffering proxy would sit on it.
	if line, err := r.ReadString('\n'); err != nil || line != "data: first\n" {
		t.Fatalf("first line through the balancer: %q, %v", line, err)
	}
	close(release)
	rest, err := io.ReadAll(r)
	if err != nil || string(rest) != "\ndata: second\n\n" {
		t.Errorf("the rest of the stream: %q, %v", rest, err)
	}
}

func TestLoadBalancerSkipsAGoneOrUnavailableBackend(t *testing.T) {
	// A port nobody listens on: a replica that was killed.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + l.Addr().String()
	l.Close()
	draining := backend(t, "draining", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
	})
	lb := LoadBalancer(t, []string{gone, draining, backend(t, "up", nil)})
	for i := range 10 {
		if code, body := get(t, fmt.Sprintf("%s/?i=%d", lb, i)); code != http.StatusOK || body != "up" {
			t.Fatalf("request %d: %d %q, want the backend that is up", i, code, body)
		}
	}
}

func TestLoadBalancerStopsWhenTheTestEnds(t *testing.T) {
	var lb string
	t.Run("uses it", func(t *testing.T) {
		lb = LoadBalancer(t, []string{backend(t, "a", nil)})
		if code, _ := get(t, lb+"/"); code != http.StatusOK {
			t.Fatalf("GET / = %d", code)
		}
	})
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(lb, "http://"), time.Second); err == nil {
		t.Error("nginx still listens after its test ended")
	}
}
