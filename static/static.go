// Package static holds the files the browser loads besides the page: the
// stylesheet, the small script that makes the composer pleasant, and htmx
// with its SSE extension, which the build copies from npm into vendor/ (they
// are not committed; see package.json). Everything is embedded, so the
// binary needs nothing from a CDN or the disk at run time.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
)

//go:embed *.css *.js *.svg vendor/*.js
var files embed.FS

// asset is one file, prepared once: its fingerprint for cache busting and a
// gzipped copy, since htmx alone is 50 KB raw and 17 KB gzipped.
type asset struct {
	body, gzipped []byte
	version       string
	contentType   string
}

// contentTypes are the types of the embedded files. They are listed here
// rather than asked of package mime, whose answer depends on the host's
// mime.types files and whose tables take 700 KB of memory to say these.
var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

// assets is computed once from the embedded files and never changes.
var assets = mustLoad()

func mustLoad() map[string]*asset {
	out := make(map[string]*asset)
	// One compressor, reset per file: each costs about a megabyte of
	// working memory, which would otherwise stay in the process's RSS.
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestCompression)
	err := fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		var gz bytes.Buffer
		zw.Reset(&gz)
		zw.Write(body)
		zw.Close()
		out[name] = &asset{
			body:        body,
			gzipped:     gz.Bytes(),
			version:     hex.EncodeToString(sum[:6]),
			contentType: contentTypes[path.Ext(name)],
		}
		if out[name].contentType == "" {
			return fmt.Errorf("%s: no content type for its extension", name)
		}
		return nil
	})
	if err != nil {
		panic("static: load embedded files: " + err.Error())
	}
	return out
}

// Path returns the URL of an embedded file, fingerprinted so browsers may
// cache it forever and still get a new version after an upgrade.
func Path(name string) string {
	a, ok := assets[name]
	if !ok {
		panic("static: no embedded file " + name) // a typo in a template; tests render every page
	}
	return "/static/" + name + "?v=" + a.version
}

// Handler serves the embedded files under /static/.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/static/")
		a, ok := assets[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", a.contentType)
		h.Set("Vary", "Accept-Encoding")
		if r.URL.Query().Get("v") == a.version {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		h.Set("ETag", `"`+a.version+`"`)
		if r.Header.Get("If-None-Match") == `"`+a.version+`"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		body := a.body
		if acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body = a.gzipped
		}
		w.Write(body)
	})
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if v, err := strconv.ParseFloat(q, 64); err == nil && v == 0 {
				return false // "gzip;q=0" means: never gzip
			}
		}
		return true
	}
	return false
}
