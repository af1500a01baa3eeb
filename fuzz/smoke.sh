#!/usr/bin/env sh
# Builds the cargo-fuzz targets and runs each for a short while (default 20 s; first argument
# overrides), from any directory. With a second argument N, each target instead runs exactly N
# inputs from the fixed seed 1 (capped at 120 s): the same inputs on every machine, so CI is
# reproducible (open defects found by long campaigns cannot make it flaky). Exits non-zero on a build failure or a crash (libFuzzer writes
# the crashing input to fuzz/artifacts/<target>/). Needs `cargo install cargo-fuzz`; runs on a
# stable toolchain through RUSTC_BOOTSTRAP=1. Every target in fuzz/Cargo.toml runs (the list
# comes from `cargo fuzz list`), each on a scratch copy of its committed seeds.
set -eu
secs="${1:-20}"
runs="${2:-}"
if [ -n "$runs" ]; then bound="-seed=1 -runs=$runs -max_total_time=120"; else bound="-max_total_time=$secs"; fi
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
start=$(date +%s)
cargo fuzz build
echo "== build: $(( $(date +%s) - start )) s"
targets="$(cargo fuzz list)"
[ -n "$targets" ] || { echo "cargo fuzz list found no targets" >&2; exit 1; }
for t in $targets; do
    case " ${FUZZ_SMOKE_SKIP:-} " in *" $t "*) echo "== $t skipped (FUZZ_SMOKE_SKIP)"; continue ;; esac
    echo "== $t ($bound)"
    # A scratch copy of the seeds, so a smoke run never grows the committed corpus.
    work="$(mktemp -d)"
    if [ -d corpus/"$t" ]; then cp corpus/"$t"/* "$work"/; fi
    cargo fuzz run "$t" "$work" -- $bound -timeout=10 -rss_limit_mb=2048 \
        2>&1 | grep -E '^(#[0-9]+.*DONE|==[0-9]+==|SUMMARY|artifact_prefix|stat::number_of_executed_units)|Done [0-9]+ runs|panicked' || true
    rm -rf "$work"
    if [ -n "$(find artifacts/"$t" \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) 2>/dev/null)" ]; then
        echo "fuzz target $t found a failing input: see fuzz/artifacts/$t/" >&2
        exit 1
    fi
done
echo "== smoke: $(( $(date +%s) - start )) s in all"
