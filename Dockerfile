# syntax=docker/dockerfile:1

# Rolefit's container image: one static binary in an otherwise empty image.
#
#   docker build -t rolefit .
#   docker run -p 8080:8080 -v rolefit-data:/data rolefit
#
# The builder runs `make build`, the same target used everywhere else, so the
# image's binary cannot drift from the one the tests build and check
# (deploy/deploy_test.go runs it in an empty root as this image would).

# The Go version must be at least go.mod's `go` line (deploy_test.go checks).
FROM golang:1.26.8-bookworm AS build
# npm for `make assets` (htmx from package-lock.json); Debian's is enough.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=cache,target=/root/.npm \
    make build
# The database directory, empty, to be copied owned by the runtime user:
# scratch has no shell to mkdir or chown with.
RUN mkdir -p /rootfs/data

FROM scratch
ARG VERSION=dev
LABEL org.opencontainers.image.title="Rolefit" \
      org.opencontainers.image.description="A self-hosted chat assistant about two AI careers, the Machine Learning Engineer and the Gen AI Application Developer, with answers grounded in one cited article." \
      org.opencontainers.image.source="https://github.com/rolefit/rolefit" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="${VERSION}"
# Only the binary (CA roots are compiled in: cmd/web/roots.go) and /data.
COPY --from=build /src/bin/rolefit /rolefit
COPY --from=build --chown=65532:65532 /rootfs/data /data
ENV ADDR=:8080 DATA_DIR=/data
# Numeric, so no /etc/passwd is needed; 65532 is distroless's "nonroot".
USER 65532:65532
VOLUME /data
EXPOSE 8080
# No shell or curl here: the binary checks itself (GET /healthz on ADDR).
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["/rolefit", "healthcheck"]
# SIGTERM lets answers in flight finish (SHUTDOWN_GRACE, 20s by default):
# give the container longer than that to stop (`docker stop -t 30`, or
# compose's stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/rolefit"]
