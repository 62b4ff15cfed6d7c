package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestLiveBlocksResumeExactly: a reconnect (Last-Event-ID) first replaces
// what the page shows with the answer up to that offset, its finished
// blocks rendered and the rest as text, then goes on from exactly there; a
// page that asks with ?offset= already shows that, and gets no such event.
func TestLiveBlocksResumeExactly(t *testing.T) {
	app := newTestApp(t, chat.Config{})
	answer := "A **bold** start.\n\n- one\n- two\n\nThe end."
	app.fake.Push(fakeopenai.Reply{Chunks: []string{answer}})
	b := app.browser(true)
	d := doc(t, b.post("/c", url.Values{"message": {"lists?"}}))
	events := d.Find(`[data-role="assistant"]`).AttrOr("sse-connect", "")
	res := b.get(events)
	readEvents(t, res.Body) // to its end: the answer is done
	res.Body.Close()

	cut := strings.Index(answer, "- two") + 2 // the list is not finished yet
	tests := []struct {
		name      string
		header    http.Header
		query     string
		wantReset bool
	}{
		{name: "reconnect", header: http.Header{"Last-Event-ID": {strconv.Itoa(cut)}}, wantReset: true},
		{name: "page load", query: "?offset=" + strconv.Itoa(cut)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.do("GET", events+tt.query, nil, tt.header)
			evs := readEvents(t, res.Body)
			res.Body.Close()
			if len(evs) == 0 {
				t.Fatal("no events")
			}
			first := evs[0]
			isReset := first.name == "blocks" && strings.Contains(first.data, `hx-swap-oob="innerHTML:#live-blocks-`)
			if isReset != tt.wantReset {
				t.Fatalf("first event %s %q, want a reset: %v", first.name, first.data, tt.wantReset)
			}
			if tt.wantReset {
				if first.id != strconv.Itoa(cut) {
					t.Errorf("the reset has id %q, want the offset %d", first.id, cut)
				}
				if !strings.Contains(first.data, "<p>A <strong>bold</strong> start.</p>") {
					t.Errorf("the reset does not show the finished paragraph rendered: %q", first.data)
				}
				if !strings.HasSuffix(first.data, ">- one\n- </div>") {
					t.Errorf("the reset does not end with the unfinished list as text: %q", first.data)
				}
				evs = evs[1:]
			}
			// What follows starts exactly at the offset: the next event
			// finishes the list, whose text the page already shows.
			next := evs[0]
			if next.name != "blocks" || !strings.Contains(next.data, "<li>two</li>") || !strings.HasSuffix(next.data, ">The end.</div>") {
				t.Errorf("after the offset: %s %q, want the list finished and the last paragraph as tail", next.name, next.data)
			}
			if next.id != strconv.Itoa(len(answer)) {
				t.Errorf("the event after the offset has id %q, want %d", next.id, len(answer))
			}
		})
	}
}
