package server

import (
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/views"
)

// TestEveryViewsURLIsRouted builds each URL views builds and checks that
// the mux serves it with a route of its own, not the catch-all 404. A new
// URL function in views/urls.go fails this test until it is listed here.
func TestEveryViewsURLIsRouted(t *testing.T) {
	const c, a = "CONV", "ANSWER"
	urls := map[string]struct{ method, url string }{
		"NewChatURL":           {"GET", views.NewChatURL()},
		"StartConversationURL": {"POST", views.StartConversationURL()},
		"ConversationURL":      {"GET", views.ConversationURL(c)},
		"EarlierURL":           {"GET", views.EarlierURL(c, a)},
		"AskURL":               {"POST", views.AskURL(c)},
		"MessageURL":           {"GET", views.MessageURL(c, a)},
		"EventsURL":            {"GET", views.EventsURL(c, a, 12)},
		"StopURL":              {"POST", views.StopURL(c, a)},
		"RegenerateURL":        {"POST", views.RegenerateURL(c, a)},
		"ShowVersionURL":       {"POST", views.ShowVersionURL(c, a)},
		"FeedbackURL":          {"POST", views.FeedbackURL(c, a)},
		"SystemPromptURL":      {"GET", views.SystemPromptURL(c, a)},
		"ContinueURL":          {"POST", views.ContinueURL(c, a)},
		"EditQuestionURL":      {"POST", views.EditQuestionURL(c, a)},
		"ShowQuestionURL":      {"POST", views.ShowQuestionURL(c, a)},
		"RenameURL":            {"POST", views.RenameURL(c)},
		"DeleteURL":            {"POST", views.DeleteURL(c)},
		"ExportMarkdownURL":    {"GET", views.ExportMarkdownURL(c)},
		"ExportJSONURL":        {"GET", views.ExportJSONURL(c)},
		"DeleteAllURL":         {"POST", views.DeleteAllURL()},
		"FitURL":               {"GET", views.FitURL()},
		"FitDiscussURL":        {"POST", views.FitDiscussURL(c)},
		"SourceURL":            {"GET", views.SourceURL()},
		"SourceSectionURL":     {"GET", views.SourceSectionURL("ml-engineer-tools")},
		"SourcePassageURL":     {"GET", views.SourcePassageURL("ml-engineer-tools")},
		"LoginURL":             {"GET", views.LoginURL("/fit")},
		"LogoutURL":            {"POST", views.LogoutURL()},
		"AskLinkURL":           {"GET", views.AskLinkURL(c, "What is RAG?")},
		"ShareURL":             {"POST", views.ShareURL(c)},
		"RevokeShareURL":       {"POST", views.RevokeShareURL(c)},
		"SharePanelURL":        {"GET", views.SharePanelURL(c)},
		"SharedURL":            {"GET", views.SharedURL("SHARE")},
		"ContinueSharedURL":    {"POST", views.ContinueSharedURL("SHARE")},
	}
	also := map[string]struct{ method, url string }{
		"the fit check's answers":   {"POST", views.FitURL()},
		"the login form":            {"POST", views.LoginURL("")},
		"a question for a new chat": {"GET", views.AskLinkURL("", "What is RAG?")},
	}

	// Every function of views/urls.go whose name ends in URL is listed.
	f, err := parser.ParseFile(token.NewFileSet(), "../../views/urls.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var declared []string
	for _, d := range f.Decls {
		if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && fn.Name.IsExported() && strings.HasSuffix(fn.Name.Name, "URL") {
			declared = append(declared, fn.Name.Name)
			if _, ok := urls[fn.Name.Name]; !ok {
				t.Errorf("views.%s is not checked here: add it to the table", fn.Name.Name)
			}
		}
	}
	if len(declared) < len(urls) {
		for name := range urls {
			if !slices.Contains(declared, name) {
				t.Errorf("%s is listed but views/urls.go no longer declares it", name)
			}
		}
	}

	mux := http.NewServeMux()
	cfg := Config{}.withDefaults()
	addRoutes(mux, chat.NewService(nil, nil, "", chat.Config{}, slog.New(slog.DiscardHandler)), slog.New(slog.DiscardHandler), cfg, &guards{}, newStreams(slog.New(slog.DiscardHandler)))
	maps.Copy(also, urls)
	for name, u := range also {
		// A browser keeps the fragment to itself.
		target, _, _ := strings.Cut(u.url, "#")
		req := httptest.NewRequest(u.method, target, nil)
		if _, pattern := mux.Handler(req); pattern == "" || pattern == "/" {
			t.Errorf("%s: %s %s is served by %q, want a route of its own", name, u.method, u.url, pattern)
		}
	}
}
