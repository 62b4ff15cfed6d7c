package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/jackc/pgx/v5"

	"github.com/rolefit/rolefit/internal/engines"
	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// TestMain stops the PostgreSQL and Redis servers the replica tests start,
// and removes the binary they share.
func TestMain(m *testing.M) {
	code := engines.Main(m)
	if builtDir != "" {
		os.RemoveAll(builtDir)
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	builtDir  string
	builtBin  string
	buildErr  error
)

// rolefitBinary builds the real program once for all the replica tests.
func rolefitBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if builtDir, buildErr = os.MkdirTemp("", "rolefit-replicas-"); buildErr != nil {
			return
		}
		builtBin = filepath.Join(builtDir, "rolefit")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// replica is one process of the real binary, sharing its database, its
// Redis and its session secret with the others.
type replica struct {
	id     string
	url    string
	cmd    *exec.Cmd
	log    *lockedBuffer
	exited chan struct{}
	err    error // the process's exit, set before exited is closed
}

// cluster is several replicas behind a real load balancer.
type cluster struct {
	replicas    []*replica
	lb          string // the load balancer's base URL: what visitors use
	databaseURL string
	fake        *fakeopenai.Server
}

const replicaSecret = "replica-test-secret-0123456789abcdef0123456789"

// startCluster starts n replicas of the real binary on one fresh
// PostgreSQL database and one Redis, answering with one fake model, and
// nginx in front of them.
func startCluster(t *testing.T, n int) *cluster {
	t.Helper()
	bin := rolefitBinary(t)
	c := &cluster{fake: fakeopenai.New(), databaseURL: engines.Postgres(t)}
	env := map[string]string{
		"DATABASE_URL":    c.databaseURL,
		"REDIS_URL":       engines.Redis(t),
		"SESSION_SECRET":  replicaSecret,
		"OPENAI_BASE_URL": c.fake.URL,
		"OPENAI_API_KEY":  "sk-replica-test",
		// Every visitor comes from the balancer's address.
		"RATE_LIMIT_QUESTIONS": "off",
		"SHUTDOWN_GRACE":       "15s",
		"STALL_TIMEOUT":        "60s",
		"FIRST_TOKEN_TIMEOUT":  "60s",
		"MODEL_RETRIES":        "0",
	}
	var urls []string
	// One after another: the first one creates the schema.
	for i := range n {
		env["REPLICA_ID"] = fmt.Sprintf("replica-%d", i+1)
		r := startReplica(t, bin, env)
		c.replicas = append(c.replicas, r)
		urls = append(urls, r.url)
	}
	c.lb = engines.LoadBalancer(t, urls)
	// Registered last, so run first: a model call a failed test left
	// waiting ends at once, and the replicas stop without waiting for it.
	t.Cleanup(c.fake.Close)
	return c
}

func startReplica(t *testing.T, bin string, env map[string]string) *replica {
	t.Helper()
	r := &replica{id: env["REPLICA_ID"], log: &lockedBuffer{}, exited: make(chan struct{})}
	r.cmd = exec.Command(bin)
	r.cmd.Env = []string{
		"ADDR=127.0.0.1:0", "DATA_DIR=" + t.TempDir(), "LOG_LEVEL=warn", "LOG_FORMAT=text",
		"PATH=" + os.Getenv("PATH"),
	}
	for k, v := range env {
		r.cmd.Env = append(r.cmd.Env, k+"="+v)
	}
	stdout, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.cmd.Stderr = r.log
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		r.err = r.cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-r.exited:
			return // killed or stopped by the test, which checked it
		default:
		}
		r.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-r.exited:
			if r.err != nil {
				t.Errorf("%s stopped with %v; its log:\n%s", r.id, r.err, r.log.String())
			}
		case <-time.After(30 * time.Second):
			r.cmd.Process.Kill()
			<-r.exited
			t.Errorf("%s did not stop within 30s of SIGTERM", r.id)
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	_, base, ok := strings.Cut(strings.TrimSpace(line), "listening on ")
	if err != nil || !ok {
		t.Fatalf("%s did not start (%q, %v); its log:\n%s", r.id, line, err, r.log.String())
	}
	go io.Copy(io.Discard, stdout)
	r.url = base
	return r
}

// kill ends the replica at once, as a crash or an OOM kill would.
func (r *replica) kill(t *testing.T) {
	t.Helper()
	r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.exited
}

// terminate sends SIGTERM, as an orchestrator does to scale down or roll
// out, and returns at once.
func (r *replica) terminate(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM %s: %v", r.id, err)
	}
}

// waitExit waits for a replica told to stop, which must exit cleanly.
func (r *replica) waitExit(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-r.exited:
		if r.err != nil {
			t.Errorf("%s exited with %v; its log:\n%s", r.id, r.err, r.log.String())
		}
	case <-ctx.Done():
		t.Fatalf("%s did not exit: %v; its log:\n%s", r.id, ctx.Err(), r.log.String())
	}
}

// activeAnswers is how many answers the replica is writing now, from its
// metrics: which replica generates an answer asked through the balancer is
// otherwise unknown.
func (r *replica) activeAnswers() int {
	res, err := http.Get(r.url + "/metrics")
	if err != nil {
		return 0
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	m := regexp.MustCompile(`(?m)^rolefit_answers_active (\d+)$`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// writer waits until one replica reports writing answers, want of them in
// all, and returns the one writing the most.
func (c *cluster) writer(t *testing.T, ctx context.Context, want int) *replica {
	t.Helper()
	for {
		var busiest *replica
		most, total := 0, 0
		for _, r := range c.replicas {
			n := r.activeAnswers()
			total += n
			if n > most {
				busiest, most = r, n
			}
		}
		if total >= want && busiest != nil {
			return busiest
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no replica reports writing the answers (%d of %d): %v", total, want, ctx.Err())
		case <-time.After(20 * time.Millisecond): // polling other processes' metrics
		}
	}
}

// visitor is one browser: its cookies go to every replica (a cookie jar
// ignores ports), as they would behind one host name.
type visitor struct {
	client *http.Client
}

func newVisitor(t *testing.T, ctx context.Context, base string) *visitor {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	v := &visitor{client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	res := v.do(t, ctx, "GET", base+"/", nil)
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return v
}

func (v *visitor) do(t *testing.T, ctx context.Context, method, u string, form url.Values) *http.Response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("HX-Request", "true")
	}
	res, err := v.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	return res
}

var sseConnectAttr = regexp.MustCompile(`sse-connect="([^"]+)"`)

// ask posts a question as htmx does and returns the conversation's path
// and the answer's event stream (the path the page connects to).
func (v *visitor) ask(t *testing.T, ctx context.Context, base, question string) (conv, events string) {
	t.Helper()
	res := v.do(t, ctx, "POST", base+"/c", url.Values{"message": {question}})
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := sseConnectAttr.FindSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("POST /c = %d, want a streaming answer: %.300s", res.StatusCode, body)
	}
	events = html.UnescapeString(string(m[1]))
	conv, _, _ = strings.Cut(events, "/answers/")
	return conv, events
}

// lastAnswer reads a conversation's page and returns its last answer.
func (v *visitor) lastAnswer(t *testing.T, ctx context.Context, u string) *goquery.Selection {
	t.Helper()
	res := v.do(t, ctx, "GET", u, nil)
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d", u, res.StatusCode)
	}
	d, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return d.Find(`[data-testid="message"][data-role="assistant"]`).Last()
}

// answerText is an answer as a watcher of its event stream rebuilds it.
type answerText struct {
	text string // the answer's text, byte for byte
	ends int    // "end" events received: exactly one, at the end
	end  string // the last "end" event's data: the final rendering
}

// follow reads the answer's events at u until its end, until stop (if
// set) holds after an event, or until the connection breaks (the error). A
// watcher that already has text resumes after it with Last-Event-ID, as a
// browser's EventSource does after a reload of the stream. Every piece
// must carry the offset right after the text before it: a piece lost or
// sent twice fails here.
func (a *answerText) follow(ctx context.Context, client *http.Client, u string, stop func(*answerText) bool) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	if a.text != "" {
		req.Header.Set("Last-Event-ID", strconv.Itoa(len(a.text)))
	}
	res, err := client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("GET %s = %d: %.200s", u, res.StatusCode, b)
	}
	r := bufio.NewReader(res.Body)
	var name, id string
	var data []string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF // a stream ends with its "end" event
			}
			return fmt.Errorf("after %d bytes: %w", len(a.text), err)
		}
		line = strings.TrimRight(line, "\r\n")
		if line != "" {
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "event":
				name = value
			case "id":
				id = value
			case "data":
				data = append(data, value)
			}
			continue
		}
		if data == nil {
			name, id = "", ""
			continue
		}
		if err := a.apply(name, id, strings.Join(data, "\n")); err != nil {
			return err
		}
		name, id, data = "", "", nil
		if a.ends > 0 || stop != nil && stop(a) {
			return nil
		}
	}
}

var liveTailDiv = regexp.MustCompile(`<div hx-swap-oob="innerHTML:#live-tail-[^"]*">([^<]*)</div>$`)

func (a *answerText) apply(name, id, data string) error {
	switch name {
	case "delta":
		delta := html.UnescapeString(data)
		if offset, err := strconv.Atoi(id); err != nil || offset != len(a.text)+len(delta) {
			return fmt.Errorf("a delta of %d bytes has id %q after %d bytes", len(delta), id, len(a.text))
		}
		a.text += delta
	case "blocks":
		// The replies here are one paragraph: a "blocks" event is the
		// reset a resumed stream starts with, the text up to its id as
		// the live tail.
		m := liveTailDiv.FindStringSubmatch(data)
		offset, err := strconv.Atoi(id)
		if m == nil || err != nil {
			return fmt.Errorf("unexpected blocks event %q: %.300s", id, data)
		}
		tail := html.UnescapeString(m[1])
		start := offset - len(tail)
		if start < 0 || start > len(a.text) {
			return fmt.Errorf("blocks id %q with a tail of %d bytes after %d bytes", id, len(tail), len(a.text))
		}
		a.text = a.text[:start] + tail
	case "end":
		a.ends++
		a.end = data
	case "status", "thought", "reasoning":
	default:
		return fmt.Errorf("unexpected event %q", name)
	}
	return nil
}

// followToEnd watches an answer through u to its end, reconnecting with
// Last-Event-ID whenever the stream breaks, as a browser does: each
// reconnection may land on another replica.
func followToEnd(ctx context.Context, client *http.Client, u string) (*answerText, int, error) {
	a := &answerText{}
	reconnects := 0
	for {
		err := a.follow(ctx, client, u, nil)
		if err == nil {
			return a, reconnects, nil
		}
		if ctx.Err() != nil {
			return a, reconnects, fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		}
		reconnects++
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond): // a browser's reconnection delay
		}
	}
}

// finalText is the text of the final rendering an "end" event carries,
// and its state.
func finalText(t *testing.T, end string) (text, state string) {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(end))
	if err != nil {
		t.Fatal(err)
	}
	m := d.Find(`[data-testid="message"][data-role="assistant"]`)
	return strings.TrimSpace(m.Find(".text").Text()), m.AttrOr("data-state", "")
}

// TestReplicasShareALiveAnswer: a question asked through one replica is
// watched through a second and, after a reload, resumed through a third,
// byte for byte the model's reply.
func TestReplicasShareALiveAnswer(t *testing.T) {
	c := startCluster(t, 3)
	r1, r2, r3 := c.replicas[0], c.replicas[1], c.replicas[2]
	chunks := []string{"Asked on one replica, ", "watched on another — ", "resumed on a third: café & 🚀."}
	gate := make(chan struct{})
	c.fake.Push(fakeopenai.Reply{Chunks: chunks, Gate: gate})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	v := newVisitor(t, ctx, r1.url)
	conv, events := v.ask(t, ctx, r1.url, "Which replica answers?")
	gate <- struct{}{}

	// A watcher on the second replica sees the first piece, then its tab
	// is reloaded: the stream breaks.
	watched := &answerText{}
	watchCtx, dropWatch := context.WithCancel(ctx)
	err := watched.follow(watchCtx, v.client, r2.url+events, func(a *answerText) bool { return a.text == chunks[0] })
	dropWatch()
	if err != nil || watched.text != chunks[0] {
		t.Fatalf("the watcher on %s got %q (%v), want %q", r2.id, watched.text, err, chunks[0])
	}

	// A second watcher stays on the second replica to the end.
	type watch struct {
		a   *answerText
		err error
	}
	stayed := make(chan watch, 1)
	go func() {
		a := &answerText{}
		err := a.follow(ctx, v.client, r2.url+events, nil)
		stayed <- watch{a, err}
	}()

	// The reloaded page comes from the third replica, the second piece
	// meanwhile written: it shows the text so far, live.
	gate <- struct{}{}
	sofar := strings.Join(chunks[:2], "")
	var shown *goquery.Selection
	for {
		shown = v.lastAnswer(t, ctx, r3.url+conv)
		if strings.TrimSpace(shown.Find(".text").Text()) == strings.TrimSpace(sofar) {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the page on %s never showed %q: got %q (%s)", r3.id, sofar, shown.Find(".text").Text(), shown.AttrOr("data-state", ""))
		case <-time.After(20 * time.Millisecond): // polling the page while the answer moves on
		}
	}
	if state := shown.AttrOr("data-state", ""); state != "streaming" {
		t.Fatalf("the reloaded page shows the answer %q, want streaming", state)
	}
	// Its stream resumes where the first watcher stopped, on the third
	// replica (Last-Event-ID), to the end.
	close(gate)
	if err := watched.follow(ctx, v.client, r3.url+events, nil); err != nil {
		t.Fatalf("resumed on %s: %v", r3.id, err)
	}
	want := strings.Join(chunks, "")
	if watched.text != want || watched.ends != 1 {
		t.Errorf("resumed on %s the answer reads %q (%d ends), want %q once", r3.id, watched.text, watched.ends, want)
	}
	if text, state := finalText(t, watched.end); state != "done" || text != strings.TrimSpace(want) {
		t.Errorf("the answer ended %q reading %q", state, text)
	}
	select {
	case w := <-stayed:
		if w.err != nil || w.a.text != want || w.a.ends != 1 {
			t.Errorf("the watcher that stayed on %s read %q (%d ends, %v), want %q once", r2.id, w.a.text, w.a.ends, w.err, want)
		}
	case <-ctx.Done():
		t.Fatalf("the watcher on %s never saw the end", r2.id)
	}
	// Saved once, as finished, whichever replica shows it.
	for _, r := range c.replicas {
		a := v.lastAnswer(t, ctx, r.url+conv)
		if state, text := a.AttrOr("data-state", ""), strings.TrimSpace(a.Find(".text").Text()); state != "done" || text != strings.TrimSpace(want) {
			t.Errorf("%s shows the answer %q reading %q", r.id, state, text)
		}
	}
	if n := len(c.fake.Calls()); n != 1 {
		t.Errorf("the model was asked %d times, want once", n)
	}
}

// TestReplicaKilledMidAnswerIsInterrupted: when the replica writing an
// answer dies, another marks the answer interrupted within 30 s, with the
// text saved so far and a retry that works.
func TestReplicaKilledMidAnswerIsInterrupted(t *testing.T) {
	c := startCluster(t, 3)
	r1, r2 := c.replicas[0], c.replicas[1]
	gate := make(chan struct{})
	defer close(gate)
	c.fake.Push(
		fakeopenai.Reply{Chunks: []string{"Saved before ", "the crash.", " Never sent."}, Gate: gate},
		fakeopenai.Reply{Chunks: []string{"Asked again ", "on a replica still up."}},
	)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	v := newVisitor(t, ctx, r1.url)
	conv, events := v.ask(t, ctx, r1.url, "Tell me")
	gate <- struct{}{}
	gate <- struct{}{}
	// Another replica watches it get there: the text is written.
	w := &answerText{}
	if err := w.follow(ctx, v.client, r2.url+events, func(a *answerText) bool { return a.text == "Saved before the crash." }); err != nil {
		t.Fatalf("watching on %s: %v", r2.id, err)
	}
	// What a crash keeps is what the periodic save wrote: wait for it
	// there, read from the database as the replicas share it.
	answerID, _, _ := strings.Cut(strings.TrimPrefix(events, conv+"/answers/"), "/")
	saved := waitSaved(t, ctx, c.databaseURL, answerID, "Saved before the crash.")

	r1.kill(t)
	killed := time.Now()
	deadline, stopPolling := context.WithDeadline(ctx, killed.Add(30*time.Second))
	defer stopPolling()
	var answer *goquery.Selection
	for {
		answer = v.lastAnswer(t, ctx, r2.url+conv)
		if answer.AttrOr("data-state", "") == "interrupted" {
			break
		}
		select {
		case <-deadline.Done():
			t.Fatalf("30 s after %s was killed its answer is still %q on %s", r1.id, answer.AttrOr("data-state", ""), r2.id)
		case <-time.After(200 * time.Millisecond): // polling for the lease to lapse
		}
	}
	t.Logf("marked interrupted %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	if got := strings.TrimSpace(answer.Find(".text").Text()); got != saved {
		t.Errorf("the interrupted answer reads %q, want the saved %q", got, saved)
	}
	retry := answer.Find(`[data-testid="retry"]`)
	if retry.Length() != 1 {
		t.Fatal("the interrupted answer offers no retry")
	}
	action, _ := retry.Closest("form").Attr("action")

	// The retry through the balancer, which no longer reaches the dead
	// replica, streams a new answer to its end.
	res := v.do(t, ctx, "POST", c.lb+action, url.Values{})
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := sseConnectAttr.FindSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("retry = %d, want a streaming answer: %.300s", res.StatusCode, body)
	}
	again, _, err := followToEnd(ctx, v.client, c.lb+html.UnescapeString(string(m[1])))
	if err != nil {
		t.Fatalf("the retried answer: %v", err)
	}
	if want := "Asked again on a replica still up."; again.text != want {
		t.Errorf("the retried answer reads %q, want %q", again.text, want)
	}
	if _, state := finalText(t, again.end); state != "done" {
		t.Errorf("the retried answer ended %q", state)
	}
}

// waitSaved polls the shared database until the answer's saved text is
// want: what a crash leaves is what the periodic save wrote, and a page
// would show the live text instead.
func waitSaved(t *testing.T, ctx context.Context, databaseURL, answerID, want string) string {
	t.Helper()
	db, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	var content string
	for {
		err := db.QueryRow(ctx, "SELECT content FROM messages WHERE id = $1", answerID).Scan(&content)
		if err == nil && content == want {
			return content
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%q was never saved (last: %q, %v)", want, content, err)
		case <-time.After(100 * time.Millisecond): // polling for the save every second
		}
	}
}

// TestReplicaStoppedWhileAnswersStream: SIGTERM to a replica while answers
// stream through the balancer. The answers it writes finish before it
// exits; the watchers it serves of answers others write are cut off as it
// exits and reconnect through the balancer with Last-Event-ID. Every
// watcher's text completes exactly once.
func TestReplicaStoppedWhileAnswersStream(t *testing.T) {
	c := startCluster(t, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	const answers, watchers = 9, 2 // watchers per answer
	gates := make([]chan struct{}, answers)
	replies := make([][]string, answers)
	for i := range answers {
		gates[i] = make(chan struct{})
		replies[i] = []string{fmt.Sprintf("Answer %d ", i), "goes on ", "past a replica's end — ", fmt.Sprintf("and ends once (%d).", i)}
	}
	c.fake.SetResponder(func(req fakeopenai.ChatRequest) (fakeopenai.Reply, bool) {
		var i int
		if _, err := fmt.Sscanf(req.Messages[len(req.Messages)-1].Content, "Question %d", &i); err != nil || i < 0 || i >= answers {
			return fakeopenai.Reply{}, false
		}
		return fakeopenai.Reply{Chunks: replies[i], Gate: gates[i]}, true
	})

	type result struct {
		answer     int
		a          *answerText
		reconnects int
		err        error
	}
	results := make(chan result, answers*watchers)
	firsts := make(chan struct{}, answers*watchers)
	for i := range answers {
		// Each question is asked on a replica of its own choosing, so the
		// test knows which one writes it; the watchers go through the
		// balancer, to any replica.
		v := newVisitor(t, ctx, c.lb)
		_, events := v.ask(t, ctx, c.replicas[i%3].url, fmt.Sprintf("Question %d: what happens on SIGTERM?", i))
		for range watchers {
			go func() {
				// The watcher says when it has the first piece, then
				// follows to the end, reconnecting through the balancer
				// with Last-Event-ID whenever its stream breaks, as a
				// browser does.
				a, signalled, reconnects := &answerText{}, false, 0
				first := func(a *answerText) bool {
					if !signalled && a.text != "" {
						signalled = true
						firsts <- struct{}{}
					}
					return false
				}
				for a.ends == 0 {
					err := a.follow(ctx, v.client, c.lb+events, first)
					if err == nil {
						continue
					}
					if ctx.Err() != nil {
						results <- result{i, a, reconnects, err}
						return
					}
					reconnects++
					select {
					case <-ctx.Done():
					case <-time.After(100 * time.Millisecond): // a browser's reconnection delay
					}
				}
				results <- result{i, a, reconnects, nil}
			}()
		}
	}
	for i := range answers {
		gates[i] <- struct{}{}
	}
	for range answers * watchers {
		select {
		case <-firsts:
		case <-ctx.Done():
			t.Fatal("not every watcher saw its answer's first piece")
		}
	}
	for i := range answers {
		gates[i] <- struct{}{}
	}

	// The first replica is told to stop; the rest of its answers is
	// written after the signal, and they end before it exits.
	stopped := c.replicas[0]
	stopped.terminate(t)
	for i := 0; i < answers; i += 3 {
		close(gates[i])
	}
	// The others' answers are still being written when it exits: those of
	// its watchers reconnect elsewhere.
	stopped.waitExit(t, ctx)
	for i := range answers {
		if i%3 != 0 {
			close(gates[i])
		}
	}
	reconnected := 0
	for range answers * watchers {
		select {
		case r := <-results:
			want := strings.Join(replies[r.answer], "")
			if r.err != nil {
				t.Errorf("a watcher of answer %d: %v (read %q)", r.answer, r.err, r.a.text)
				continue
			}
			if r.a.text != want || r.a.ends != 1 {
				t.Errorf("a watcher of answer %d read %q (%d ends), want %q once", r.answer, r.a.text, r.a.ends, want)
			}
			if text, state := finalText(t, r.a.end); state != "done" || text != strings.TrimSpace(want) {
				t.Errorf("answer %d ended %q reading %q", r.answer, state, text)
			}
			reconnected += r.reconnects
		case <-ctx.Done():
			t.Fatal("not every watcher saw its answer end")
		}
	}
	// With twelve streams of the other replicas' answers spread in turn
	// over three replicas, some were on the one that stopped.
	if reconnected == 0 {
		t.Error("no watcher reconnected: the test did not cut any stream")
	}
	t.Logf("%d reconnections", reconnected)
	if calls := len(c.fake.Calls()); calls != answers {
		t.Errorf("the model was asked %d times for %d questions", calls, answers)
	}
}

// TestBrowserReplicaStoppedMidAnswer: in a real browser, through the
// balancer, an answer streams in and completes, exactly, while the replica
// writing it is stopped.
func TestBrowserReplicaStoppedMidAnswer(t *testing.T) {
	c := startCluster(t, 3)
	chunks := []string{"Rolefit keeps answering ", "while a replica stops, ", "and the page reads it once."}
	gate := make(chan struct{})
	c.fake.Push(fakeopenai.Reply{Chunks: chunks, Gate: gate})

	ctx := browserTab(t)
	do(t, ctx,
		chromedp.Navigate(c.lb),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What if a server stops?"+kb.Enter),
	)
	gate <- struct{}{}
	waitFor(t, ctx, "the first words", fmt.Sprintf(`%s.trim() === %q`, assistantText, strings.TrimSpace(chunks[0])))
	if s := eval[string](t, ctx, assistantState); s != "streaming" {
		t.Fatalf("after the first words the answer is %q, want streaming", s)
	}

	stopped := c.writer(t, ctx, 1)
	stopped.terminate(t)
	gate <- struct{}{}
	close(gate)
	want := strings.Join(chunks, "")
	waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)
	if got := strings.TrimSpace(eval[string](t, ctx, assistantText)); got != want {
		t.Errorf("the finished answer reads %q, want %q", got, want)
	}
	// Reloaded through the balancer, from any replica still up.
	do(t, ctx, chromedp.Reload())
	waitFor(t, ctx, "the conversation after a reload", `document.querySelectorAll('[data-testid=message]').length === 2`)
	if got := strings.TrimSpace(eval[string](t, ctx, assistantText)); got != want {
		t.Errorf("after a reload the answer reads %q", got)
	}
	stopped.waitExit(t, ctx)
}

// TestBrowserResumesOnAnotherReplica: in a real browser, the replicas that
// do not write the answer stop while it streams, cutting the page's stream
// if it was on one of them; the browser reconnects through the balancer
// with Last-Event-ID to the replica left, and the answer reads exactly
// once.
func TestBrowserResumesOnAnotherReplica(t *testing.T) {
	c := startCluster(t, 3)
	chunks := []string{"One replica stops, ", "then another; ", "the page reads every word once."}
	gate := make(chan struct{})
	c.fake.Push(fakeopenai.Reply{Chunks: chunks, Gate: gate})

	ctx := browserTab(t, expectReconnect)
	do(t, ctx,
		chromedp.Navigate(c.lb),
		chromedp.WaitVisible(chromedp.CSS(`form[data-testid=composer] textarea[name=message]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=message]`), "What if the servers stop?"+kb.Enter),
	)
	gate <- struct{}{}
	waitFor(t, ctx, "the first words", fmt.Sprintf(`%s.trim() === %q`, assistantText, strings.TrimSpace(chunks[0])))

	writer := c.writer(t, ctx, 1)
	var others []*replica
	for _, r := range c.replicas {
		if r != writer {
			others = append(others, r)
			r.terminate(t)
		}
	}
	for _, r := range others {
		r.waitExit(t, ctx)
	}
	// Only the writer is left: the page's stream is there now, resumed.
	gate <- struct{}{}
	waitFor(t, ctx, "the second piece", fmt.Sprintf(`%s.trim() === %q`, assistantText, strings.TrimSpace(strings.Join(chunks[:2], ""))))
	if s := eval[string](t, ctx, assistantState); s != "streaming" {
		t.Fatalf("after the second piece the answer is %q, want streaming", s)
	}
	close(gate)
	want := strings.Join(chunks, "")
	waitFor(t, ctx, "the finished answer", assistantState+` === 'done'`)
	if got := strings.TrimSpace(eval[string](t, ctx, assistantText)); got != want {
		t.Errorf("the finished answer reads %q, want %q", got, want)
	}
}
