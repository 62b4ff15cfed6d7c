package static

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFilesAreServedWithTheirTypes(t *testing.T) {
	for name, want := range map[string]string{
		"app.css":            "text/css; charset=utf-8",
		"app.js":             "text/javascript; charset=utf-8",
		"logo.svg":           "image/svg+xml",
		"vendor/htmx.min.js": "text/javascript; charset=utf-8",
		"vendor/sse.min.js":  "text/javascript; charset=utf-8",
	} {
		t.Run(name, func(t *testing.T) {
			raw, err := files.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			get := func(gzipped bool) *http.Response {
				req := httptest.NewRequest("GET", Path(name), nil)
				if gzipped {
					req.Header.Set("Accept-Encoding", "gzip, br")
				}
				rec := httptest.NewRecorder()
				Handler().ServeHTTP(rec, req)
				return rec.Result()
			}
			plain := get(false)
			body, _ := io.ReadAll(plain.Body)
			if ct := plain.Header.Get("Content-Type"); ct != want {
				t.Errorf("Content-Type = %q, want %q", ct, want)
			}
			if string(body) != string(raw) {
				t.Error("the plain body is not the file")
			}
			if cc := plain.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
				t.Errorf("a fingerprinted URL is cached with %q, want immutable", cc)
			}
			zipped := get(true)
			if zipped.Header.Get("Content-Encoding") != "gzip" {
				t.Fatal("a browser accepting gzip gets no gzip")
			}
			zr, err := gzip.NewReader(zipped.Body)
			if err != nil {
				t.Fatal(err)
			}
			unzipped, _ := io.ReadAll(zr)
			if string(unzipped) != string(raw) {
				t.Error("the gzipped body is not the file")
			}
		})
	}
}
