// Package deploy holds no code: only the tests that prove Rolefit's container
// image without a Docker engine (deploy_test.go), and the example reverse
// proxy configurations they check (Caddyfile, nginx.conf, and
// nginx-scale.conf, the scale profile's balancer, which they also run in
// Debian's nginx). The Dockerfile, .dockerignore and compose.yaml live at
// the repository root, where docker build and docker compose look for them.
package deploy
