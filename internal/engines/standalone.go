package engines

import (
	"fmt"
	"net/url"
)

// Server is a throwaway PostgreSQL or Redis started for a program that is
// not a test, such as the load tool: nothing stops it but Stop.
type Server struct {
	// URL is what a replica is given: a postgres:// URL of an empty
	// database, or a redis:// URL.
	URL  string
	stop func()
}

// Stop ends the server and removes its files.
func (s *Server) Stop() { s.stop() }

// StartPostgres starts a throwaway PostgreSQL server with one empty
// database, rolefit, as Postgres does for a test.
func StartPostgres() (*Server, error) {
	admin, stop, err := startPostgres()
	if err != nil {
		return nil, err
	}
	if err := pgExec(admin, "CREATE DATABASE rolefit TEMPLATE template0 ENCODING 'UTF8'"); err != nil {
		stop()
		return nil, fmt.Errorf("engines: create database: %w", err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		stop()
		return nil, fmt.Errorf("engines: %w", err)
	}
	u.Path = "/rolefit"
	return &Server{URL: u.String(), stop: stop}, nil
}

// StartRedis starts a throwaway Redis server, as Redis does for a test.
func StartRedis() (*Server, error) {
	u, stop, err := startRedis()
	if err != nil {
		return nil, err
	}
	return &Server{URL: u, stop: stop}, nil
}
