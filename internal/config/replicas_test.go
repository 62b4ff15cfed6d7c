package config

import (
	"errors"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReplicaSettings: the shared database and Redis are read as given, and
// a replica has a name whether or not one is set.
func TestReplicaSettings(t *testing.T) {
	host, _ := os.Hostname()
	tests := []struct {
		name  string
		vars  map[string]string
		args  []string
		check func(Config) bool
	}{
		{"none: SQLite in DATA_DIR, live answers in memory", nil, nil, func(c Config) bool {
			return c.DatabaseURL == "" && c.RedisURL == "" && strings.HasPrefix(c.ReplicaID, host+"-")
		}},
		{"postgres and redis", map[string]string{"DATABASE_URL": "postgres://rolefit:pw@db:5432/rolefit?sslmode=disable", "REDIS_URL": "redis://:pw@cache:6379/0", "SESSION_SECRET": strings.Repeat("s", 32)}, nil,
			func(c Config) bool {
				return c.DatabaseURL == "postgres://rolefit:pw@db:5432/rolefit?sslmode=disable" && c.RedisURL == "redis://:pw@cache:6379/0"
			}},
		{"postgresql scheme, rediss (TLS), by flag", nil, []string{"-database-url", "postgresql://db/rolefit", "-redis-url", "rediss://cache:6380"},
			func(c Config) bool {
				return c.DatabaseURL == "postgresql://db/rolefit" && c.RedisURL == "rediss://cache:6380"
			}},
		{"replica id set", map[string]string{"REPLICA_ID": "web-2"}, nil, func(c Config) bool { return c.ReplicaID == "web-2" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(tt.vars), io.Discard)
			if err != nil || !tt.check(c) {
				t.Errorf("Load = %+v, %v", c, err)
			}
		})
	}
}

// TestDefaultReplicaIDsDiffer: two replicas started on hosts that report the
// same name (two containers of one image, say) still tell themselves apart.
func TestDefaultReplicaIDsDiffer(t *testing.T) {
	a, errA := Load(nil, env(nil), io.Discard)
	b, errB := Load(nil, env(nil), io.Discard)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	if a.ReplicaID == b.ReplicaID {
		t.Errorf("two processes got the same default REPLICA_ID %q", a.ReplicaID)
	}
	if !regexp.MustCompile(`^[A-Za-z0-9._-]+-[0-9a-f]{6}$`).MatchString(a.ReplicaID) {
		t.Errorf("default REPLICA_ID = %q, want the host name and a short random suffix", a.ReplicaID)
	}
}

// TestInvalidReplicaSettings: a wrong URL is refused naming its setting,
// and its password is never repeated.
func TestInvalidReplicaSettings(t *testing.T) {
	const secret = "hunter2secret"
	tests := []struct {
		vars map[string]string
		args []string
		want string
	}{
		{map[string]string{"DATABASE_URL": "mysql://u:" + secret + "@db/rolefit"}, nil, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "db.local:5432"}, nil, "DATABASE_URL"},
		{nil, []string{"-database-url", "http://u:" + secret + "@db/rolefit"}, "DATABASE_URL"},
		{map[string]string{"REDIS_URL": "memcached://u:" + secret + "@cache"}, nil, "REDIS_URL"},
		{map[string]string{"REDIS_URL": "cache:6379"}, nil, "REDIS_URL"},
		{nil, []string{"-redis-url", "https://:" + secret + "@cache"}, "REDIS_URL"},
		{map[string]string{"REDIS_URL": "redis://:" + secret + "@"}, nil, "REDIS_URL"},
		{map[string]string{"REDIS_URL": "redis://:pa/" + secret + "@cache:6379"}, nil, "REDIS_URL"},
		{map[string]string{"REPLICA_ID": "web 1/" + secret}, nil, "REPLICA_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			_, err := Load(tt.args, env(tt.vars), io.Discard)
			var ce *Error
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load(%v %v) error = %v, want a config error naming %s", tt.vars, tt.args, err, tt.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("the error repeats the password: %v", err)
			}
		})
	}
}

// TestSharedDatabaseWithPasswordNeedsASessionSecret: behind a load balancer
// a login signed by one replica must verify on the next, so a random
// secret per process would log people out at every other request.
func TestSharedDatabaseWithPasswordNeedsASessionSecret(t *testing.T) {
	vars := map[string]string{"DATABASE_URL": "postgres://db/rolefit", "ACCESS_PASSWORD": "pw"}
	_, err := Load(nil, env(vars), io.Discard)
	var ce *Error
	if !errors.As(err, &ce) || !strings.Contains(err.Error(), "SESSION_SECRET") || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("Load = %v, want a config error asking for SESSION_SECRET", err)
	}
	vars["SESSION_SECRET"] = strings.Repeat("k", 32)
	if _, err := Load(nil, env(vars), io.Discard); err != nil {
		t.Errorf("with SESSION_SECRET: %v", err)
	}
	delete(vars, "SESSION_SECRET")
	delete(vars, "DATABASE_URL")
	if _, err := Load(nil, env(vars), io.Discard); err != nil {
		t.Errorf("one replica on SQLite may keep a random secret: %v", err)
	}
}

func TestWarnings(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string // "" for no warning
	}{
		{"SQLite alone", nil, ""},
		{"database and redis", map[string]string{"DATABASE_URL": "postgres://db/rolefit", "REDIS_URL": "redis://cache"}, ""},
		{"database without redis", map[string]string{"DATABASE_URL": "postgres://db/rolefit"}, "REDIS_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(nil, env(tt.vars), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			w := c.Warnings()
			if tt.want == "" {
				if len(w) != 0 {
					t.Errorf("Warnings = %q, want none", w)
				}
				return
			}
			if len(w) != 1 || !strings.Contains(w[0], tt.want) || !strings.Contains(w[0], "one replica") {
				t.Errorf("Warnings = %q, want one telling to run one replica or set %s", w, tt.want)
			}
		})
	}
}

// TestHelpShowsReplicaSettingsWithoutPasswords: --help lists the settings
// and shows their current values with the passwords hidden.
func TestHelpShowsReplicaSettingsWithoutPasswords(t *testing.T) {
	const secret = "hunter2secret"
	var out strings.Builder
	_, err := Load([]string{"--help"}, env(map[string]string{
		"DATABASE_URL": "postgres://rolefit:" + secret + "@db/rolefit", "REDIS_URL": "redis://:" + secret + "@cache:6379",
	}), &out)
	if !errors.Is(err, ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	for _, name := range []string{"DATABASE_URL", "-database-url", "REDIS_URL", "-redis-url", "REPLICA_ID", "-replica-id", "postgres://***:***@db/rolefit"} {
		if !strings.Contains(out.String(), name) {
			t.Errorf("--help does not mention %q", name)
		}
	}
	if strings.Contains(out.String(), secret) {
		t.Error("--help prints a password")
	}
}

// TestRedactURLHidesDatabasePasswords: the URLs of the shared stores are
// logged redacted like the model's.
func TestRedactURLHidesDatabasePasswords(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://rolefit:s3cr3t@db:5432/rolefit?sslmode=require": "postgres://***:***@db:5432/rolefit?sslmode=***",
		"postgresql://db/rolefit":                                   "postgresql://db/rolefit",
		"redis://:s3cr3t@cache:6379/0":                              "redis://***:***@cache:6379/0",
		"rediss://default:s3cr3t@cache:6380":                        "rediss://***:***@cache:6380",
		"postgres://rolefit:s3/cr3t@db/rolefit":                     "(not shown: not a URL)",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
