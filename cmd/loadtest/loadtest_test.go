package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRunSmall runs the whole tool, small, against the real server binary.
func TestRunSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the server")
	}
	bin := filepath.Join(t.TempDir(), "rolefit")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/rolefit/rolefit/cmd/web").CombinedOutput(); err != nil {
		t.Fatalf("go build cmd/web: %v\n%s", err, out)
	}
	cfg := Config{Bin: bin, Conversations: 20, Chunks: 30, Pace: time.Millisecond, Timeout: time.Minute}
	rep, err := run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if !rep.OK() || rep.Errors != 0 || rep.Exact != cfg.Conversations {
		t.Errorf("exact %d/%d, errors %d: %q", rep.Exact, cfg.Conversations, rep.Errors, rep.FirstErrors)
	}
	if rep.UpstreamCalls != cfg.Conversations {
		t.Errorf("upstream calls = %d, want %d", rep.UpstreamCalls, cfg.Conversations)
	}
	if rep.TTFT.N != cfg.Conversations || rep.TTFT.P50 <= 0 {
		t.Errorf("TTFT = %+v, want one positive sample per conversation", rep.TTFT)
	}
	if rep.Relay.N != cfg.Conversations*cfg.Chunks {
		t.Errorf("relay samples = %d, want one per chunk (%d)", rep.Relay.N, cfg.Conversations*cfg.Chunks)
	}
	if rep.DeltaEvents < cfg.Conversations || rep.DeltaEvents > cfg.Conversations*cfg.Chunks {
		t.Errorf("delta events = %d, want between %d and %d", rep.DeltaEvents, cfg.Conversations, cfg.Conversations*cfg.Chunks)
	}
	if rep.Resources.PeakRSSKB <= 0 || rep.Resources.PeakRSSKB < rep.Resources.EndRSSKB {
		t.Errorf("resources = %+v, want a peak at least the final RSS", rep.Resources)
	}
	if rep.ServerLog.Lines != 0 {
		t.Errorf("server logged %d warnings or errors: %q", rep.ServerLog.Lines, rep.ServerLog.First)
	}
}

// The checker is only as good as its parser: it must read events exactly
// as a browser does.
func TestEventReader(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []event
	}{
		{
			name:   "retry and comments dispatch nothing",
			stream: "retry: 1000\n\n: keep-alive\n\nevent: delta\nid: 2\ndata: hi\n\n",
			want:   []event{{"delta", "2", "hi"}},
		},
		{
			name:   "data lines join with newlines and keep leading spaces after the first",
			stream: "event: delta\nid: 9\ndata:  a\ndata: \ndata: b &amp;\n\n",
			want:   []event{{"delta", "9", " a\n\nb &amp;"}},
		},
		{
			name:   "consecutive events",
			stream: "event: delta\nid: 1\ndata: x\n\nevent: end\ndata: <article data-state=\"done\">\n\n",
			want:   []event{{"delta", "1", "x"}, {"end", "", `<article data-state="done">`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newEventReader(strings.NewReader(tt.stream))
			for i, want := range tt.want {
				got, err := r.next()
				if err != nil || got != want {
					t.Fatalf("event %d = %+v, %v; want %+v", i, got, err, want)
				}
			}
			if _, err := r.next(); err == nil {
				t.Error("reading past the last event did not fail")
			}
		})
	}
}

// A lagging watcher gets several chunks in one event; each chunk's latency
// runs to the event that first covered it.
func TestRelayPairsChunksWithCoveringEvent(t *testing.T) {
	t0 := time.Unix(0, 0)
	a := &answer{
		chunks:   []string{"ab", "c", "de"},
		ends:     []int{2, 3, 5},
		released: []time.Time{t0, t0.Add(10 * time.Millisecond), t0.Add(20 * time.Millisecond)},
	}
	got := a.relay([]received{{offset: 2, at: t0.Add(1 * time.Millisecond)}, {offset: 5, at: t0.Add(25 * time.Millisecond)}})
	want := []time.Duration{1 * time.Millisecond, 15 * time.Millisecond, 5 * time.Millisecond}
	if len(got) != len(want) {
		t.Fatalf("relay = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("relay = %v, want %v", got, want)
			break
		}
	}
}

// The checker must catch what the load tool exists to find.
func TestCheckCatchesWrongAnswers(t *testing.T) {
	u := &upstream{}
	for k := range 2 {
		u.answers = append(u.answers, newAnswer(k, 3, false))
	}
	whole := func(k int) string { return strings.Join(u.answers[k].chunks, "") }
	tests := []struct {
		name      string
		texts     []string
		wantExact int
		wantErr   string
	}{
		{"all exact", []string{whole(1), whole(0)}, 2, ""},
		{"same answer twice", []string{whole(0), whole(0)}, 1, "both received answer 0"},
		{"a lost delta", []string{whole(0), whole(1)[:len(whole(1))-1]}, 1, "differs"},
		{"no tag", []string{whole(0), "Hello from the fake model."}, 1, "names no scripted reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var convs []*conversation
			for i, text := range tt.texts {
				convs = append(convs, &conversation{index: i, text: text, ttft: time.Millisecond})
			}
			var rep Report
			errs := &failures{}
			u.check(convs, &rep, errs)
			if rep.Exact != tt.wantExact {
				t.Errorf("exact = %d, want %d", rep.Exact, tt.wantExact)
			}
			if tt.wantErr == "" && errs.n != 0 || tt.wantErr != "" && (errs.n != 1 || !strings.Contains(errs.first[0], tt.wantErr)) {
				t.Errorf("errors = %d %q, want one saying %q", errs.n, errs.first, tt.wantErr)
			}
		})
	}
}
