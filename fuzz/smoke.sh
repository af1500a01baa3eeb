#!/usr/bin/env sh
# Builds the cargo-fuzz targets and runs each for a short while (default 20 s; first argument
# overrides), from any directory. Exits non-zero on a build failure or a crash (libFuzzer writes
# the crashing input to fuzz/artifacts/<target>/). Needs `cargo install cargo-fuzz`; runs on a
# stable toolchain through RUSTC_BOOTSTRAP=1. Every target in fuzz/Cargo.toml runs (the list
# comes from `cargo fuzz list`), each on a scratch copy of its committed seeds.
set -eu
secs="${1:-20}"
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
start=$(date +%s)
cargo fuzz build
echo "== build: $(( $(date +%s) - start )) s"
targets="$(cargo fuzz list)"
[ -n "$targets" ] || { echo "cargo fuzz list found no targets" >&2; exit 1; }
for t in $targets; do
    echo "== $t (${secs}s)"
    # A scratch copy of the seeds, so a smoke run never grows the committed corpus.
    work="$(mktemp -d)"
    if [ -d corpus/"$t" ]; then cp corpus/"$t"/* "$work"/; fi
    cargo fuzz run "$t" "$work" -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        2>&1 | grep -E '^(#[0-9]+.*DONE|==[0-9]+==|SUMMARY|artifact_prefix|stat::number_of_executed_units)|Done [0-9]+ runs|panicked' || true
    rm -rf "$work"
    if ls artifacts/"$t"/crash-* artifacts/"$t"/timeout-* artifacts/"$t"/oom-* >/dev/null 2>&1; then
        echo "fuzz target $t found a failing input: see fuzz/artifacts/$t/" >&2
        exit 1
    fi
done
echo "== smoke: $(( $(date +%s) - start )) s in all"
