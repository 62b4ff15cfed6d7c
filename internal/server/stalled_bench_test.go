package server

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
)

// BenchmarkStalledWatchers opens 30 event streams of a finished 8 MiB
// answer that never read, and reports the heap the server holds for each
// while they are stalled (before the write timeout ends them).
func BenchmarkStalledWatchers(b *testing.B) {
	const watchers = 30
	text := longText(8 << 20)
	for b.Loop() {
		// The answer stays in memory throughout, so only the watchers
		// change the heap.
		srv, client := benchAppWith(b, bigAnswer{text: text, piece: 8 << 10},
			chat.Config{MaxAnswerTokens: 1 << 30, MaxGeneration: time.Hour, KeepFinished: time.Hour})
		req, _ := http.NewRequest("POST", srv.URL+"/c", strings.NewReader(url.Values{"message": {"q"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
		res, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		m := sseConnect.FindStringSubmatch(string(body))
		if m == nil {
			b.Fatalf("no event stream in %q", body)
		}
		events := m[1]
		// Read the answer to its end once: it is then finished.
		res, err = client.Get(srv.URL + events)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()

		u, _ := url.Parse(srv.URL)
		var cookie string
		for _, c := range client.Jar.Cookies(u) {
			if c.Name == visitorCookie {
				cookie = c.Value
			}
		}
		base := stableHeap()
		conns := make([]net.Conn, watchers)
		for i := range conns {
			conn, err := net.Dial("tcp", u.Host)
			if err != nil {
				b.Fatal(err)
			}
			conn.(*net.TCPConn).SetReadBuffer(16 << 10)
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nCookie: %s=%s\r\n\r\n", events, u.Host, visitorCookie, cookie)
			conns[i] = conn
		}
		held := int64(stableHeap()) - int64(base)
		b.ReportMetric(float64(held)/watchers/(1<<10), "KiB/watcher")
		for _, c := range conns {
			c.Close()
		}
	}
}

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// stableHeap is the live heap once it has stopped changing for a second:
// the watchers' handlers have written what their connections take, and
// wait. (A measurement, not a synchronisation: nothing else says when a
// write blocks.)
func stableHeap() uint64 {
	last, steady := liveHeap(), 0
	for range 100 {
		time.Sleep(100 * time.Millisecond)
		h := liveHeap()
		if h+h/200 > last && h < last+last/200 {
			if steady++; steady == 10 {
				return h
			}
		} else {
			steady = 0
		}
		last = h
	}
	return last
}
