package deploy

import (
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// repoRoot is the checkout: the Dockerfile's build context.
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test's source file")
	}
	return filepath.Dir(filepath.Dir(file))
}

func readRepoFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// image is what the Dockerfile says, as BuildKit reads it: the builder
// stage, and the final stage's settings as the container will see them.
type image struct {
	stages  []instructions.Stage
	build   instructions.Stage // the stage the final one copies from
	workdir string             // the build stage's WORKDIR: where the checkout is copied
	runs    []string           // the build stage's RUN commands, as written

	final       instructions.Stage
	copies      []*instructions.CopyCommand
	env         map[string]string
	envOrder    []string
	user        string
	entrypoint  *instructions.EntrypointCommand
	healthcheck *instructions.HealthCheckCommand
	labels      map[string]string
	args        map[string]bool // ARGs declared in the final stage
	exposed     []string
	volumes     []string
	stopSignal  string
	others      []string // any other instruction in the final stage
}

// loadDockerfile parses the Dockerfile with BuildKit's own parser and
// instruction reader, with its linter on (the checks of `docker build
// --check`): any parser or lint warning fails the test. The final stage's
// words are expanded as BuildKit expands them, with buildArgs standing for
// `docker build --build-arg`.
func loadDockerfile(t *testing.T, buildArgs ...string) image {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		t.Fatalf("BuildKit cannot parse the Dockerfile: %v", err)
	}
	for _, w := range res.Warnings {
		t.Errorf("Dockerfile parser warning: %s", w.Short)
	}
	lint := linter.New(&linter.Config{Warn: func(rule, desc, url, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		t.Errorf("Dockerfile:%d: lint %s: %s (%s)", line, rule, msg, url)
	}})
	stages, _, err := instructions.Parse(res.AST, lint)
	if err != nil {
		t.Fatalf("BuildKit cannot read the Dockerfile's instructions: %v", err)
	}
	if len(stages) < 2 {
		t.Fatalf("the Dockerfile has %d stages, want a builder and a final stage", len(stages))
	}
	img := image{stages: stages, final: stages[len(stages)-1], env: map[string]string{}, labels: map[string]string{}, args: map[string]bool{}}
	lex := shell.NewLex(res.EscapeToken)
	vars := expansionEnv{} // ARGs and ENVs in scope, in order
	for _, c := range img.final.Commands {
		if e, ok := c.(instructions.SupportsSingleWordExpansion); ok {
			err := e.Expand(func(word string) (string, error) {
				out, _, err := lex.ProcessWord(word, vars)
				return out, err
			})
			if err != nil {
				t.Fatalf("Dockerfile: expand %s: %v", c.Name(), err)
			}
		}
		switch c := c.(type) {
		case *instructions.CopyCommand:
			img.copies = append(img.copies, c)
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				if _, seen := img.env[kv.Key]; !seen {
					img.envOrder = append(img.envOrder, kv.Key)
				}
				img.env[kv.Key] = kv.Value
				vars[kv.Key] = kv.Value
			}
		case *instructions.UserCommand:
			img.user = c.User
		case *instructions.EntrypointCommand:
			img.entrypoint = c
		case *instructions.HealthCheckCommand:
			img.healthcheck = c
		case *instructions.LabelCommand:
			for _, kv := range c.Labels {
				img.labels[kv.Key] = kv.Value
			}
		case *instructions.ArgCommand:
			for _, a := range c.Args {
				img.args[a.Key] = true
				if a.Value != nil {
					vars[a.Key] = *a.Value
				}
				for _, kv := range buildArgs {
					if k, v, _ := strings.Cut(kv, "="); k == a.Key {
						vars[k] = v
					}
				}
			}
		case *instructions.ExposeCommand:
			img.exposed = append(img.exposed, c.Ports...)
		case *instructions.VolumeCommand:
			img.volumes = append(img.volumes, c.Volumes...)
		case *instructions.StopSignalCommand:
			img.stopSignal = c.Signal
		default:
			img.others = append(img.others, strings.ToUpper(c.Name()))
		}
	}
	// The final stage copies from exactly one earlier stage: the builder.
	if len(img.copies) > 0 {
		for _, s := range stages[:len(stages)-1] {
			if s.Name == img.copies[0].From {
				img.build = s
			}
		}
	}
	for _, c := range img.build.Commands {
		switch c := c.(type) {
		case *instructions.WorkdirCommand:
			img.workdir = c.Path
		case *instructions.RunCommand:
			img.runs = append(img.runs, strings.Join(strings.Fields(strings.Join(c.CmdLine, " ")), " "))
		}
	}
	return img
}

// uidGID is the final stage's USER, which must be numeric: scratch has no
// /etc/passwd to look a name up in.
func (img image) uidGID(t *testing.T) (uid, gid uint32) {
	t.Helper()
	u, g, ok := strings.Cut(img.user, ":")
	if !ok {
		t.Fatalf("USER %q: want uid:gid, both numbers (scratch has no /etc/passwd or /etc/group)", img.user)
	}
	return parseID(t, "USER uid", u), parseID(t, "USER gid", g)
}

func parseID(t *testing.T, what, s string) uint32 {
	t.Helper()
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		t.Fatalf("%s %q is not a number: %v", what, s, err)
	}
	return uint32(n)
}

// expansionEnv is the variables BuildKit's shell lexer expands ${…} with.
type expansionEnv map[string]string

func (e expansionEnv) Get(k string) (string, bool) { v, ok := e[k]; return v, ok }

func (e expansionEnv) Keys() []string { return slices.Collect(maps.Keys(e)) }
