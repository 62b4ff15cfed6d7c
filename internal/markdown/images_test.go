package markdown

import (
	"strings"
	"testing"
)

func TestImagesBecomeLinks(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"image with alt text", "See ![the chart](https://example.com/chart.png?who=you).",
			[]string{`<a href="https://example.com/chart.png?who=you" rel="nofollow noreferrer noopener" target="_blank">the chart</a>`}},
		{"image without alt text shows its address", "![](https://example.com/a.png)",
			[]string{`>https://example.com/a.png</a>`}},
		{"image inside a link is its alt text", "[![logo](https://example.com/l.png)](https://example.com)",
			[]string{`<a href="https://example.com" rel="nofollow noreferrer noopener" target="_blank">logo</a>`}},
		{"script URL", "![x](javascript:alert(1))", []string{`x`}},
		{"relative", "![x](x)", []string{`<a href="x" rel="nofollow">x</a>`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Render(tt.in)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render(%q) = %q, want it to contain %q", tt.in, got, w)
				}
			}
			if strings.Contains(got, "<img") || strings.Contains(got, "javascript") || strings.Count(got, "<a ") > 1 {
				t.Errorf("Render(%q) = %q: want one link and no image", tt.in, got)
			}
		})
	}
}

// TestLeadingTagDoesNotSwallowMarkdown: a line starting with a tag used to
// open an HTML block, which kept the Markdown and the citations after it as
// raw text in the final rendering, though the stream showed the citations
// as links.
func TestLeadingTagDoesNotSwallowMarkdown(t *testing.T) {
	r := New(fuzzLookup)
	tests := []struct {
		name, in string
		want     []string
	}{
		{"div", "<div>\n**Tools** matter [§a].\n</div>",
			[]string{"&lt;div&gt;", "<strong>Tools</strong>", `data-section="a"`, "&lt;/div&gt;"}},
		{"script", "<script>\nalert(1)\n\n*still* [§a]\n</script>",
			[]string{"&lt;script&gt;", "alert(1)", "<em>still</em>", `data-section="a"`}},
		{"comment", "<!-- a\n\n**b** -->", []string{"&lt;!-- a", "<strong>b</strong>"}},
		{"tag interrupting a paragraph", "Intro line\n<section>[§a]", []string{"Intro line", "&lt;section&gt;", `data-section="a"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := r.Render(tt.in)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render(%q) =\n%s\nwant it to contain %q", tt.in, got, w)
				}
			}
			if p := unsafeHTML(got); len(p) > 0 {
				t.Errorf("Render(%q) is unsafe: %q", tt.in, p)
			}
		})
	}
}
