package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestPagesAreCompressed: pages and fragments reach a browser that accepts
// gzip compressed, and anyone else plain; static files keep their own
// gzipped copy; an answer's event stream is never compressed, so each event
// arrives as it is sent.
func TestPagesAreCompressed(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	app.fake.Push(fakeopenai.Reply{Chunks: []string{"An answer."}})
	b := app.browser(true)
	d := doc(t, b.post("/c", url.Values{"message": {"hi?"}}))
	events := d.Find(`[data-role="assistant"]`).AttrOr("sse-connect", "")
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Jar: b.client.Jar}

	tests := []struct {
		name, path, accept string
		wantGzip           bool
		wantIn             string // in the (decompressed) body
	}{
		{name: "page", path: "/", accept: "gzip, deflate, br", wantGzip: true, wantIn: "</html>"},
		{name: "page, gzip refused", path: "/", accept: "gzip;q=0, br", wantIn: "</html>"},
		{name: "page, no Accept-Encoding", path: "/", wantIn: "</html>"},
		{name: "source page", path: "/source", accept: "gzip", wantGzip: true, wantIn: "</html>"},
		{name: "not found page", path: "/c/nope", accept: "gzip", wantGzip: true, wantIn: "</html>"},
		{name: "event stream", path: events, accept: "gzip", wantIn: "event: end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", app.url+tt.path, nil)
			if tt.accept != "" {
				req.Header.Set("Accept-Encoding", tt.accept)
			}
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if got := res.Header.Get("Content-Encoding") == "gzip"; got != tt.wantGzip {
				t.Errorf("Content-Encoding %q, want gzip: %v", res.Header.Get("Content-Encoding"), tt.wantGzip)
			}
			if !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") && !strings.HasPrefix(tt.path, "/c/") {
				t.Errorf("Vary %q lacks Accept-Encoding", res.Header.Get("Vary"))
			}
			all := decodedBody(t, res) // fails the test when a gzip body is not gzip
			if !strings.Contains(all, tt.wantIn) {
				t.Errorf("body lacks %q: %.200q", tt.wantIn, all)
			}
		})
	}
}

// TestGzipBoundsItsCompressors: when every compressor is busy, a response
// is sent uncompressed and whole rather than waiting or taking more memory;
// once one is free, responses are compressed again.
func TestGzipBoundsItsCompressors(t *testing.T) {
	pool := newGzipPool(1)
	page := strings.Repeat("<p>Rolefit</p>", 100)
	h := withGzip(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, page)
	}), pool)
	get := func() (encoding, body string) {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Header().Get("Content-Encoding"), decodedBody(t, rec.Result())
	}
	if enc, body := get(); enc != "gzip" || body != page {
		t.Fatalf("with a compressor free: encoding %q, %d bytes; want gzip and the page", enc, len(body))
	}
	if !pool.reserve() { // another response holds the only compressor
		t.Fatal("the compressor was not given back")
	}
	if enc, body := get(); enc != "" || body != page {
		t.Errorf("with none free: encoding %q, %d bytes; want the page as it is", enc, len(body))
	}
	<-pool.slots
	if enc, body := get(); enc != "gzip" || body != page {
		t.Errorf("once free again: encoding %q, %d bytes; want gzip and the page", enc, len(body))
	}
}
