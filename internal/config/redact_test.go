package config

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://localhost:11434/v1", "http://localhost:11434/v1"},
		{"https://alice:hunter2@proxy.example/v1", "https://***:***@proxy.example/v1"},
		{"https://tok3n@proxy.example/v1", "https://***@proxy.example/v1"},
		{"http://host/v1?api-key=s3cr3t&x=1", "http://host/v1?api-key=***&x=***"},
		{"http://host/v1?s3cr3t", "http://host/v1?***"},
		{"http://host/v1#s3cr3t", "http://host/v1#***"},
		{"http://a:b@host/v1?k=v#f", "http://***:***@host/v1?k=***#***"},
		{"http://host:bad port/v1?k=s3cr3t", "(not shown: not a URL)"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestBaseURLSecretsAreNeverShown: credentials written into OPENAI_BASE_URL
// (a user and password, or a key in the query) never appear in what Load
// says: not in the error that refuses the URL, set by variable or by flag,
// nor in --help, which shows the current values.
func TestBaseURLSecretsAreNeverShown(t *testing.T) {
	const secret = "hunter2secret"
	tests := []struct {
		name    string
		args    []string
		vars    map[string]string
		wantErr bool
	}{
		{"password, by variable", nil, map[string]string{"OPENAI_BASE_URL": "http://alice:" + secret + "@host/v1"}, true},
		{"password, by flag", []string{"-openai-base-url", "http://alice:" + secret + "@host/v1"}, nil, true},
		{"token as the user, by variable", nil, map[string]string{"OPENAI_BASE_URL": "http://" + secret + "@host/v1"}, true},
		{"unreadable URL, by variable", nil, map[string]string{"OPENAI_BASE_URL": "http://host:x/v1?key=" + secret}, true},
		{"unreadable URL, by flag", []string{"-openai-base-url", "http://host:x/v1?key=" + secret}, nil, true},
		{"not http, by variable", nil, map[string]string{"OPENAI_BASE_URL": "ftp://host/v1?key=" + secret}, true},
		{"key in the query, --help", []string{"--help"}, map[string]string{"OPENAI_BASE_URL": "http://host/v1?api-key=" + secret}, true},
		{"key in the query, accepted", nil, map[string]string{"OPENAI_BASE_URL": "http://host/v1?api-key=" + secret}, false},
		{"key in the query, accepted by flag", []string{"-openai-base-url", "http://host/v1?api-key=" + secret}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			c, err := Load(tt.args, env(tt.vars), &out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Load = %v, want an error: %v", err, tt.wantErr)
			}
			var ce *Error
			if err != nil && !errors.Is(err, ErrHelp) && (!errors.As(err, &ce) || !strings.Contains(err.Error(), "OPENAI_BASE_URL")) {
				t.Errorf("error %q does not name OPENAI_BASE_URL", err)
			}
			for what, s := range map[string]string{"the error": errString(err), "the output": out.String()} {
				if strings.Contains(s, secret) || strings.Contains(s, "alice") {
					t.Errorf("%s shows the credentials: %s", what, s)
				}
			}
			if !tt.wantErr && c.BaseURL != "http://host/v1?api-key="+secret {
				t.Errorf("BaseURL = %q, want it kept whole for the provider", c.BaseURL)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestBaseURLKeepsItsQuery: the trailing slash of the path goes, not the
// end of a query value.
func TestBaseURLKeepsItsQuery(t *testing.T) {
	for in, want := range map[string]string{
		"http://host/v1/":          "http://host/v1",
		"http://host/v1/?k=a/b/":   "http://host/v1?k=a/b/",
		"http://host/v1%2Fx//?k=v": "http://host/v1%2Fx?k=v",
	} {
		c, err := Load(nil, env(map[string]string{"OPENAI_BASE_URL": in}), io.Discard)
		if err != nil || c.BaseURL != want {
			t.Errorf("OPENAI_BASE_URL=%s: BaseURL = %q, %v; want %q", in, c.BaseURL, err, want)
		}
	}
}
