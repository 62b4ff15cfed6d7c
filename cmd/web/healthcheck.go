package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// healthcheckTimeout bounds the whole check, so a wedged server fails it
// rather than hanging Docker's HEALTHCHECK until its own timeout.
const healthcheckTimeout = 3 * time.Second

// healthcheck is `rolefit healthcheck`: it asks the Rolefit listening on ADDR
// whether it is up, for a container image that has no shell or curl. It
// returns nil when GET /healthz answers 200; otherwise an error that main
// prints as one line (and exits non-zero).
func healthcheck(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	target, err := healthzURL(getenv("ADDR"))
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthcheckTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	// No proxy: an HTTP_PROXY meant for the model must not route the check.
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}}
	res, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // the URL is already in our own message
		}
		return fmt.Errorf("healthcheck: GET %s: %w", target, err)
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 4<<10))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: GET %s answered %s", target, res.Status)
	}
	fmt.Fprintf(stdout, "healthy: %s\n", target)
	return nil
}

// healthzURL turns a listen address into the URL the check asks. A server
// listening on every interface (":8080", "0.0.0.0:8080", "[::]:8080") is
// asked on 127.0.0.1.
func healthzURL(addr string) (string, error) {
	if addr == "" {
		addr = ":8080" // the same default as the server's
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("healthcheck: invalid ADDR %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return "", fmt.Errorf("healthcheck: invalid port in ADDR %q: %w", addr, err)
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: "/healthz"}
	return u.String(), nil
}
