#!/usr/bin/env sh
# Builds the cargo-fuzz targets and runs each for a short while (default 20 s; first argument
# overrides), from any directory. Exits non-zero on a build failure or a crash (libFuzzer writes
# the crashing input to fuzz/artifacts/<target>/). Needs `cargo install cargo-fuzz`; runs on a
# stable toolchain through RUSTC_BOOTSTRAP=1.
set -eu
secs="${1:-20}"
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
cargo fuzz build
for t in csv_transactions csv_datafiles parse_amount_date parquet_bytes; do
    echo "== $t (${secs}s)"
    # A scratch copy of the seeds, so a smoke run never grows the committed corpus.
    work="$(mktemp -d)"
    cp corpus/"$t"/* "$work"/
    cargo fuzz run "$t" "$work" -- -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        2>&1 | grep -E '^(#[0-9]+.*DONE|==[0-9]+==|SUMMARY|artifact_prefix)|Done [0-9]+ runs' || true
    rm -rf "$work"
    if ls artifacts/"$t"/crash-* artifacts/"$t"/timeout-* artifacts/"$t"/oom-* >/dev/null 2>&1; then
        echo "fuzz target $t found a failing input: see fuzz/artifacts/$t/" >&2
        exit 1
    fi
done
