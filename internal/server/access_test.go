package server

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/rolefit/rolefit/internal/chat"
	"github.com/rolefit/rolefit/static"
)

const testPassword = "open sesame"

func protectedApp(t *testing.T, cfg Config) *testApp {
	t.Helper()
	cfg.AccessPassword = testPassword
	cfg.ServeMetrics = true
	// Tests tell clients apart by X-Forwarded-For from the loopback proxy.
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	return newOpsApp(t, withServer(cfg))
}

// from makes the browser's requests come from ip, as a trusted proxy says.
func (b *browser) from(ip string) *browser {
	b2 := *b
	b2.client = &http.Client{Jar: b.client.Jar, CheckRedirect: b.client.CheckRedirect,
		Transport: forwardedFor{ip}}
	return &b2
}

type forwardedFor struct{ ip string }

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.ip)
	return http.DefaultTransport.RoundTrip(r)
}

func login(t *testing.T, b *browser, password, next string) *http.Response {
	t.Helper()
	return b.post("/login", url.Values{"password": {password}, "next": {next}})
}

func TestAccessPasswordKeepsPagesPrivate(t *testing.T) {
	app := protectedApp(t, Config{})
	b := app.browser(false)
	for path, want := range map[string]string{
		"/":                "/login",
		"/c/abc?x=1":       "/login?next=" + url.QueryEscape("/c/abc?x=1"),
		"/fit":             "/login?next=%2Ffit",
		"/source":          "/login?next=%2Fsource",
		"/no/such/page":    "/login?next=" + url.QueryEscape("/no/such/page"),
		"/c/abc/export.md": "/login?next=" + url.QueryEscape("/c/abc/export.md"),
	} {
		res := b.get(path)
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("GET %s = %d → %q, want 303 → %q", path, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
	res := b.post("/c", url.Values{"message": {"Hello?"}})
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("POST /c without a session = %d → %q, want 303 → /login", res.StatusCode, res.Header.Get("Location"))
	}
	// htmx is sent to the login page, coming back to the page it was on.
	hx := app.browser(true)
	res = hx.do("POST", "/c/abc/messages", url.Values{"message": {"Hello?"}}, http.Header{"Hx-Current-Url": {app.url + "/c/abc"}})
	res.Body.Close()
	if got := res.Header.Get("HX-Redirect"); got != "/login?next=%2Fc%2Fabc" || res.StatusCode >= 300 {
		t.Errorf("htmx POST without a session = %d, HX-Redirect %q; want a 2xx redirecting to the login page", res.StatusCode, got)
	}
	// An event stream cannot show a page: it is refused.
	res = b.do("GET", "/c/abc/answers/def/events", nil, http.Header{"Accept": {"text/event-stream"}})
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("event stream without a session = %d, want 401", res.StatusCode)
	}
	if n := len(app.fake.Calls()); n != 0 {
		t.Errorf("questions without a session reached the model %d times", n)
	}

	// What must stay open: health checks, assets, metrics, the login page.
	for _, path := range []string{"/healthz", "/readyz", "/metrics", static.Path("app.css"), "/login"} {
		if res := b.get(path); res.StatusCode != http.StatusOK {
			t.Errorf("GET %s without a session = %d, want 200", path, res.StatusCode)
		} else {
			res.Body.Close()
		}
	}
	d := doc(t, b.get("/login?next=/c/abc"))
	form := d.Find(`form[data-testid="login-form"][method="post"][action="/login"]`)
	if form.Find(`input[type="password"][name="password"]`).Length() != 1 {
		t.Error("the login page has no password form")
	}
	if v, _ := form.Find(`input[name="next"]`).Attr("value"); v != "/c/abc" {
		t.Errorf("the form returns to %q, want /c/abc", v)
	}
	if d.Find(`[data-testid="sidebar"], [data-testid="composer"]`).Length() != 0 {
		t.Error("the login page shows the app")
	}
}

func TestLogin(t *testing.T) {
	app := protectedApp(t, Config{})
	b := app.browser(false)

	res := login(t, b, "open sesame!", "/fit")
	d := doc(t, res)
	if res.StatusCode != http.StatusUnauthorized || strings.TrimSpace(d.Find(`[data-testid="login-error"]`).Text()) != "Wrong password." {
		t.Errorf("wrong password: %d %q, want 401 and \"Wrong password.\"", res.StatusCode, d.Find(`[data-testid="login-error"]`).Text())
	}
	if v, _ := d.Find(`input[name="next"]`).Attr("value"); v != "/fit" {
		t.Errorf("after a wrong password the form returns to %q, want /fit", v)
	}
	if strings.Contains(d.Text(), "open sesame") || d.Find(`input[name="password"][value]`).Length() != 0 {
		t.Error("the page repeats the password")
	}

	res = login(t, b, testPassword, "/fit")
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/fit" {
		t.Fatalf("right password = %d → %q, want 303 → /fit", res.StatusCode, res.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || session.MaxAge != 30*24*3600 || session.Path != "/" {
		t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Lax, 30 days, not Secure on plain HTTP", session)
	}
	if strings.Contains(session.Value, testPassword) {
		t.Error("the cookie holds the password")
	}
	if res := b.get("/"); res.StatusCode != http.StatusOK {
		t.Errorf("GET / with a session = %d", res.StatusCode)
	}
	path := b.ask("/c", "What does an ML engineer do?")
	app.waitFinished()
	d = doc(t, b.get(path))
	if d.Find(`[data-testid="message"][data-role="assistant"][data-state="done"]`).Length() != 1 {
		t.Error("a logged-in question got no answer")
	}
	// Logged in, the login page goes straight on.
	if res := b.get("/login?next=/source"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/source" {
		t.Errorf("GET /login with a session = %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	if strings.Contains(app.logs.String(), testPassword) {
		t.Error("the password is in the log")
	}

	t.Run("tampered and expired sessions", func(t *testing.T) {
		for name, value := range map[string]string{
			"tampered": strings.Replace(session.Value, "v1.1", "v1.2", 1),
			"forged":   "v1.9999999999.AAAA",
			"garbage":  "let me in",
		} {
			other := app.browser(false)
			other.client.Jar.SetCookies(mustParse(t, app.url), []*http.Cookie{{Name: sessionCookie, Value: value}})
			if res := other.get("/"); res.StatusCode != http.StatusSeeOther {
				t.Errorf("%s session: GET / = %d, want a redirect to the login page", name, res.StatusCode)
			}
		}
		app.clock.advance(30*24*time.Hour + time.Second)
		if res := b.get("/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
			t.Errorf("expired session: GET / = %d → %q, want the login page", res.StatusCode, res.Header.Get("Location"))
		}
	})
}

func TestLogout(t *testing.T) {
	app := protectedApp(t, Config{})
	b := app.browser(false)
	login(t, b, testPassword, "/").Body.Close()
	if doc(t, b.get("/")).Find(`form[action="/logout"] [data-testid="logout"]`).Length() != 1 {
		t.Fatal("a signed-in page offers no way to log out")
	}

	res := b.post("/logout", nil)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Fatalf("POST /logout = %d → %q, want 303 → /login", res.StatusCode, res.Header.Get("Location"))
	}
	if res := b.get("/"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login" {
		t.Errorf("after logging out GET / = %d → %q, want the login page", res.StatusCode, res.Header.Get("Location"))
	}

	// Without a password there is no session, and nothing to log out of.
	open := newTestApp(t, chat.Config{})
	if doc(t, open.browser(false).get("/")).Find(`[data-testid="logout"]`).Length() != 0 {
		t.Error("an instance without a password offers to log out")
	}
}

func TestLoginIsThrottled(t *testing.T) {
	app := protectedApp(t, Config{})
	guesser := app.browser(false).from("203.0.113.9")
	for i := range 5 {
		res := login(t, guesser, "guess", "/")
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d = %d, want 401", i+1, res.StatusCode)
		}
	}
	// Over the limit even the right password is refused, with when to retry.
	res := login(t, guesser, testPassword, "/")
	d := doc(t, res)
	msg := strings.TrimSpace(d.Find(`[data-testid="login-error"]`).Text())
	if res.StatusCode != http.StatusTooManyRequests || msg != "Too many attempts. Please try again in 12 seconds." || res.Header.Get("Retry-After") != "12" {
		t.Errorf("sixth attempt = %d %q (Retry-After %q), want 429 with when to try again", res.StatusCode, msg, res.Header.Get("Retry-After"))
	}
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie {
			t.Error("a throttled attempt got a session")
		}
	}
	// Another address is not affected, even with the same cookies.
	if res := login(t, app.browser(false).from("198.51.100.4"), testPassword, "/"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a login from another address = %d, want 303", res.StatusCode)
	}
	app.clock.advance(12 * time.Second)
	if res := login(t, guesser, testPassword, "/"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after waiting, the right password = %d, want 303", res.StatusCode)
	}
	if m := scrape(t, guesser); m[`rolefit_rate_limited_total{limit="login"}`] != 1 {
		t.Errorf("login refusals counted %v, want 1", m[`rolefit_rate_limited_total{limit="login"}`])
	}
}

func TestSecureSessionCookie(t *testing.T) {
	app := protectedApp(t, Config{SecureCookies: true})
	res := login(t, app.browser(false), testPassword, "/")
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie && !c.Secure {
			t.Error("the session cookie is not Secure with SECURE_COOKIES")
		}
	}
}

func TestNoPasswordNoLogin(t *testing.T) {
	app := newOpsApp(t)
	b := app.browser(false)
	if res := b.get("/"); res.StatusCode != http.StatusOK {
		t.Errorf("GET / without a password set = %d", res.StatusCode)
	}
	if res := b.get("/login?next=/fit"); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/fit" {
		t.Errorf("GET /login without a password set = %d → %q, want straight on", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"":                      "/",
		"/c/abc":                "/c/abc",
		"/c/abc?x=1#m-2":        "/c/abc?x=1",
		"//evil.example":        "/",
		"/\\evil.example":       "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		"c/abc":                 "/",
		"/login":                "/",
		"/login?next=/x":        "/",
		"/a\\b":                 "/",
		"/%0d%0aSet-Cookie:x":   "/%0d%0aSet-Cookie:x",
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
