package cite

import (
	"strings"
	"testing"
)

var sections = map[string]string{"ml-tools": "ML tools", "genai-tools": "Gen AI <tools>"}

func lookup(id string) (Passage, bool) {
	t, ok := sections[id]
	return Passage{Title: t, URL: "/source#" + id}, ok
}

func TestLiveAppendHTML(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		final    bool
		want     string
		consumed int // -1: all of raw
		unknown  []string
	}{
		{name: "plain text is escaped", raw: `a <b> & "c"`, want: `a &lt;b&gt; &amp; &#34;c&#34;`, consumed: -1},
		{name: "known marker becomes link", raw: "Python [§ml-tools].", want: "Python " + link(1, "ml-tools", "ML tools") + ".", consumed: -1},
		{name: "unknown marker is dropped", raw: "Pay [§salaries] well", want: "Pay  well", consumed: -1, unknown: []string{"salaries"}},
		{name: "numbers follow first citation, reused", raw: "[§genai-tools][§ml-tools][§genai-tools]",
			want: link(1, "genai-tools", "Gen AI <tools>") + link(2, "ml-tools", "ML tools") + link(1, "genai-tools", "Gen AI <tools>"), consumed: -1},
		{name: "cut marker is held back", raw: "Python [§ml-to", want: "Python ", consumed: 7},
		{name: "cut after the bracket is held back", raw: "Python [", want: "Python ", consumed: 7},
		{name: "cut inside the section sign is held back", raw: "Python [\xc2", want: "Python ", consumed: 7},
		{name: "cut marker at the end of the answer is text", raw: "Python [§ml-to", final: true, want: "Python [§ml-to", consumed: -1},
		{name: "brackets that are not markers stay", raw: "[1] and [§ Bad] and [§UPPER]", want: "[1] and [§ Bad] and [§UPPER]", consumed: -1},
		{name: "empty id is not a marker", raw: "[§]", want: "[§]", consumed: -1},
		{name: "too long an id is not a marker", raw: "[§" + strings.Repeat("a", 65) + "]", want: "[§" + strings.Repeat("a", 65) + "]", consumed: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLive(lookup)
			got, n := l.AppendHTML(nil, tt.raw, tt.final)
			if tt.consumed == -1 {
				tt.consumed = len(tt.raw)
			}
			if string(got) != tt.want || n != tt.consumed {
				t.Errorf("AppendHTML(%q) = %q, %d; want %q, %d", tt.raw, got, n, tt.want, tt.consumed)
			}
			if got := Unknown(tt.raw, lookup); strings.Join(got, ",") != strings.Join(tt.unknown, ",") {
				t.Errorf("unknown = %q, want %q", got, tt.unknown)
			}
		})
	}
}

// TestLiveAcrossDeltas feeds an answer the way the stream does: whatever is
// new since the last offset, holding back cut markers.
func TestLiveAcrossDeltas(t *testing.T) {
	deltas := []string{"Uses Python [§ml", "-tools] and ", "React [", "§genai-tools][§nope].", ""}
	l := NewLive(lookup)
	var raw string
	var out []byte
	offset := 0
	for i, d := range deltas {
		raw += d
		var n int
		out, n = l.AppendHTML(out, raw[offset:], i == len(deltas)-1)
		offset += n
	}
	want := "Uses Python " + link(1, "ml-tools", "ML tools") + " and React " + link(2, "genai-tools", "Gen AI <tools>") + "."
	if string(out) != want || offset != len(raw) {
		t.Errorf("streamed %q (offset %d of %d)\nwant     %q", out, offset, len(raw), want)
	}
	if got := Unknown(raw, lookup); len(got) != 1 || got[0] != "nope" {
		t.Errorf("unknown = %q", got)
	}
}

func TestUnknown(t *testing.T) {
	got := Unknown("a [§ml-tools] b [§made-up] c [§x", lookup)
	if strings.Join(got, ",") != "made-up" {
		t.Errorf("Unknown = %q", got)
	}
}

func link(n int, id, title string) string {
	return string(AppendLink(nil, n, id, Passage{Title: title, URL: "/source#" + id}))
}

func TestAppendLink(t *testing.T) {
	got := link(2, "genai-tools", `Gen AI <tools> "x"`)
	want := `<sup class="cite"><a data-testid="citation" data-section="genai-tools" href="/source#genai-tools" aria-label="Source 2: Gen AI &lt;tools&gt; &#34;x&#34;">2</a></sup>`
	if got != want {
		t.Errorf("link =\n%s\nwant\n%s", got, want)
	}
}

func BenchmarkLive(b *testing.B) {
	raw := strings.Repeat("Python and PyTorch [§ml-tools] are used daily. ", 20)
	var buf []byte
	for b.Loop() {
		l := NewLive(lookup)
		buf, _ = l.AppendHTML(buf[:0], raw, true)
	}
}

func TestReplace(t *testing.T) {
	drop := func(string) string { return "" }
	note := func(id string) string { return "<" + id + ">" }
	tests := []struct {
		in   string
		repl func(string) string
		want string
	}{
		{"no markers [1]", note, "no markers [1]"},
		{"[§a]", drop, ""},
		{"x [§a] y [§b-2] z [§cut", note, "x <a> y <b-2> z [§cut"},
	}
	for _, tt := range tests {
		if got := Replace(tt.in, tt.repl); got != tt.want {
			t.Errorf("Replace(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
