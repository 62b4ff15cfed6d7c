# Rolefit's two everyday commands are `make run` and `make test`; both do
# every set-up step themselves, so they work on a fresh checkout.
.DEFAULT_GOAL := run
SHELL := /bin/bash

VENDOR := static/vendor/htmx.min.js static/vendor/sse.min.js
# axe-core checks accessibility in the browser tests only: it is copied next
# to them, never into static/, so it is neither served nor embedded.
AXE := cmd/web/testdata/axe.min.js
GO_BUILD_FLAGS := -trimpath -ldflags="-s -w"

.PHONY: run test build assets test-assets generate check-generated bench load browser-deps engines

## run: start Rolefit on http://localhost:8080 (offline mode unless a model is configured)
run: assets generate
	go run ./cmd/web

## test: every test, browser tests and real database servers included
test: assets test-assets generate browser-deps engines
	go vet ./...
	go test -race -count=1 ./...

## build: the static binary, as the Docker image builds it
build: assets generate
	CGO_ENABLED=0 go build $(GO_BUILD_FLAGS) -o bin/rolefit ./cmd/web

## assets: htmx and its SSE extension from npm (pinned in package-lock.json), copied for go:embed
assets: $(VENDOR)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

static/vendor/htmx.min.js: node_modules/.package-lock.json
	@mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

static/vendor/sse.min.js: node_modules/.package-lock.json
	@mkdir -p static/vendor
	cp node_modules/htmx-ext-sse/dist/sse.min.js $@

## test-assets: axe-core from npm (pinned in package-lock.json), for the browser tests
test-assets: $(AXE)

$(AXE): node_modules/.package-lock.json
	@mkdir -p $(@D)
	cp node_modules/axe-core/axe.min.js $@

## generate: templ components to Go
generate:
	go tool templ generate

## check-generated: fail if the committed *_templ.go files are stale
check-generated: generate
	@git diff --exit-code -- '*_templ.go' || { echo "Generated templ code is stale: run 'make generate' and commit the result."; exit 1; }
	@test -z "$$(git ls-files --others --exclude-standard -- '*_templ.go')" || { echo "Generated templ files are not committed."; exit 1; }

## browser-deps: Chromium for the browser tests (Debian's package)
browser-deps:
	@scripts/ensure-chromium

## engines: PostgreSQL, Redis and nginx for the tests of several replicas (Debian's packages);
## the tests start their own throwaway servers, never the system's
engines:
	@scripts/ensure-engines

## bench: the performance figures quoted in the README
bench: assets generate
	go test -run '^$$' -bench . -benchmem ./...

## load: the load tool's whole measurement against the built binary: 1, 50, 200 and 1,000
## concurrent chats, then 9,000 long answers held at once (LEVELS=200 HOLD=0 for one level;
## CONVERSATIONS=N for a single run; LOAD_FLAGS for any other flag of cmd/loadtest)
LEVELS ?= 1,50,200,1000
HOLD ?= 9000
load: build
	go build -o bin/loadtest ./cmd/loadtest
ifdef CONVERSATIONS
	bin/loadtest -bin bin/rolefit -conversations $(CONVERSATIONS) $(LOAD_FLAGS)
else
	bin/loadtest -bin bin/rolefit -suite -levels $(LEVELS) -hold $(HOLD) -bare-relay $(LOAD_FLAGS)
endif

## load-replicas: the same levels through nginx in front of three replicas sharing a throwaway
## PostgreSQL and Redis, each after the level against one process (needs nginx, postgresql, redis)
REPLICA_LEVELS ?= 1,200,3000
.PHONY: load-replicas
load-replicas: build
	go build -o bin/loadtest ./cmd/loadtest
	bin/loadtest -bin bin/rolefit -replicas 3 -suite -levels $(REPLICA_LEVELS) $(LOAD_FLAGS)
