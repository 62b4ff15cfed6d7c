package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthzURL(t *testing.T) {
	tests := []struct {
		name, addr, want string
	}{
		{"default", "", "http://127.0.0.1:8080/healthz"},
		{"every interface, no host", ":8080", "http://127.0.0.1:8080/healthz"},
		{"every IPv4 interface", "0.0.0.0:9000", "http://127.0.0.1:9000/healthz"},
		{"every IPv6 interface", "[::]:9000", "http://127.0.0.1:9000/healthz"},
		{"one address", "127.0.0.2:8080", "http://127.0.0.2:8080/healthz"},
		{"IPv6 loopback", "[::1]:8080", "http://[::1]:8080/healthz"},
		{"a name", "localhost:8080", "http://localhost:8080/healthz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := healthzURL(tt.addr)
			if err != nil || got != tt.want {
				t.Errorf("healthzURL(%q) = %q, %v; want %q", tt.addr, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{"8080", "localhost", ":no-such-port"} {
		if got, err := healthzURL(bad); err == nil || !strings.Contains(err.Error(), "ADDR") {
			t.Errorf("healthzURL(%q) = %q, %v; want an error naming ADDR", bad, got, err)
		}
	}
}

func TestHealthcheck(t *testing.T) {
	serve := func(status int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodGet || r.URL.Path != "/healthz" {
				http.NotFound(w, r)
				return
			}
			w.WriteHeader(status)
		}))
		t.Cleanup(srv.Close)
		return srv.Listener.Addr().String()
	}
	nothingListening := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	tests := []struct {
		name    string
		addr    string
		wantErr string // empty: healthy
	}{
		{"healthy", serve(http.StatusOK), ""},
		{"unhealthy", serve(http.StatusServiceUnavailable), "answered 503 Service Unavailable"},
		{"nothing listening", nothingListening(), "connection refused"},
		{"invalid ADDR", "8080", "invalid ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout strings.Builder
			getenv := func(k string) string {
				if k == "ADDR" {
					return tt.addr
				}
				return ""
			}
			// Through run, as `rolefit healthcheck` is: the subcommand must
			// never be read as server flags.
			err := run(context.Background(), []string{"rolefit", "healthcheck"}, getenv, &stdout, &strings.Builder{})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("healthcheck = %v, want healthy", err)
				}
				if !strings.Contains(stdout.String(), "healthy") {
					t.Errorf("stdout = %q, want it to say healthy", stdout.String())
				}
				return
			}
			if err == nil {
				t.Fatalf("healthcheck passed, want an error with %q", tt.wantErr)
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantErr) || strings.Contains(msg, "\n") {
				t.Errorf("healthcheck error = %q, want one line containing %q", msg, tt.wantErr)
			}
		})
	}
}

// The check passes against the real server, started as main starts it.
func TestHealthcheckAgainstRolefit(t *testing.T) {
	url := startRolefit(t, nil)
	addr := strings.TrimPrefix(url, "http://")
	getenv := func(k string) string {
		if k == "ADDR" {
			return addr
		}
		return ""
	}
	if err := run(context.Background(), []string{"rolefit", "healthcheck"}, getenv, &strings.Builder{}, &strings.Builder{}); err != nil {
		t.Fatalf("healthcheck against Rolefit on %s: %v", addr, err)
	}
}
