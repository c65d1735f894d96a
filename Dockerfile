# syntax=docker/dockerfile:1.7
# Parley server image: `docker build -t parley .`, then
#   docker run --rm parley migrate        apply migrations and exit
#   docker run -p 3000:3000 parley        serve (the default command)
#   docker run parley worker              consume notification jobs only
# Settings come from the environment (README.md "Configuration", docs/operations.md).
#
# The builder runs scripts/image-tree.sh, the same script the test command uses to run this
# file tree outside a container (scripts/image-check.sh), so what is tested is what ships.
#
# Base images are pinned by version here; a release pipeline should also pin them by digest
# (`@sha256:...`), which cannot be resolved on a machine without registry access. Builder and
# runtime must stay on the same Debian release: the binary links against its glibc.

FROM rust:1.95.0-slim-bookworm AS builder

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# nodejs/npm only run wasm-opt from the binaryen npm package (Debian's binaryen is too old);
# make and perl build the OpenSSL that cargo-leptos vendors (through cargo-generate).
# DL3008 (pin apt versions) is ignored on purpose, here and in the runtime stage: Debian drops
# superseded versions from the archive at every point release or security update, so exact
# pins break the build; what shapes the output is pinned below, by the base image tags and by
# Cargo.lock and package-lock.json.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends make nodejs npm perl \
 && rm -rf /var/lib/apt/lists/*

# The versions scripts/lib.sh pins: cargo-leptos 0.3.11 needs rustc 1.96, and wasm-bindgen-cli
# must equal the wasm-bindgen crate in Cargo.lock. wasm-bindgen-cli gets no --locked because
# its lock file names a crate version the registry no longer has.
RUN rustup target add wasm32-unknown-unknown \
 && cargo install cargo-leptos --version 0.3.10 --locked \
 && cargo install wasm-bindgen-cli --version 0.2.130

WORKDIR /src
COPY . .

# CARGO_TARGET_DIR is a cache mount, so the tree is copied out of it (to /out) by the script.
ENV CARGO_TARGET_DIR=/cache/target
RUN --mount=type=cache,target=/cache/target \
    --mount=type=cache,target=/usr/local/cargo/registry \
    scripts/image-tree.sh /out


FROM debian:12.12-slim AS runtime

# ca-certificates only: TLS to managed PostgreSQL, Redis or RabbitMQ. Nothing else (no shell
# tools, no curl), hence no HEALTHCHECK: Kubernetes and HAProxy probe /readyz and /healthz
# over the network themselves (deploy/). DL3008: see the builder stage.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/*

# Owned by root and only readable by the runtime user: the process cannot change its own code
# or site, and the image runs with a read-only root filesystem. Nothing is written at runtime
# (logs go to stdout, state to PostgreSQL/Redis). If something ever needs scratch space
# (e.g. spooling uploads), mount a writable emptyDir/tmpfs at /tmp rather than making the root
# filesystem writable.
COPY --from=builder /out/app /app

WORKDIR /app
# A numeric user with no passwd entry: Kubernetes' runAsNonRoot can only verify numeric IDs.
USER 10001:10001

# One ENV instruction, one setting per line: scripts/image-check.sh reads these lines to run
# the tree with exactly this environment.
ENV APP_ENV=production \
    SITE_ADDR=0.0.0.0:3000 \
    METRICS_ADDR=0.0.0.0:9100 \
    LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_PKG_DIR=pkg \
    LEPTOS_OUTPUT_NAME=parley

EXPOSE 3000 9100
# SIGTERM (the default stop signal) starts the drain: /readyz turns 503, the instance keeps
# serving for SHUTDOWN_GRACE_SECONDS, then closes WebSockets with 1012 and exits 0.
ENTRYPOINT ["/app/server"]
CMD ["serve"]
