package markdown

import (
	"regexp"
	"strings"
	"testing"
)

func TestLiveRendersEachFinishedBlock(t *testing.T) {
	tests := []struct {
		name       string
		pieces     []string
		wantBlocks []string // after each piece, the blocks shown
		wantTail   []string // and the tail shown
		wantOpen   []string // and the finished items of an unfinished list (nil: none ever)
	}{
		{
			name:       "a paragraph is rendered once the next block begins",
			pieces:     []string{"Some **bo", "ld** text.\n", "\n", "- o", "ne\n", "- two\n\nEnd"},
			wantBlocks: []string{"", "", "", "", "<p>Some <strong>bold</strong> text.</p>\n", "<p>Some <strong>bold</strong> text.</p>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"},
			wantTail:   []string{"Some **bo", "Some **bold** text.\n", "Some **bold** text.\n\n", "Some **bold** text.\n\n- o", "- one\n", "End"},
		},
		{
			name:       "a code block waits for its closing fence and the next block",
			pieces:     []string{"```go\nx := 1\n\ny", " := 2\n```\n", "Done"},
			wantBlocks: []string{"", "", "<pre><code>x := 1\n\ny := 2\n</code></pre>\n"},
			wantTail:   []string{"```go\nx := 1\n\ny", "```go\nx := 1\n\ny := 2\n```\n", "Done"},
		},
		{
			name:       "a table",
			pieces:     []string{"| a | b |\n|---|---|\n| 1 | 2 |\n\n", "# Next\n"},
			wantBlocks: []string{"", "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>\n"},
			wantTail:   []string{"| a | b |\n|---|---|\n| 1 | 2 |\n\n", "# Next\n"},
		},
		{
			name:       "a list goes on across a blank line",
			pieces:     []string{"- a\n\n", "- b\n\n", "after"},
			wantBlocks: []string{"", "", "<ul>\n<li>\n<p>a</p>\n</li>\n<li>\n<p>b</p>\n</li>\n</ul>\n"},
			wantTail:   []string{"- a\n\n", "- b\n\n", "after"},
			wantOpen:   []string{"", "<ul>\n<li>\n<p>a</p>\n</li>\n</ul>\n", ""},
		},
		{
			name:       "each item of a list is rendered once the next line begins",
			pieces:     []string{"3. **one** [§a]\n", "4. two", "\n5. three\n", "   more\n", "\nEnd [§genai-developer-tools]"},
			wantBlocks: []string{"", "", "", "", `<ol>` + "\n" + `<li><strong>one</strong> <sup class="cite"><a data-testid="citation" data-section="a" href="/source#a" aria-label="Source 1: A" rel="nofollow">1</a></sup></li>` + "\n<li>two</li>\n<li>three\nmore</li>\n</ol>\n"},
			wantTail:   []string{"3. **one** " + `<sup class="cite"><a data-testid="citation" data-section="a" href="/source#a" aria-label="Source 1: A">1</a></sup>` + "\n", "3. **one** " + `<sup class="cite"><a data-testid="citation" data-section="a" href="/source#a" aria-label="Source 1: A">1</a></sup>` + "\n4. two", "5. three\n", "5. three\n   more\n", "End " + `<sup class="cite"><a data-testid="citation" data-section="genai-developer-tools" href="/source#genai-developer-tools" aria-label="Source 2: Gen AI &lt;tools&gt; &amp; &#34;quotes&#34; &#39;too&#39;">2</a></sup>`},
			wantOpen:   []string{"", "", `<ol>` + "\n" + `<li><strong>one</strong> <sup class="cite"><a data-testid="citation" data-section="a" href="/source#a" aria-label="Source 1: A" rel="nofollow">1</a></sup></li>` + "\n<li>two</li>\n</ol>\n", `<ol>` + "\n" + `<li><strong>one</strong> <sup class="cite"><a data-testid="citation" data-section="a" href="/source#a" aria-label="Source 1: A" rel="nofollow">1</a></sup></li>` + "\n<li>two</li>\n</ol>\n", ""},
		},
		{
			name:       "a setext heading and a fenced block keep their first line",
			pieces:     []string{"Title\n===\n", "```\n", "code\n```\n", "x"},
			wantBlocks: []string{"", "<h1>Title</h1>\n", "<h1>Title</h1>\n", "<h1>Title</h1>\n<pre><code>code\n</code></pre>\n"},
			wantTail:   []string{"Title\n===\n", "```\n", "```\ncode\n```\n", "x"},
		},
		{
			name:       "raw HTML stays text in blocks and tail",
			pieces:     []string{"<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>", "\n\nok"},
			wantBlocks: []string{"", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n<p>&lt;img src=x onerror=alert(1)&gt;</p>\n"},
			wantTail:   []string{"&lt;script&gt;alert(1)&lt;/script&gt;\n\n&lt;img src=x onerror=alert(1)&gt;", "ok"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := fuzzRenderer.Live()

			var shown strings.Builder
			tail, open := "", ""
			held := ""
			for i, p := range tt.pieces {
				raw := held + p
				step := l.Append(raw, false)
				held = raw[step.Used:]
				shown.Write(step.Blocks)
				if step.Replace {
					tail, open = string(step.Tail), string(step.Open)
				} else {
					tail += string(step.Tail)
				}
				wantOpen := ""
				if tt.wantOpen != nil {
					wantOpen = tt.wantOpen[i]
				}
				if open != wantOpen {
					t.Errorf("after piece %d %q the open list is\n%q\nwant\n%q", i+1, p, open, wantOpen)
				}
				if shown.String() != tt.wantBlocks[i] {
					t.Errorf("after piece %d %q the blocks are\n%q\nwant\n%q", i+1, p, shown.String(), tt.wantBlocks[i])
				}
				if tail != tt.wantTail[i] {
					t.Errorf("after piece %d %q the tail is %q, want %q", i+1, p, tail, tt.wantTail[i])
				}
			}
		})
	}
}

// TestLiveNumbersCitationsAsTheFinalRendering checks that a citation keeps
// its number from the moment it streams in, through the block that holds it
// being rendered, to the final rendering.
func TestLiveNumbersCitationsAsTheFinalRendering(t *testing.T) {
	src := "First [§ml-engineer-tools] and [§a].\n\n- again [§a]\n- new [§genai-developer-tools]\n\nLast [§ml-engineer-tools] [§a] [§genai-developer-tools]"
	final := New(fuzzLookup).Render(src)
	l := fuzzRenderer.Live()
	var page strings.Builder
	tail := ""
	held := ""
	for i := 0; i < len(src); i += 3 {
		raw := held + src[i:min(i+3, len(src))]
		step := l.Append(raw, false)
		held = raw[step.Used:]
		page.Write(step.Blocks)
		if step.Replace {
			tail = string(step.Tail)
		} else {
			tail += string(step.Tail)
		}
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`data-section="ml-engineer-tools"[^>]*>1</a>`),
		regexp.MustCompile(`data-section="a"[^>]*>2</a>`),
		regexp.MustCompile(`data-section="genai-developer-tools"[^>]*>3</a>`),
	} {
		if !want.MatchString(final) {
			t.Fatalf("the final rendering lacks %s:\n%s", want, final)
		}
		if !want.MatchString(page.String()) {
			t.Errorf("the live blocks lack %s:\n%s", want, page.String())
		}
		if !want.MatchString(tail) {
			t.Errorf("the live tail lacks %s:\n%s", want, tail)
		}
	}
	if !strings.HasPrefix(final, page.String()) {
		t.Errorf("the live blocks\n%s\nare not the start of the final rendering\n%s", page.String(), final)
	}
}

// BenchmarkLiveAppend streams a typical answer (paragraphs with emphasis and
// citations, a list, a code block, a table) in 4-byte deltas. ns/op is for
// the whole answer; ns/delta is what each piece costs.
func BenchmarkLiveAppend(b *testing.B) {
	src := strings.Repeat("An **ML engineer** trains models with `PyTorch` [§ml-engineer-tools], then ships them.\n\n"+
		"- collects and cleans data\n- trains and tunes models [§a]\n- deploys them\n\n"+
		"```python\nmodel.fit(x, y)\nmodel.save('m')\n```\n\n| role | tools |\n|---|---|\n| ML | PyTorch |\n\n", 5)
	deltas := 0
	for b.Loop() {
		l := fuzzRenderer.Live()
		held := ""
		for i := 0; i < len(src); i += 4 {
			raw := held + src[i:min(i+4, len(src))]
			step := l.Append(raw, false)
			held = raw[step.Used:]
			deltas++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(deltas), "ns/delta")
}
