package deploy

import (
	"bytes"
	"context"
	"debug/buildinfo"
	"debug/elf"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/rolefit/rolefit/internal/fakeopenai"
)

// maxBinaryBytes is the size budget of the static binary.
const maxBinaryBytes = 25 << 20

// TestImageInAnEmptyRoot runs the image without Docker: it builds the binary
// as the Dockerfile does (`make build`), lays out a root directory holding
// only what the final stage copies, and starts the entrypoint chrooted into
// it as the image's user, with the image's environment. There is no shell,
// no /etc, no CA bundle and no /tmp, as in the real image.
func TestImageInAnEmptyRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("empty-root test: builds the release binary with `make build`, too slow for -short; `make test` runs it")
	}
	if os.Geteuid() != 0 {
		t.Fatal("this test needs root: it chroots into an empty directory and drops to the image's uid, as a container would (CI runs as root)")
	}
	img := loadDockerfile(t)
	uid, gid := img.uidGID(t)
	bin := makeBuild(t)
	checkStaticBinary(t, bin)
	root := imageRoot(t, img, bin)

	fake := fakeopenai.New()
	defer fake.Close()
	answer := []string{"An ML engineer ", "trains and ships models; ", "this answer came through an empty root."}
	fake.Push(fakeopenai.Reply{Chunks: answer})

	addr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	env := img.containerEnv(map[string]string{
		"ADDR":            addr,
		"OPENAI_BASE_URL": fake.URL, // loopback: a chroot shares the network namespace
		"SHUTDOWN_GRACE":  "2s",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// Start the entrypoint, as `docker run` would.
	server := inRoot(ctx, root, uid, gid, env, img.entrypoint.CmdLine)
	stdout := &firstLineWriter{line: make(chan string, 1)}
	server.Stdout = stdout
	logs := &lockedBuffer{}
	server.Stderr = logs
	if err := server.Start(); err != nil {
		t.Fatalf("start %v in the empty root: %v", img.entrypoint.CmdLine, err)
	}
	// exited is closed when the server has exited, with exitErr set.
	exited := make(chan struct{})
	var exitErr error
	go func() { exitErr = server.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			server.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("rolefit's log:\n%s", logs.String())
		}
	})
	var line string
	select {
	case line = <-stdout.line:
	case <-exited:
		t.Fatalf("rolefit exited before listening: %v", exitErr)
	case <-time.After(30 * time.Second):
		t.Fatal("rolefit did not say it was listening within 30s")
	}
	base := "http://" + addr
	if line != "Rolefit is listening on "+base {
		t.Fatalf("first line %q, want it listening on %s", line, base)
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	// The page, with its composer, and a visitor cookie.
	page := getHTML(t, client, base+"/")
	if page.Find(`form[data-testid=composer] textarea[name=message]`).Length() != 1 {
		t.Error("GET / has no composer")
	}
	baseURL, _ := url.Parse(base)
	if !slices.ContainsFunc(jar.Cookies(baseURL), func(c *http.Cookie) bool { return c.Name == "rolefit_visitor" }) {
		t.Error("GET / set no rolefit_visitor cookie")
	}

	if res, err := client.Get(base + "/healthz"); err != nil {
		t.Errorf("GET /healthz: %v", err)
	} else {
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET /healthz = %s", res.Status)
		}
	}

	// Docker's HEALTHCHECK: the image's command, in the same root, as the
	// same user, with the same environment.
	check := img.healthcheck.Health.Test[1:] // after "CMD"
	if out, err := inRoot(ctx, root, uid, gid, env, check).CombinedOutput(); err != nil {
		t.Errorf("HEALTHCHECK %q failed: %v\n%s", check, err, out)
	}

	// A question, asked as a browser without JavaScript asks it.
	question := "What does an ML engineer do all day?"
	res, err := client.PostForm(base+"/c", url.Values{"message": {question}})
	if err != nil {
		t.Fatalf("POST /c: %v", err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/c/") || !strings.Contains(loc, "#") {
		t.Fatalf("POST /c = %s to %q, want 303 to /c/{id}#…", res.Status, loc)
	}
	conv := getHTML(t, client, base+loc)
	if got := conv.Find(`[data-testid=message][data-role=user]`).Text(); !strings.Contains(got, question) {
		t.Errorf("the conversation's question reads %q", got)
	}
	done := conv.Find(`[data-testid=message][data-role=assistant][data-state=done]`)
	if want := strings.Join(answer, ""); done.Length() != 1 || !strings.Contains(done.Text(), want) {
		t.Errorf("the finished answer reads %q (%d found), want it to contain %q", done.Text(), done.Length(), want)
	}
	if calls := fake.Calls(); len(calls) != 1 {
		t.Errorf("the model was called %d times, want once", len(calls))
	}
	// The database was written in /data, by the image's user.
	if fi, err := os.Stat(filepath.Join(root, "data", "rolefit.db")); err != nil {
		t.Errorf("no database in /data: %v", err)
	} else if st := fi.Sys().(*syscall.Stat_t); st.Uid != uid {
		t.Errorf("the database belongs to uid %d, want %d", st.Uid, uid)
	}

	// `docker stop`: SIGTERM, and a clean exit well within the grace.
	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
		if exitErr != nil {
			t.Errorf("after SIGTERM rolefit exited with %v", exitErr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("rolefit did not exit within 15s of SIGTERM")
	}
	if strings.Contains(logs.String(), `"level":"ERROR"`) {
		t.Error("rolefit logged an error")
	}

	// With the server gone the health check fails, with one line saying why.
	out, err := inRoot(ctx, root, uid, gid, env, check).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() == 0 || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 ||
		!strings.Contains(string(out), "connection refused") {
		t.Errorf("HEALTHCHECK with no server: %v, output %q; want a non-zero exit and one line", err, out)
	}
}

// makeBuild builds the binary with the target the Dockerfile runs.
func makeBuild(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "build")
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	return filepath.Join(repoRoot(t), binaryInRepo)
}

// checkStaticBinary checks the binary can run with no libc and no loader,
// was built with the flags a reproducible, small image needs, carries its
// own CA roots, and fits the size budget.
func checkStaticBinary(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s has a %s program header: it is not statically linked", bin, p.Type)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v", bin, libs)
	}

	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	for k, want := range map[string]string{"CGO_ENABLED": "0", "-trimpath": "true"} {
		if settings[k] != want {
			t.Errorf("%s was built with %s=%q, want %q", bin, k, settings[k], want)
		}
	}
	// -ldflags="-s -w" (not recorded with -trimpath): no symbol table, no DWARF.
	for _, s := range f.Sections {
		if s.Name == ".symtab" || strings.HasPrefix(s.Name, ".debug_") || strings.HasPrefix(s.Name, ".zdebug_") {
			t.Errorf("%s has a %s section: it was not built with -ldflags=\"-s -w\"", bin, s.Name)
		}
	}
	if !slices.ContainsFunc(info.Deps, func(m *debug.Module) bool { return m.Path == "golang.org/x/crypto/x509roots/fallback" }) {
		t.Errorf("%s lacks the fallback CA roots: it could not verify TLS in a scratch image", bin)
	}

	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %d bytes (%.1f MiB)", binaryInRepo, fi.Size(), float64(fi.Size())/(1<<20))
	if fi.Size() >= maxBinaryBytes {
		t.Errorf("%s is %d bytes, over the %d-byte budget", bin, fi.Size(), maxBinaryBytes)
	}
}

// imageRoot lays out, in a fresh directory, exactly what the Dockerfile's
// final stage copies: files from the checkout the builder made, and the
// empty directories the builder's `mkdir -p` made, with the COPY's owner.
func imageRoot(t *testing.T, img image, bin string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range img.copies {
		src, dst := c.SourcePaths[0], filepath.Join(root, c.DestPath)
		switch {
		case src == img.workdir+"/"+binaryInRepo:
			copyFile(t, bin, dst)
		case slices.Contains(img.runs, "mkdir -p "+src):
			if err := os.Mkdir(dst, 0o755); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("this test does not know how to lay out COPY %s %s", src, c.DestPath)
		}
		if c.Chown != "" {
			u, g, _ := strings.Cut(c.Chown, ":")
			if err := os.Lchown(dst, int(parseID(t, "--chown uid", u)), int(parseID(t, "--chown gid", g))); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, _ := os.ReadDir(root)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	t.Logf("the empty root holds only %v", names)
	return root
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// containerEnv is the environment Docker gives the entrypoint: its own
// PATH and HOME, then the image's ENV, then the overrides (`docker run -e`).
func (img image) containerEnv(overrides map[string]string) []string {
	vars := map[string]string{"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/"}
	for k, v := range img.env {
		vars[k] = v
	}
	for k, v := range overrides {
		vars[k] = v
	}
	var env []string
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	slices.Sort(env)
	return env
}

// inRoot is a command run as a container runs its processes here: chrooted
// into root, as uid:gid with no supplementary groups, with only env.
func inRoot(ctx context.Context, root string, uid, gid uint32, env, argv []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = "/" // inside the chroot
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Chroot:     root,
		Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}},
	}
	return cmd
}

// firstLineWriter is the server's stdout: it hands over the first line, as
// soon as it is complete, and drops the rest.
type firstLineWriter struct {
	line chan string // receives the first line, once
	buf  []byte
	sent bool
}

func (w *firstLineWriter) Write(p []byte) (int, error) {
	if !w.sent {
		w.buf = append(w.buf, p...)
		if i := bytes.IndexByte(w.buf, '\n'); i >= 0 {
			w.line <- string(w.buf[:i])
			w.sent, w.buf = true, nil
		}
	}
	return len(p), nil
}

func getHTML(t *testing.T, client *http.Client, u string) *goquery.Document {
	t.Helper()
	res, err := client.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %s", u, res.Status)
	}
	doc, err := goquery.NewDocumentFromReader(res.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return doc
}

// freePort is a loopback port nobody listens on, so the server and its
// health check can share one ADDR as they do in the container.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
