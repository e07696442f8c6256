#!/usr/bin/env bash
# What Schemathesis catches on the variants of the reference server
# (the faulty variants and the correct ones that choose
# differently where the document is open).
#
# Needs: cargo, and Schemathesis 4 (4.32.5 here; see
# docs/internals/schemathesis.md), found as $SCHEMATHESIS, else
# /tmp/st/bin/schemathesis, else `schemathesis` on PATH. Uses loopback
# only.
#
# Run from anywhere (it changes to the repository's root, so Schemathesis
# reads ./schemathesis.toml):
#
#   scripts/schemathesis-variants.sh                     # every variant
#   scripts/schemathesis-variants.sh NeTreatedAsEq ItemsNull   # some
#   MAX_EXAMPLES=50 SEED=7 scripts/schemathesis-variants.sh
#
# It builds examples/variant.rs once (`cargo build --example variant`;
# CARGO_TARGET_DIR and CARGO_BUILD_JOBS apply), then for each variant
# serves it on a free port, runs
#
#   schemathesis run schemas/openapi.yaml --url URL --max-examples N \
#       --seed S --generation-database none
#
# (no example database, so one variant's failures are not replayed against
# the next), and stops it. It prints a Markdown table on stdout, one row a
# variant: name, kind (faulty or correct), and the verdict:
#   faulty:  "caught: <first failure>" or "not caught"
#   correct: "passes" or "false failure: <first failure>"
# where <first failure> is the first failure Schemathesis lists (code and
# title, e.g. "ST108 Response violates schema", with "+N other kinds" when
# it found more), or "error: ..." when Schemathesis stopped on an error.
# A summary line (counts, time taken) follows the table. Progress goes to
# stderr. Each run's full output stays in $KEEP_DIR when that is set.
# Server processes are stopped on exit, however the script ends.

set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

max_examples=${MAX_EXAMPLES:-100}
seed=${SEED:-1}
st=${SCHEMATHESIS:-}
if [[ -z $st ]]; then
    if [[ -x /tmp/st/bin/schemathesis ]]; then
        st=/tmp/st/bin/schemathesis
    else
        st=$(command -v schemathesis) || {
            echo "Schemathesis not found: set SCHEMATHESIS" >&2
            exit 2
        }
    fi
fi

work=$(mktemp -d)
server_pid=
stop_server() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "building examples/variant.rs" >&2
bin=$(cargo build --example variant --message-format=json-render-diagnostics |
    sed -n 's/.*"executable":"\([^"]*\/examples\/variant\)".*/\1/p' | tail -n 1)
if [[ -z $bin || ! -x $bin ]]; then
    echo "could not find the built example" >&2
    exit 2
fi

if [[ $# -gt 0 ]]; then
    names=("$@")
else
    mapfile -t names < <("$bin" --list | cut -f 1)
fi
declare -A kind_of
while IFS=$'\t' read -r name kind _; do
    kind_of[$name]=$kind
done < <("$bin" --list)

# Starts variant $1 and sets $url, or fails.
start_server() {
    local out="$work/server.out"
    : >"$out"
    "$bin" "$1" >"$out" 2>"$work/server.err" &
    server_pid=$!
    local line
    for _ in $(seq 100); do
        line=$(head -n 1 "$out")
        if [[ $line == "listening on "* ]]; then
            url=${line#listening on }
            return 0
        fi
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "variant $1 did not start: $(cat "$work/server.err")" >&2
    return 1
}

# The first failure in Schemathesis's output $1, with how many other kinds
# of failure it found; else its first error; else nothing.
first_failure() {
    local first kinds
    first=$(grep -m 1 -E '^- ST[0-9]+ ' "$1" | sed 's/^- //') || true
    if [[ -n $first ]]; then
        kinds=$(sed -n '/^Failures:$/,/^$/p' "$1" | grep -cE 'ST[0-9]+ ') || true
        if [[ ${kinds:-0} -gt 1 ]]; then
            first="$first (+$((kinds - 1)) other kinds)"
        fi
        printf '%s\n' "$first"
        return
    fi
    first=$(sed -n '/^=* ERRORS =*$/,$p' "$1" | grep -m 1 -vE '^(=|_|$| *$)') || true
    if [[ -n $first ]]; then
        printf 'error: %s\n' "$(echo "$first" | sed 's/^ *//')"
    fi
}

started=$(date +%s)
caught=0
faulty=0
false_failures=0
correct=0
echo "| Variant | Kind | Schemathesis (--max-examples $max_examples --seed $seed) |"
echo "|---|---|---|"
for name in "${names[@]}"; do
    kind=${kind_of[$name]:-}
    if [[ -z $kind ]]; then
        echo "no variant named $name (see: $bin --list)" >&2
        exit 2
    fi
    start_server "$name"
    echo "$name ($kind) at $url" >&2
    log="$work/$name.txt"
    run_started=$(date +%s)
    rc=0
    "$st" run schemas/openapi.yaml --url "$url" --max-examples "$max_examples" \
        --seed "$seed" --generation-database none --no-color >"$log" 2>&1 || rc=$?
    echo "  exit $rc in $(($(date +%s) - run_started)) s" >&2
    stop_server
    if [[ -n ${KEEP_DIR:-} ]]; then
        mkdir -p "$KEEP_DIR"
        cp "$log" "$KEEP_DIR/"
    fi
    failure=$(first_failure "$log")
    if [[ $rc -ne 0 && -z $failure ]]; then
        failure="exit $rc: $(tail -n 1 "$log")"
    fi
    if [[ $kind == faulty ]]; then
        faulty=$((faulty + 1))
        if [[ -n $failure ]]; then
            caught=$((caught + 1))
            verdict="caught: $failure"
        else
            verdict="not caught"
        fi
    else
        correct=$((correct + 1))
        if [[ -n $failure ]]; then
            false_failures=$((false_failures + 1))
            verdict="false failure: $failure"
        else
            verdict="passes"
        fi
    fi
    echo "| $name | $kind | ${verdict//|/\\|} |"
done
echo
echo "Schemathesis caught $caught of $faulty faulty variants and falsely failed" \
    "$false_failures of $correct correct ones, in $(($(date +%s) - started)) s."
