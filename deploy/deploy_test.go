package deploy

import (
	"context"
	"encoding/json"
	"go/version"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"

	"github.com/rolefit/rolefit/internal/config"
	"github.com/rolefit/rolefit/views"
)

// The binary `make build` writes, relative to the checkout. The Dockerfile
// copies it from the builder's WORKDIR, and the empty-root test runs it.
const binaryInRepo = "bin/rolefit"

func TestDockerfile(t *testing.T) {
	img := loadDockerfile(t)

	t.Run("builder", func(t *testing.T) {
		if len(img.stages) != 2 {
			t.Errorf("%d stages, want 2: the builder and the image", len(img.stages))
		}
		b := img.build
		if b.Name == "" {
			t.Fatalf("the final stage does not copy from a named build stage")
		}
		// A pinned golang image, new enough for go.mod's go line.
		base, tag, _ := strings.Cut(b.BaseName, ":")
		goVersion, _, _ := strings.Cut(tag, "-")
		if base != "golang" || !regexp.MustCompile(`^1\.\d+\.\d+$`).MatchString(goVersion) {
			t.Errorf("builder FROM %q: want golang:<major.minor.patch>-<distro>, pinned", b.BaseName)
		}
		if need := goLine(t); version.Compare("go"+goVersion, "go"+need) < 0 {
			t.Errorf("builder FROM %q is older than go.mod's `go %s`", b.BaseName, need)
		}
		// The same build as everywhere else: `make build`, whose recipe
		// writes the binary the final stage copies.
		if !slices.Contains(img.runs, "make build") {
			t.Errorf("the builder's RUN commands are %q: want `make build`, the project's own build", img.runs)
		}
		if !regexp.MustCompile(`(?m)^build:.*\n(\t.*\n)*\tCGO_ENABLED=0 go build \$\(GO_BUILD_FLAGS\) -o ` + regexp.QuoteMeta(binaryInRepo) + ` \./cmd/web$`).MatchString(readRepoFile(t, "Makefile")) {
			t.Errorf("the Makefile's build target no longer builds %s with CGO_ENABLED=0: the image and this test both rely on it", binaryInRepo)
		}
		if img.workdir == "" {
			t.Error("the builder has no WORKDIR for the checkout")
		}
	})

	t.Run("final stage", func(t *testing.T) {
		if img.final.BaseName != "scratch" {
			t.Errorf("final FROM %q, want scratch", img.final.BaseName)
		}
		if len(img.others) > 0 {
			t.Errorf("unexpected instructions in the final stage: %v", img.others)
		}
		// Exactly the binary (root-owned, so the app cannot replace it) and
		// an empty /data owned by the runtime user.
		want := []struct{ src, dst, chown string }{
			{img.workdir + "/" + binaryInRepo, "/rolefit", ""},
			{"/rootfs/data", "/data", img.user},
		}
		if len(img.copies) != len(want) {
			t.Fatalf("the final stage has %d COPY instructions, want %d (the binary and /data)", len(img.copies), len(want))
		}
		for i, c := range img.copies {
			w := want[i]
			if c.From != img.build.Name || len(c.SourcePaths) != 1 || c.SourcePaths[0] != w.src || c.DestPath != w.dst || c.Chown != w.chown {
				t.Errorf("COPY #%d = --from=%s --chown=%s %v %s; want --from=%s --chown=%s %s %s",
					i+1, c.From, c.Chown, c.SourcePaths, c.DestPath, img.build.Name, w.chown, w.src, w.dst)
			}
		}
		if !slices.Contains(img.runs, "mkdir -p /rootfs/data") {
			t.Errorf("the builder never makes /rootfs/data, which the final stage copies as /data")
		}
		if uid, gid := img.uidGID(t); uid == 0 || gid == 0 {
			t.Errorf("USER %q runs as root", img.user)
		}
		if got := img.env["DATA_DIR"]; got != "/data" || !slices.Contains(img.volumes, got) {
			t.Errorf("DATA_DIR=%q and VOLUME %v: want the database in the /data volume", got, img.volumes)
		}
		if got := img.env["ADDR"]; got != ":8080" || !slices.Contains(img.exposed, "8080") {
			t.Errorf("ADDR=%q and EXPOSE %v: want every interface on 8080, exposed", got, img.exposed)
		}
		if img.stopSignal != "" && img.stopSignal != "SIGTERM" {
			t.Errorf("STOPSIGNAL %s: Rolefit shuts down gracefully on SIGTERM", img.stopSignal)
		}
	})

	t.Run("entrypoint and health check", func(t *testing.T) {
		e := img.entrypoint
		if e == nil || e.PrependShell || !slices.Equal(e.CmdLine, []string{"/rolefit"}) {
			t.Fatalf("ENTRYPOINT %+v: want the exec form [\"/rolefit\"] (there is no shell)", e)
		}
		h := img.healthcheck
		if h == nil || h.Health == nil {
			t.Fatal("no HEALTHCHECK")
		}
		if want := []string{"CMD", "/rolefit", "healthcheck"}; !slices.Equal(h.Health.Test, want) {
			t.Errorf("HEALTHCHECK %q, want the exec form %q (there is no shell or curl)", h.Health.Test, want)
		}
		// The subcommand gives up after 3s; Docker must wait longer than
		// that, or it would kill the check before it can say why it failed.
		if h.Health.Timeout <= 3*time.Second || h.Health.Interval < h.Health.Timeout {
			t.Errorf("HEALTHCHECK --interval=%s --timeout=%s: want a timeout over 3s, and an interval no shorter", h.Health.Interval, h.Health.Timeout)
		}
	})

	t.Run("labels", func(t *testing.T) {
		// Expanded as `docker build --build-arg VERSION=1.2.3` would.
		img := loadDockerfile(t, "VERSION=1.2.3")
		var pkg struct{ License string }
		if err := json.Unmarshal([]byte(readRepoFile(t, "package.json")), &pkg); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"org.opencontainers.image.source":   "https://github.com/rolefit/rolefit",
			"org.opencontainers.image.licenses": pkg.License,
			"org.opencontainers.image.version":  "1.2.3",
		}
		for k, v := range want {
			if img.labels[k] != v {
				t.Errorf("LABEL %s=%q, want %q", k, img.labels[k], v)
			}
		}
		for _, k := range []string{"org.opencontainers.image.title", "org.opencontainers.image.description"} {
			if img.labels[k] == "" {
				t.Errorf("no LABEL %s", k)
			}
		}
		if !img.args["VERSION"] {
			t.Error("the version label needs ARG VERSION in the final stage")
		}
	})
}

// goLine is go.mod's `go` version.
func goLine(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^go (\S+)$`).FindStringSubmatch(readRepoFile(t, "go.mod"))
	if m == nil {
		t.Fatal("go.mod has no go line")
	}
	return m[1]
}

// TestDockerignore reads .dockerignore with the matcher Docker uses: the
// build context holds every source the build needs, and nothing it makes or
// that should never reach an image layer.
func TestDockerignore(t *testing.T) {
	root := repoRoot(t)
	patterns, err := ignorefile.ReadAll(strings.NewReader(readRepoFile(t, ".dockerignore")))
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatalf(".dockerignore: %v", err)
	}
	excluded := func(path string) bool {
		ok, err := pm.MatchesOrParentMatches(path)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	for _, p := range []string{
		".git/config", "node_modules/htmx.org/package.json", "static/vendor/htmx.min.js", "bin/rolefit",
		"data/rolefit.db", "data/rolefit.db-wal", "docs/screenshot.png", ".env", "openai.key",
	} {
		if !excluded(p) {
			t.Errorf("%s would be sent to the builder", p)
		}
	}
	// Everything `make build` reads: the Makefile and npm's lock, Go
	// sources, templates and every file a //go:embed pattern takes.
	needed := []string{"Makefile", "go.mod", "go.sum", "package.json", "package-lock.json"}
	for _, glob := range []string{"cmd/web/*.go", "internal/*/*.go", "internal/prompts/knowledge/*.md",
		"internal/store/migrations/*.sql", "views/*.templ", "views/*.go", "static/*"} {
		m, err := filepath.Glob(filepath.Join(root, glob))
		if err != nil || len(m) == 0 {
			t.Fatalf("%s matches nothing (%v)", glob, err)
		}
		for _, f := range m {
			rel, _ := filepath.Rel(root, f)
			if !strings.HasSuffix(rel, "_test.go") && rel != "static/vendor" {
				needed = append(needed, filepath.ToSlash(rel))
			}
		}
	}
	for _, p := range needed {
		if excluded(p) {
			t.Errorf("%s is needed by `make build` but .dockerignore leaves it out", p)
		}
	}
}

// loadCompose loads compose.yaml as `docker compose` does (compose-go is its
// loader), with an empty environment so the result does not depend on the
// shell the test runs in.
func loadCompose(t *testing.T, profiles []string, env ...string) *types.Project {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions([]string{filepath.Join(root, "compose.yaml")},
		cli.WithWorkingDirectory(root),
		cli.WithEnv(env),
		cli.WithProfiles(profiles),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	return p
}

func TestCompose(t *testing.T) {
	img := loadDockerfile(t)
	defaults, err := config.Load(nil, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}

	// checkApp checks what every Rolefit service in the file must have.
	checkApp := func(t *testing.T, p *types.Project, name, hostPort string) types.ServiceConfig {
		t.Helper()
		s, err := p.GetService(name)
		if err != nil {
			t.Fatal(err)
		}
		if s.Build == nil || s.Build.Context != p.WorkingDir {
			t.Errorf("%s: build %+v, want the repository's Dockerfile", name, s.Build)
		}
		if len(s.Ports) != 1 || s.Ports[0].Target != 8080 || s.Ports[0].Published != hostPort {
			t.Errorf("%s: ports %+v, want %s:8080", name, s.Ports, hostPort)
		}
		if len(s.Volumes) != 1 || s.Volumes[0].Type != types.VolumeTypeVolume || s.Volumes[0].Target != img.env["DATA_DIR"] {
			t.Fatalf("%s: volumes %+v, want one named volume at %s", name, s.Volumes, img.env["DATA_DIR"])
		}
		if _, ok := p.Volumes[s.Volumes[0].Source]; !ok {
			t.Errorf("%s: volume %q is not declared under volumes:", name, s.Volumes[0].Source)
		}
		if s.HealthCheck == nil || !slices.Equal(s.HealthCheck.Test, img.healthcheck.Health.Test) {
			t.Errorf("%s: healthcheck %+v, want the image's own %q", name, s.HealthCheck, img.healthcheck.Health.Test)
		}
		if s.Restart != types.RestartPolicyUnlessStopped {
			t.Errorf("%s: restart %q, want %q", name, s.Restart, types.RestartPolicyUnlessStopped)
		}
		if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) <= defaults.ShutdownGrace {
			t.Errorf("%s: stop_grace_period %v, want longer than SHUTDOWN_GRACE (%s) so answers in flight finish", name, s.StopGracePeriod, defaults.ShutdownGrace)
		}
		if !s.ReadOnly {
			t.Errorf("%s: want read_only: only the volume is written", name)
		}
		return s
	}

	t.Run("default", func(t *testing.T) {
		p := loadCompose(t, nil)
		if names := p.ServiceNames(); !slices.Equal(names, []string{"rolefit"}) {
			t.Errorf("services %v, want only rolefit without a profile", names)
		}
		s := checkApp(t, p, "rolefit", "8080")
		// Offline unless the person's shell says otherwise.
		for _, k := range []string{"OPENAI_API_KEY", "OPENAI_BASE_URL"} {
			if v, ok := s.Environment[k]; ok && v != nil {
				t.Errorf("%s=%q with an empty environment, want it unset (offline mode)", k, *v)
			}
		}
		// ... and the shell's key, when there is one, is passed on.
		p = loadCompose(t, nil, "OPENAI_API_KEY=sk-from-the-shell")
		s, _ = p.GetService("rolefit")
		if v := s.Environment["OPENAI_API_KEY"]; v == nil || *v != "sk-from-the-shell" {
			t.Errorf("OPENAI_API_KEY from the shell is not passed on: %q", deref(v))
		}
	})

	t.Run("ollama profile", func(t *testing.T) {
		p := loadCompose(t, []string{"ollama"})
		names := p.ServiceNames()
		slices.Sort(names)
		if want := []string{"ollama", "ollama-pull", "rolefit", "rolefit-ollama"}; !slices.Equal(names, want) {
			t.Fatalf("services %v, want %v", names, want)
		}
		app := checkApp(t, p, "rolefit-ollama", "8081")
		plain, _ := p.GetService("rolefit")
		if app.Volumes[0].Source == plain.Volumes[0].Source {
			t.Errorf("both Rolefits share the volume %q: two servers on one database", plain.Volumes[0].Source)
		}
		base := app.Environment["OPENAI_BASE_URL"]
		if base == nil || *base != "http://ollama:11434/v1" {
			t.Fatalf("rolefit-ollama: OPENAI_BASE_URL=%q, want http://ollama:11434/v1", deref(base))
		}
		if u, _ := url.Parse(*base); !slices.Contains(names, u.Hostname()) {
			t.Errorf("OPENAI_BASE_URL names host %q, which is no service", u.Hostname())
		}
		if d, ok := app.DependsOn["ollama-pull"]; !ok || d.Condition != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("rolefit-ollama depends on %+v, want ollama-pull to have completed", app.DependsOn)
		}
		pull, _ := p.GetService("ollama-pull")
		if d, ok := pull.DependsOn["ollama"]; !ok || d.Condition != types.ServiceConditionHealthy {
			t.Errorf("ollama-pull depends on %+v, want a healthy ollama", pull.DependsOn)
		}
		ollama, _ := p.GetService("ollama")
		if ollama.HealthCheck == nil || len(ollama.HealthCheck.Test) == 0 {
			t.Error("ollama has no healthcheck, so nothing can wait for it")
		}
		// The model Rolefit asks for is the one pulled, also when chosen.
		for _, env := range [][]string{nil, {"OLLAMA_MODEL=qwen2.5:0.5b"}} {
			p := loadCompose(t, []string{"ollama"}, env...)
			app, _ := p.GetService("rolefit-ollama")
			pull, _ := p.GetService("ollama-pull")
			model := app.Environment["OPENAI_MODEL"]
			if model == nil || !slices.Equal(pull.Command, types.ShellCommand{"pull", *model}) {
				t.Errorf("env %v: Rolefit asks for %q but ollama-pull runs %q", env, deref(model), pull.Command)
			}
		}
	})
}

// The scale profile's services, besides the single-node rolefit that runs
// in every profile.
var (
	replicas = []string{"rolefit-1", "rolefit-2", "rolefit-3"}
	balancer = "rolefit-lb"
)

func TestComposeScale(t *testing.T) {
	img := loadDockerfile(t)
	env := []string{"POSTGRES_PASSWORD=pg-from-the-shell", "SESSION_SECRET=a-session-secret-of-32-characters-or-more", "ACCESS_PASSWORD=open sesame"}
	p := loadCompose(t, []string{"scale"}, env...)
	names := p.ServiceNames()
	slices.Sort(names)
	want := append([]string{balancer, "postgres", "rolefit", "valkey"}, replicas...)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Fatalf("services %v, want %v", names, want)
	}
	single, _ := p.GetService("rolefit")

	postgres, _ := p.GetService("postgres")
	t.Run("postgres", func(t *testing.T) {
		checkPinned(t, postgres, "postgres")
		checkHealthCheck(t, postgres)
		if len(postgres.Volumes) != 1 || postgres.Volumes[0].Type != types.VolumeTypeVolume || postgres.Volumes[0].Target != "/var/lib/postgresql/data" {
			t.Errorf("postgres: volumes %+v, want a named volume at /var/lib/postgresql/data", postgres.Volumes)
		}
		if v := postgres.Environment["POSTGRES_PASSWORD"]; v == nil || *v != "pg-from-the-shell" {
			t.Errorf("POSTGRES_PASSWORD from the shell is not passed on: %q", deref(v))
		}
		// No password is committed: without one in the shell there is none.
		p := loadCompose(t, []string{"scale"})
		pg, _ := p.GetService("postgres")
		if v := pg.Environment["POSTGRES_PASSWORD"]; v != nil && *v != "" {
			t.Errorf("POSTGRES_PASSWORD=%q with an empty environment: a default secret is committed", *v)
		}
	})

	valkey, _ := p.GetService("valkey")
	t.Run("valkey", func(t *testing.T) {
		checkPinned(t, valkey, "valkey/valkey")
		checkHealthCheck(t, valkey)
	})

	t.Run("replicas", func(t *testing.T) {
		for _, name := range replicas {
			s, err := p.GetService(name)
			if err != nil {
				t.Fatal(err)
			}
			// The single node's image, hardening and health check, by anchor.
			if s.Build == nil || single.Build == nil || s.Build.Context != single.Build.Context || s.Image != single.Image {
				t.Errorf("%s: build %+v image %q, want the single node's", name, s.Build, s.Image)
			}
			if !s.ReadOnly || !slices.Equal(s.CapDrop, single.CapDrop) || !slices.Equal(s.SecurityOpt, single.SecurityOpt) ||
				s.Restart != single.Restart || s.HealthCheck == nil || !slices.Equal(s.HealthCheck.Test, img.healthcheck.Health.Test) {
				t.Errorf("%s: read_only %v cap_drop %v security_opt %v restart %q healthcheck %+v: want the single node's hardening",
					name, s.ReadOnly, s.CapDrop, s.SecurityOpt, s.Restart, s.HealthCheck)
			}
			if len(s.Ports) != 0 {
				t.Errorf("%s publishes %+v: replicas are reached through %s only", name, s.Ports, balancer)
			}
			// The environment is a configuration Rolefit accepts.
			getenv := func(k string) string { return deref0(s.Environment[k]) }
			cfg, err := config.Load(nil, getenv, nil)
			if err != nil {
				t.Fatalf("%s: its environment does not load: %v", name, err)
			}
			if s.StopGracePeriod == nil || time.Duration(*s.StopGracePeriod) <= cfg.ShutdownGrace+5*time.Second {
				t.Errorf("%s: stop_grace_period %v, want longer than SHUTDOWN_GRACE (%s) and the HTTP server's 5 s after it, so answers in flight finish",
					name, s.StopGracePeriod, cfg.ShutdownGrace)
			}
			if len(cfg.TrustedProxies) == 0 {
				t.Errorf("%s: no TRUSTED_PROXIES, so every visitor would share the load balancer's address", name)
			}
			if getenv("SESSION_SECRET") != "a-session-secret-of-32-characters-or-more" {
				t.Errorf("%s: SESSION_SECRET from the shell is not passed on, so each replica would sign sessions differently", name)
			}
			db, err := url.Parse(getenv("DATABASE_URL"))
			if err != nil || db.Scheme != "postgres" {
				t.Fatalf("%s: DATABASE_URL=%q (%v), want postgres://", name, getenv("DATABASE_URL"), err)
			}
			pw, _ := db.User.Password()
			if db.Hostname() != "postgres" || db.User.Username() != deref0(postgres.Environment["POSTGRES_USER"]) ||
				pw != "pg-from-the-shell" || strings.TrimPrefix(db.Path, "/") != deref0(postgres.Environment["POSTGRES_DB"]) {
				t.Errorf("%s: DATABASE_URL=%q does not name the postgres service's user, password and database", name, db.Redacted())
			}
			rd, err := url.Parse(getenv("REDIS_URL"))
			if err != nil || rd.Scheme != "redis" || rd.Hostname() != "valkey" {
				t.Errorf("%s: REDIS_URL=%q (%v), want redis://valkey…", name, getenv("REDIS_URL"), err)
			}
			for _, dep := range []string{"postgres", "valkey"} {
				if d, ok := s.DependsOn[dep]; !ok || d.Condition != types.ServiceConditionHealthy {
					t.Errorf("%s depends on %+v, want a healthy %s", name, s.DependsOn, dep)
				}
			}
		}
	})

	t.Run("load balancer", func(t *testing.T) {
		lb, _ := p.GetService(balancer)
		checkPinned(t, lb, "nginx")
		if !lb.ReadOnly || !slices.Equal(lb.CapDrop, []string{"ALL"}) {
			t.Errorf("%s: read_only %v cap_drop %v, want read-only with no capabilities but those it adds", balancer, lb.ReadOnly, lb.CapDrop)
		}
		conf := readRepoFile(t, "deploy/nginx-scale.conf")
		m := regexp.MustCompile(`(?m)^\s*listen (\d+);`).FindStringSubmatch(conf)
		if m == nil {
			t.Fatal("nginx-scale.conf listens on no port")
		}
		// Its own port, beside the single node's 8080 and Ollama's 8081.
		if len(lb.Ports) != 1 || strconv.Itoa(int(lb.Ports[0].Target)) != m[1] || slices.Contains([]string{"8080", "8081"}, lb.Ports[0].Published) {
			t.Errorf("%s: ports %+v, want one to nginx's %s, not on 8080 or 8081", balancer, lb.Ports, m[1])
		}
		mounted := false
		for _, v := range lb.Volumes {
			if v.Type == types.VolumeTypeBind && v.Source == filepath.Join(p.WorkingDir, "deploy", "nginx-scale.conf") &&
				v.Target == "/etc/nginx/conf.d/default.conf" && v.ReadOnly {
				mounted = true
			}
		}
		if !mounted {
			t.Errorf("%s: volumes %+v, want deploy/nginx-scale.conf read-only as /etc/nginx/conf.d/default.conf", balancer, lb.Volumes)
		}
		// nginx balances over exactly the replicas, on their port.
		var servers []string
		for _, m := range regexp.MustCompile(`(?m)^\s*server (\S+):(\d+)\b`).FindAllStringSubmatch(conf, -1) {
			servers = append(servers, m[1])
			if m[2] != "8080" {
				t.Errorf("upstream server %s:%s, want the replicas' port 8080", m[1], m[2])
			}
		}
		if !slices.Equal(servers, replicas) {
			t.Errorf("nginx-scale.conf balances over %v, want the replicas %v", servers, replicas)
		}
		// `resolve` in an upstream is open-source nginx's from 1.27.3 on.
		if strings.Contains(conf, " resolve;") {
			_, tag, _ := strings.Cut(lb.Image, ":")
			v, _, _ := strings.Cut(tag, "-")
			if n := strings.Count(v, "."); n < 2 {
				v += strings.Repeat(".0", 2-n)
			}
			if version.Compare("go"+v, "go1.27.3") < 0 {
				t.Errorf("%s: image %q, but nginx-scale.conf's `resolve` needs nginx 1.27.3 or later", balancer, lb.Image)
			}
		}
		for _, r := range replicas {
			if d, ok := lb.DependsOn[r]; !ok || d.Condition != types.ServiceConditionHealthy {
				t.Errorf("%s depends on %+v, want a healthy %s", balancer, lb.DependsOn, r)
			}
		}
	})

	t.Run("default profile unchanged", func(t *testing.T) {
		p := loadCompose(t, nil, env...)
		if names := p.ServiceNames(); !slices.Equal(names, []string{"rolefit"}) {
			t.Fatalf("services %v without a profile, want only rolefit", names)
		}
		s, _ := p.GetService("rolefit")
		for _, k := range []string{"DATABASE_URL", "REDIS_URL"} {
			if _, ok := s.Environment[k]; ok {
				t.Errorf("the single node has %s: it keeps SQLite in its volume", k)
			}
		}
	})
}

// checkPinned fails unless s runs image name at a version, not latest.
func checkPinned(t *testing.T, s types.ServiceConfig, name string) {
	t.Helper()
	image, tag, _ := strings.Cut(s.Image, ":")
	if image != name || !regexp.MustCompile(`^\d+(\.\d+)*(-alpine)?$`).MatchString(tag) {
		t.Errorf("%s: image %q, want %s at a pinned version", s.Name, s.Image, name)
	}
}

// checkHealthCheck fails unless s has a health check, which depends_on
// with service_healthy waits for.
func checkHealthCheck(t *testing.T, s types.ServiceConfig) {
	t.Helper()
	if s.HealthCheck == nil || len(s.HealthCheck.Test) < 2 || s.HealthCheck.Disable {
		t.Errorf("%s: healthcheck %+v, want one", s.Name, s.HealthCheck)
	}
}

func deref0(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func deref(s *string) string {
	if s == nil {
		return "<unset>"
	}
	return *s
}

// An answer's event stream, as the page links it.
func eventsPath() string {
	u, _ := url.Parse(views.EventsURL("CONVERSATION", "ANSWER", 0))
	return u.Path
}

// streamLocation is the body of the nginx location block whose regex takes
// the event stream, and not a conversation's page.
func streamLocation(t *testing.T, name, conf string) string {
	t.Helper()
	stream, other := eventsPath(), views.ConversationURL("CONVERSATION")
	var block string
	for _, m := range regexp.MustCompile(`(?s)location ~ (\S+) \{(.*?)\n    \}`).FindAllStringSubmatch(conf, -1) {
		re, err := regexp.Compile(m[1])
		if err != nil {
			t.Fatalf("%s: location regex %q: %v", name, m[1], err)
		}
		if re.MatchString(stream) {
			if re.MatchString(other) {
				t.Errorf("%s: location %s also takes %s", name, m[1], other)
			}
			block = m[2]
		}
	}
	if block == "" {
		t.Fatalf("no location in %s takes the event stream %s", name, stream)
	}
	return block
}

func TestNginxExample(t *testing.T) {
	conf := readRepoFile(t, "deploy/nginx.conf")
	block := streamLocation(t, "nginx.conf", conf)
	for _, want := range []string{"proxy_buffering off;", "proxy_pass http://rolefit;", "gzip off;"} {
		if !strings.Contains(block, want) {
			t.Errorf("the event stream's location lacks %q", want)
		}
	}
	if !strings.Contains(conf, "proxy_set_header Host $http_host;") {
		t.Error("nginx.conf does not pass the Host header as sent, which cross-origin protection compares with Origin")
	}
}

func TestCaddyExample(t *testing.T) {
	conf := readRepoFile(t, "deploy/Caddyfile")
	if !regexp.MustCompile(`(?s)reverse_proxy [^{\n]+\{[^}]*\n\s*flush_interval -1\n`).MatchString(conf) {
		t.Error("the Caddyfile's reverse_proxy lacks flush_interval -1")
	}
	// The stream is kept out of compression.
	m := regexp.MustCompile(`@notStream not path_regexp (\S+)`).FindStringSubmatch(conf)
	if m == nil || !regexp.MustCompile(m[1]).MatchString(eventsPath()) || !strings.Contains(conf, "encode @notStream ") {
		t.Errorf("the Caddyfile compresses the event stream %s", eventsPath())
	}
}

// TestNginxScale reads the scale profile's load balancer: the event stream
// keeps every guarantee of the single-node example, and nothing ties a
// visitor to one replica. TestNginxScaleServes runs it.
func TestNginxScale(t *testing.T) {
	conf := readRepoFile(t, "deploy/nginx-scale.conf")
	block := streamLocation(t, "nginx-scale.conf", conf)
	directives := func(block string) []string {
		var ds []string
		for _, line := range strings.Split(block, "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				ds = append(ds, line)
			}
		}
		return ds
	}
	scale := directives(block)
	for _, d := range directives(streamLocation(t, "nginx.conf", readRepoFile(t, "deploy/nginx.conf"))) {
		if !slices.Contains(scale, d) {
			t.Errorf("the scale config's event stream lacks %q, which the single-node nginx.conf has", d)
		}
	}
	for _, want := range []string{"proxy_buffering off;", "proxy_cache off;", "gzip off;"} {
		if !slices.Contains(scale, want) {
			t.Errorf("the event stream's location lacks %q", want)
		}
	}
	// Upstream connections kept open need HTTP/1.1 and no Connection: close.
	for _, want := range []string{"proxy_http_version 1.1;", `proxy_set_header Connection "";`, "proxy_set_header Host $http_host;",
		"proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;"} {
		if !strings.Contains(conf, want) {
			t.Errorf("nginx-scale.conf lacks %q", want)
		}
	}
	if !regexp.MustCompile(`(?m)^\s*keepalive \d+;`).MatchString(conf) {
		t.Error("the upstream keeps no connections open (keepalive)")
	}
	// Round-robin: nothing pins a visitor to a replica.
	if m := regexp.MustCompile(`(?m)^\s*(ip_hash|hash|sticky|least_conn|random)\b.*$`).FindString(conf); m != "" {
		t.Errorf("nginx-scale.conf balances with %q: want plain round-robin, no sticky sessions", strings.TrimSpace(m))
	}
	// A question is never sent to a second replica once one has it.
	if regexp.MustCompile(`(?m)^\s*proxy_next_upstream\b.*\bnon_idempotent\b`).MatchString(conf) {
		t.Error("nginx-scale.conf retries POSTs (non_idempotent): a question could be asked twice")
	}
	if !regexp.MustCompile(`(?m)^\s*proxy_next_upstream error timeout http_503;`).MatchString(conf) {
		t.Error("nginx-scale.conf does not try the next replica on error, timeout and 503")
	}
	if !regexp.MustCompile(`(?m)^\s*error_page 503 = @once_more;`).MatchString(conf) {
		t.Error("nginx-scale.conf does not send a question refused with 503 (nothing done) to another replica")
	}
}
