#!/usr/bin/env bash
# CI for the integrations workspace (crm-datafusion; issue #15): format, lints, tests.
# Its own workspace, lockfile and target dir (integrations/target); the core workspace's CI does
# not build it. Prints the elapsed time and the size of the target dir (the CI disk is small).
set -euo pipefail
cd "$(dirname "$0")"
export CARGO_TERM_COLOR=never
export CI="${CI:-1}"
# Reference data (CDNOW): $CRM_SHARED_DATA, else ../shared/data beside the repository root.
export CRM_SHARED_DATA="${CRM_SHARED_DATA:-$(cd ../.. && pwd)/shared/data}"
# Small footprint: no incremental caches (debug info is set in Cargo.toml's [profile.dev]).
export CARGO_INCREMENTAL=0

start=$(date +%s)
step() {
  printf '\n=== integrations: %s (%ss; free: %s)\n' "$1" "$(($(date +%s) - start))" \
    "$(df -h --output=avail . 2>/dev/null | tail -1 | tr -d ' ')"
}

step "format"
cargo fmt --all --check

step "clippy"
cargo clippy --locked --all-targets -- -D warnings

step "tests"
cargo test --locked

step "done"
echo "integrations: $(($(date +%s) - start)) s in total"
du -sh "${CARGO_TARGET_DIR:-target}" 2>/dev/null || true
