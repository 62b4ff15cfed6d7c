package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/chat"
)

// longConversation stores a conversation of turns questions and answers
// for the browser's visitor and returns its id and every message id.
func longConversation(t *testing.T, app *testApp, b *browser, turns int) (string, []string) {
	t.Helper()
	b.get("/") // the visitor cookie
	u, _ := url.Parse(app.url)
	var visitor string
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == visitorCookie {
			visitor = c.Value
		}
	}
	ctx := context.Background()
	now := time.Now()
	c := chat.Conversation{ID: "LONGCONVERSATION", VisitorID: visitor, Title: "long", CreatedAt: now, UpdatedAt: now}
	if err := app.db.CreateConversation(ctx, c); err != nil {
		t.Fatal(err)
	}
	var msgs []chat.Message
	var ids []string
	for i := range turns {
		q, a := fmt.Sprintf("Q%04d", i), fmt.Sprintf("A%04d", i)
		msgs = append(msgs,
			chat.Message{ID: q, ConversationID: c.ID, Role: chat.RoleUser, Content: "question " + q, State: chat.StateDone, CreatedAt: now, UpdatedAt: now},
			chat.Message{ID: a, ConversationID: c.ID, Role: chat.RoleAssistant, Content: "answer " + a, State: chat.StateDone, ReplyTo: q, CreatedAt: now, UpdatedAt: now})
		ids = append(ids, q, a)
	}
	if err := app.db.AddMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	return c.ID, ids
}

func messageIDs(d *goquery.Selection) []string {
	var out []string
	d.Find(`[data-testid="message"]`).Each(func(_ int, s *goquery.Selection) {
		out = append(out, s.AttrOr("id", "")[len("m-"):])
	})
	return out
}

// TestLongConversationPages: a conversation of 2,000 turns shows its latest
// messages, and earlier ones a page at a time: without JavaScript through
// a link, with htmx as a fragment that takes the link's place. Every
// message is reachable, once, in order.
func TestLongConversationPages(t *testing.T) {
	for _, htmx := range []bool{false, true} {
		t.Run(fmt.Sprintf("htmx=%v", htmx), func(t *testing.T) {
			app := newOpsApp(t, withServer(Config{}))
			b := app.browser(false)
			id, all := longConversation(t, app, b, 2000)

			page := doc(t, b.get("/c/"+id))
			got := messageIDs(page.Selection)
			if len(got) != chat.MessagesPerPage || !slices.Equal(got, all[len(all)-chat.MessagesPerPage:]) {
				t.Fatalf("the page shows %d messages (%q…); want the latest %d", len(got), got[:min(2, len(got))], chat.MessagesPerPage)
			}
			seen := got
			link := page.Find(`[data-testid="earlier"] a`)
			for pages := 1; link.Length() > 0; pages++ {
				if pages > 2000/chat.MessagesPerPage*2+1 {
					t.Fatal("the earlier links never end")
				}
				href := link.AttrOr("href", "")
				if hx := link.AttrOr("hx-get", ""); hx != href {
					t.Fatalf("the earlier link: href %q, hx-get %q; want the same address", href, hx)
				}
				var res *http.Response
				if htmx {
					res = b.do("GET", href, nil, http.Header{"Hx-Request": {"true"}})
				} else {
					res = b.get(href)
				}
				if res.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d", href, res.StatusCode)
				}
				d := doc(t, res)
				if htmx && d.Find("html body main, [data-testid=composer]").Length() != 0 {
					t.Fatalf("GET %s with htmx returned a whole page, want the earlier messages only", href)
				}
				if d.Find(`[data-testid="regenerate"], [data-testid="retry"]`).Length() != 0 {
					t.Errorf("GET %s offers to regenerate an earlier answer", href)
				}
				earlier := messageIDs(d.Selection)
				if len(earlier) == 0 || len(earlier) > chat.MessagesPerPage {
					t.Fatalf("GET %s shows %d messages", href, len(earlier))
				}
				seen = append(earlier, seen...)
				link = d.Find(`[data-testid="earlier"] a`)
			}
			if !slices.Equal(seen, all) {
				t.Errorf("paging back showed %d messages; want all %d, each once, in order", len(seen), len(all))
			}
		})
	}
}

func TestEarlierOfAnotherConversationIsNotFound(t *testing.T) {
	app := newOpsApp(t)
	b := app.browser(false)
	id, _ := longConversation(t, app, b, 3)
	for _, before := range []string{"NOSUCHMESSAGE", "Q0001'--"} {
		res := b.get("/c/" + id + "?before=" + url.QueryEscape(before))
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET ?before=%s = %d, want 404", before, res.StatusCode)
		}
	}
	other := app.browser(false)
	res := other.get("/c/" + id + "?before=Q0001")
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("another visitor's earlier page = %d, want 404", res.StatusCode)
	}
}
