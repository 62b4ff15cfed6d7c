package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
	"github.com/rolefit/rolefit/internal/markdown"
	"github.com/rolefit/rolefit/views"
)

// Every payload tries both ways to show it ran: a dialog, which the trap
// below catches, and a marker the page's own check reads.
const xssRun = `window.__xss=1;alert(1)`

// hostileChunks is an answer a model talked into attacking its reader
// writes, one delta per element: script, event handlers, javascript: URLs
// in every Markdown and HTML spelling, a forged citation, markup that tries
// to break out of an attribute, and tags cut across deltas so that no one
// delta holds a whole tag.
var hostileChunks = []string{
	"Here is what you asked about.\n\n",
	"<script>" + xssRun + "</script>\n\n",
	`<img src=x onerror="` + xssRun + `">` + "\n\n",
	"[click](javascript:" + xssRun + ")\n\n",
	`<iframe src="javascript:` + xssRun + `"></iframe>` + "\n\n",
	`<svg onload="` + xssRun + `"><script>` + xssRun + `</script></svg>` + "\n\n",
	"[x](jaVaScRiPt:" + xssRun + ") [x](&#106;avascript:" + xssRun + ") [x](java&#x09;script:" + xssRun + ") ![x](javascript:" + xssRun + ")\n\n",
	`<a href="javascript:` + xssRun + `">x</a> <javascript:` + xssRun + `>` + "\n\n",
	`<a data-testid="citation" data-section="ml-engineer-tools" href="javascript:` + xssRun + `">1</a>` + "\n\n",
	`"><img src=x onerror="` + xssRun + `"> '><img src=x onerror='` + xssRun + `'>` + "\n\n",
	"<scr", "ipt>" + xssRun + "</scr", "ipt>\n\n",
	"<img src=x on", `error="` + xssRun + `">` + "\n\n",
	`<details open ontoggle="` + xssRun + `">x</details> <object data="javascript:` + xssRun + `"></object> <form action="javascript:` + xssRun + `"><button>go</button></form>` + "\n\n",
	`[x](https://example.com "a\" onmouseover=\"` + xssRun + `") [§ml-engineer-tools"><img src=x onerror=` + xssRun + `>]` + "\n\n",
	// An image would be fetched from the model's choice of host (the CSP
	// would block it, with a violation in the console): it is a link.
	"![tracking pixel](https://images.invalid/pixel.png?leak=question) ![x](x)\n\n",
	"That is all.",
}

// xssCheck lists, as one string, every sign in the page that hostile
// content became markup or ran: the marker set, elements that run or load
// things, event handler attributes, and script URLs, in #messages.
const xssCheck = `(() => {
	const problems = [];
	if (window.__xss !== 0) problems.push('window.__xss is ' + String(window.__xss));
	const root = document.querySelector('#messages');
	if (!root) return 'no #messages';
	const bad = root.querySelectorAll('script:not([src]), img, iframe, svg, math, object, embed, style, [onerror], [onload], a[href^="javascript" i], img[src="x"]');
	for (const el of bad) problems.push('element ' + el.outerHTML.slice(0, 160));
	const urlAttrs = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'srcdoc'];
	for (const el of root.querySelectorAll('*')) {
		for (const a of el.attributes) {
			const v = a.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
			if (a.name.startsWith('on') || a.name === 'style' || (urlAttrs.includes(a.name) && /^(javascript|vbscript|data):/.test(v))) {
				problems.push('attribute ' + a.name + '="' + a.value + '" on <' + el.localName + '>');
			}
		}
	}
	for (const a of root.querySelectorAll('a[data-testid=citation]')) {
		if (a.getAttribute('href') !== '/source#' + a.dataset.section) problems.push('citation ' + a.outerHTML);
	}
	return problems.join('\n');
})()`

// xssTraps sets the traps before the page loads: window.__xss is 0 in every
// document the tab opens (so a check can tell "never set" from "a different
// page"), and every JavaScript dialog is recorded and dismissed. It checks
// that the dialog trap catches a dialog before it returns.
type xssTraps struct {
	mu      sync.Mutex
	dialogs []string
}

func setXSSTraps(t *testing.T, ctx context.Context) *xssTraps {
	t.Helper()
	traps := &xssTraps{}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: "window.__xss = 0;"}); err != nil {
		t.Fatal(err)
	}
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			traps.mu.Lock()
			traps.dialogs = append(traps.dialogs, string(ev.Type)+": "+ev.Message)
			traps.mu.Unlock()
			// A dialog blocks the page, and every check with it.
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return traps
}

// armed proves the dialog trap works on the loaded page, then empties it.
func (x *xssTraps) armed(t *testing.T, ctx context.Context) {
	t.Helper()
	eval[bool](t, ctx, `alert('trap check'), true`)
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.dialogs) != 1 || !strings.Contains(x.dialogs[0], "trap check") {
		t.Fatalf("the dialog trap caught %q, want the test's own alert", x.dialogs)
	}
	x.dialogs = nil
	if v := eval[int](t, ctx, `window.__xss`); v != 0 {
		t.Fatalf("window.__xss = %d before anything ran, want the trap's 0", v)
	}
}

// check fails the test on any sign that hostile content ran or became
// markup.
func (x *xssTraps) check(t *testing.T, ctx context.Context, when string) {
	t.Helper()
	if problems := eval[string](t, ctx, xssCheck); problems != "" {
		t.Errorf("%s:\n%s", when, problems)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.dialogs) > 0 {
		t.Errorf("%s: the page opened dialogs %q", when, x.dialogs)
		x.dialogs = nil
	}
}

const (
	liveTail = `(document.querySelector('[data-testid=message][data-role=assistant]:last-child .live-tail')?.textContent ?? '')`
	// The finished blocks, and the finished items of a list being written.
	liveBlocks = `[...document.querySelectorAll('[data-testid=message][data-role=assistant]:last-child :is(.live-blocks, .live-open)')].map(e => e.textContent).join('')`
)

// htmlText is the text of an HTML fragment, as textContent reads it.
func htmlText(t *testing.T, fragment string) string {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(fragment))
	if err != nil {
		t.Fatal(err)
	}
	return d.Text()
}

// words is s with its white space collapsed: blocks rendered one by one
// and all at once differ only in the line breaks between them.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserHostileAnswerNeverRuns streams a hostile answer into a real
// browser, a delta at a time, and checks after every delta, after the final
// rendering, and after a reload that nothing ran and no element or
// attribute of the attacker's exists; the question itself is hostile too.
// browserTab also fails the test on any console error or CSP violation:
// the CSP would only have something to block if markup got through.
func TestBrowserHostileAnswerNeverRuns(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	gate := make(chan struct{})
	fake.Push(fakeopenai.Reply{Chunks: hostileChunks, Gate: gate})

	ctx := browserTab(t)
	traps := setXSSTraps(t, ctx)
	do(t, ctx,
		chromedp.Navigate(url),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
	)
	traps.armed(t, ctx)

	question := `<img src=x onerror="` + xssRun + `"> What does an ML engineer "really" do?</textarea><script>` + xssRun + `</script>`
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), question+kb.Enter))
	userText := `(document.querySelector('[data-testid=message][data-role=user] .text')?.textContent ?? '')`
	waitFor(t, ctx, "the question's bubble", userText+` === `+jsString(question))
	traps.check(t, ctx, "after the question was sent")

	call, err := fake.NextCall(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := call.Request.Messages[len(call.Request.Messages)-1].Content; got != question {
		t.Errorf("the model was asked %q, want the question as typed", got)
	}

	// While streaming: the unfinished block is exactly the deltas, as text,
	// and the finished blocks read as the final renderer renders them.
	render := markdown.New(views.CitedPassage)
	received := ""
	for i, chunk := range hostileChunks[:len(hostileChunks)-1] {
		gate <- struct{}{}
		received += chunk
		// Stop waiting as soon as anything got through, to say what.
		waitFor(t, ctx, fmt.Sprintf("delta %d", i+1), liveTail+`.endsWith(`+jsString(chunk)+`) || `+xssCheck+` !== ''`)
		traps.check(t, ctx, fmt.Sprintf("while streaming, after delta %d %q", i+1, chunk))
		if t.Failed() {
			t.FailNow()
		}
		tail := eval[string](t, ctx, liveTail)
		if !strings.HasSuffix(received, tail) {
			t.Fatalf("after delta %d the unfinished text reads\n%s\nwhich is not the end of what the model sent\n%s", i+1, tail, received)
		}
		finished := received[:len(received)-len(tail)]
		if got, want := words(eval[string](t, ctx, liveBlocks)), words(htmlText(t, render.Render(finished))); got != want {
			t.Fatalf("after delta %d the finished blocks read\n%s\nwant, as the final renderer has them,\n%s", i+1, got, want)
		}
		if s := eval[string](t, ctx, assistantState); s != "streaming" {
			t.Fatalf("after delta %d the answer is %q, want streaming", i+1, s)
		}
	}
	gate <- struct{}{}
	waitFor(t, ctx, "the final rendering", assistantState+` === 'done'`)
	traps.check(t, ctx, "after the final rendering")
	for _, shown := range []string{"<script>" + xssRun + "</script>", `"><img src=x onerror="` + xssRun + `">`, "That is all."} {
		if got := eval[string](t, ctx, assistantText); !strings.Contains(got, shown) {
			t.Errorf("the final answer does not show %q as text:\n%s", shown, got)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#messages a[data-testid=citation]').length`); n != 0 {
		t.Errorf("the final answer has %d citation links, but it cites nothing real", n)
	}

	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the conversation after a reload", `document.querySelectorAll('[data-testid=message]').length === 2 && `+assistantState+` === 'done'`)
	traps.check(t, ctx, "after a reload")
	if got := eval[string](t, ctx, userText); got != question {
		t.Errorf("after a reload the question reads %q, want it as typed", got)
	}
}
