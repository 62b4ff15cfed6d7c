package markdown

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // substrings the HTML must contain
		mustNot []string // substrings it must never contain
	}{
		{name: "emphasis and lists", in: "**Chef** builds:\n\n- models\n- data", want: []string{"<strong>Chef</strong>", "<li>models</li>", "<li>data</li>"}},
		{name: "table (GFM)", in: "| a | b |\n|---|---|\n| 1 | 2 |", want: []string{"<table>", "<td>1</td>"}},
		{name: "script tag shown as text, never run", in: "hi <script>alert(1)</script>", want: []string{"hi", "&lt;script&gt;"}, mustNot: []string{"<script"}},
		{name: "event handler never an attribute", in: `<img src="x" onerror="alert(1)">`, mustNot: []string{"<img", `onerror="`}},
		{name: "image with script URL", in: `![x](javascript:alert(1))`, mustNot: []string{"javascript:"}},
		{name: "javascript link removed", in: "[click](javascript:alert(1))", mustNot: []string{"javascript:"}},
		{name: "iframe never an element", in: `<iframe src="https://evil.example"></iframe>`, mustNot: []string{"<iframe"}},
		{name: "HTML in code stays code", in: "`<b>`", want: []string{"<code>&lt;b&gt;</code>"}},
		{name: "external link opens safely", in: "[docs](https://example.com)", want: []string{`href="https://example.com"`, `target="_blank"`, `noreferrer`}},
		{name: "HTML in prose is shown as text", in: "Wrap it in <div> tags.\n\n<section>\nhi\n</section>", want: []string{"Wrap it in &lt;div&gt; tags.", "&lt;section&gt;"}},
		{name: "text is escaped", in: "a < b & c", want: []string{"a &lt; b &amp; c"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Render(tt.in)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render(%q) = %q, want it to contain %q", tt.in, got, w)
				}
			}
			for _, bad := range tt.mustNot {
				if strings.Contains(strings.ToLower(got), bad) {
					t.Errorf("Render(%q) = %q, must not contain %q", tt.in, got, bad)
				}
			}
		})
	}
}

func BenchmarkRender(b *testing.B) {
	src := strings.Repeat("An **ML engineer** trains models with `PyTorch`.\n\n- one\n- two\n\n", 20)
	for b.Loop() {
		Render(src)
	}
}
