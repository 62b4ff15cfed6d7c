package fakeopenai

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"
)

// The wire formats of real servers, one HTTP response a file, written from
// each server's documented streaming format (see wire/README.md). The fake
// replays them byte for byte, so a test sees what a client of that server
// reads.
//
//go:embed wire/*.http
var wireFiles embed.FS

// Recorded returns the reply that replays wire/<name>.http, such as
// "azure-content-filter". It panics on an unknown name: the files are
// compiled in, so a typo fails the test that made it.
func Recorded(name string) Reply {
	b, err := wireFiles.ReadFile(path.Join("wire", name+".http"))
	if err != nil {
		panic(fmt.Sprintf("fakeopenai: no recorded reply %q", name))
	}
	return Reply{Recorded: b}
}

// RecordedNames lists the recorded replies.
func RecordedNames() []string {
	entries, _ := wireFiles.ReadDir("wire")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".http"))
	}
	return names
}

// replay writes a recorded HTTP response: its status and headers, then its
// body one event (up to a blank line) at a time, flushed, as a server
// streams it.
func (s *Server) replay(w http.ResponseWriter, raw []byte) {
	// The files are written by hand with LF line ends; HTTP wants CRLF
	// in the head only.
	head, body, _ := bytes.Cut(raw, []byte("\n\n"))
	head = bytes.ReplaceAll(head, []byte("\n"), []byte("\r\n"))
	res, err := http.ReadResponse(bufio.NewReader(io.MultiReader(bytes.NewReader(head), strings.NewReader("\r\n\r\n"))), nil)
	if err != nil {
		http.Error(w, "fakeopenai: bad recorded reply: "+err.Error(), http.StatusInternalServerError)
		return
	}
	res.Body.Close()
	for k, vs := range res.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(res.StatusCode)
	rc := http.NewResponseController(w)
	for len(body) > 0 {
		event, rest, found := bytes.Cut(body, []byte("\n\n"))
		if found {
			event = append(event, "\n\n"...)
		}
		if _, err := w.Write(event); err != nil {
			return
		}
		rc.Flush()
		body = rest
	}
}
