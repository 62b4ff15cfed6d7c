package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// axeSource is axe-core, pinned in package-lock.json and copied here by
// `make test-assets`: a test-only file, never served or embedded.
var axeSource = sync.OnceValues(func() ([]byte, error) { return os.ReadFile("testdata/axe.min.js") })

// look is one way a person sees the page: a window size and a colour scheme.
type look struct {
	name          string
	width, height int64
	scheme        string
}

var looks = []look{
	{"desktop light", 1280, 800, "light"},
	{"desktop dark", 1280, 800, "dark"},
	{"phone light", 390, 760, "light"},
	{"phone dark", 390, 760, "dark"},
}

func (l look) phone() bool { return l.width < 800 }

func (l look) apply(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, chromedp.EmulateViewport(l.width, l.height), colorScheme(l.scheme))
}

type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// accessible runs axe-core on the page as it is now and fails the test for
// every violation, whatever its impact.
func accessible(t *testing.T, ctx context.Context, state string) {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		t.Fatalf("axe-core is needed for the accessibility tests (%v): `make test-assets` copies it from npm", err)
	}
	if !eval[bool](t, ctx, `typeof window.axe === 'object'`) {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](string(src))); err != nil {
			t.Fatalf("load axe-core: %v", err)
		}
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(
		r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}))))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", state, err)
	}
	var violations []axeViolation
	if err := json.Unmarshal([]byte(out), &violations); err != nil {
		t.Fatalf("%s: axe-core's answer: %v", state, err)
	}
	for _, v := range violations {
		t.Errorf("%s: %s (%s): %s\n\t%s", state, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}

func TestBrowserAccessibleInEveryState(t *testing.T) {
	fake := fakeopenai.New()
	defer fake.Close()
	url := startRolefit(t, map[string]string{"OPENAI_BASE_URL": fake.URL})
	for _, l := range looks {
		t.Run(l.name, func(t *testing.T) {
			ctx := browserTab(t, expectNotFound)
			gate := make(chan struct{})
			fake.Push(
				fakeopenai.Reply{Gate: gate, Chunks: []string{"They train models in **PyTorch** [§ml-engineer-tools]. ", "Then they ship them [§ml-engineer-daily-work]."}},
				fakeopenai.Reply{Chunks: []string{"It depends "}, Fault: fakeopenai.Cut, FaultAfter: 1},
			)
			l.apply(t, ctx)
			do(t, ctx, chromedp.Navigate(url))
			waitFor(t, ctx, "the home page", loaded)
			accessible(t, ctx, "home")
			if l.phone() {
				do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=sidebar-toggle]`)))
				waitFor(t, ctx, "the drawer", `document.querySelector('#sidebar').getBoundingClientRect().left === 0`)
				accessible(t, ctx, "phone drawer open")
				do(t, ctx, chromedp.KeyEvent(kb.Escape))
			}

			do(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "Which tools?"+kb.Enter))
			gate <- struct{}{}
			waitFor(t, ctx, "the first words", assistantText+`.includes('PyTorch')`)
			accessible(t, ctx, "streaming")
			close(gate)
			waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)
			accessible(t, ctx, "finished answer")

			do(t, ctx, chromedp.Click(chromedp.CSS(`a[data-testid=citation]`)))
			waitFor(t, ctx, "the citation panel", `document.querySelector('#source-panel').open && !!document.querySelector('[data-testid=source-passage]')`)
			accessible(t, ctx, "citation panel open")
			do(t, ctx, chromedp.KeyEvent(kb.Escape))
			waitFor(t, ctx, "the panel to close", `!document.querySelector('#source-panel').open`)

			for _, menu := range []string{"rename", "export", "share", "delete"} {
				do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=`+menu+`]`)))
				accessible(t, ctx, menu+" menu open")
				do(t, ctx, chromedp.KeyEvent(kb.Escape))
			}

			do(t, ctx, chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "And then?"+kb.Enter))
			waitFor(t, ctx, "the failed answer", assistantState+` === 'error'`)
			accessible(t, ctx, "failed answer")

			do(t, ctx, chromedp.Navigate(url+"/fit"))
			waitFor(t, ctx, "the fit check", loaded)
			accessible(t, ctx, "fit form")
			for q, o := range mlAnswers {
				do(t, ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`input[name=%q][value=%q]`, q, o))))
			}
			do(t, ctx, chromedp.Click(chromedp.CSS(`[data-testid=fit-submit]`)))
			waitFor(t, ctx, "the fit result", `!!document.querySelector('[data-testid=fit-result]') && `+loaded)
			accessible(t, ctx, "fit result")
			do(t, ctx,
				chromedp.Click(chromedp.CSS(`[data-testid=share]`)),
				chromedp.Click(chromedp.CSS(`[data-testid=share-create]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=share-url]`)),
			)
			waitFor(t, ctx, "the share panel with its link", loaded)
			accessible(t, ctx, "share panel with its link")
			do(t, ctx, chromedp.Navigate(eval[string](t, ctx, `document.querySelector('[data-testid=share-url]').href`)))
			waitFor(t, ctx, "the shared page", `!!document.querySelector('[data-testid=share-continue]') && `+loaded)
			accessible(t, ctx, "shared page")

			do(t, ctx, chromedp.Navigate(url+"/source"))
			waitFor(t, ctx, "the source page", loaded)
			accessible(t, ctx, "source")

			do(t, ctx, chromedp.Navigate(url+"/c/no-such-conversation"))
			waitFor(t, ctx, "the not-found page", `!!document.querySelector('[data-testid=error-page]') && `+loaded)
			accessible(t, ctx, "not found")
		})
	}
}

func TestBrowserAccessibleLogin(t *testing.T) {
	url := startRolefit(t, map[string]string{"ACCESS_PASSWORD": "correct horse battery staple"})
	for _, l := range looks {
		t.Run(l.name, func(t *testing.T) {
			ctx := browserTab(t, expectUnauthorized)
			l.apply(t, ctx)
			do(t, ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS(`form[data-testid=login-form]`)))
			accessible(t, ctx, "login")
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(`input[name=password]`), "wrong"),
				chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=login-error]`)),
			)
			accessible(t, ctx, "login refused")
		})
	}
}
