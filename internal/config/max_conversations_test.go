package config

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestMaxConversations(t *testing.T) {
	tests := []struct {
		name string
		args []string
		vars map[string]string
		want int
	}{
		{"default", nil, nil, 1000},
		{"from the environment", nil, map[string]string{"MAX_CONVERSATIONS": "50"}, 50},
		{"the flag wins", []string{"-max-conversations", "7"}, map[string]string{"MAX_CONVERSATIONS": "50"}, 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(tt.vars), io.Discard)
			if err != nil || c.MaxConversations != tt.want {
				t.Errorf("MaxConversations = %d, %v; want %d", c.MaxConversations, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"0", "-1", "many"} {
		_, err := Load(nil, env(map[string]string{"MAX_CONVERSATIONS": bad}), io.Discard)
		var ce *Error
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), "MAX_CONVERSATIONS") {
			t.Errorf("MAX_CONVERSATIONS=%s: %v, want a config error naming it", bad, err)
		}
	}
}
