#!/usr/bin/env bash
# Runs `cargo test` in lanes at once, one lane per argument (its cargo test
# target flags; `--rest` stands for every tests/ target no other lane names),
# each with four test threads unless the lane starts with its count
# (`9:--test faults`). Every lane's output is printed whole when all have
# ended, the first lane's last; the exit status is non-zero if any lane failed.
# The tests must be built already (`cargo test --no-run`).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

targets() {
    for f in tests/*.rs tests/*/main.rs; do
        [[ -e "$f" ]] || continue
        if [[ "$f" == */main.rs ]]; then basename "$(dirname "$f")"; else basename "$f" .rs; fi
    done
}

named=" "
for lane in "$@"; do named+="${lane#*[0-9]:} "; done
rest=""
for t in $(targets); do
    [[ "$named" == *" --test $t "* ]] || rest+=" --test $t"
done

logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
pids=()
i=0
for lane in "$@"; do
    threads=4
    if [[ "$lane" =~ ^([0-9]+):(.*)$ ]]; then
        threads="${BASH_REMATCH[1]}"
        lane="${BASH_REMATCH[2]}"
    fi
    flags="${lane/--rest/$rest}"
    echo "==> lane $i: cargo test $flags ($threads test threads)" >&2
    # shellcheck disable=SC2086 # the flags are words on purpose
    (
        start=$SECONDS
        cargo test $flags -- --test-threads="$threads" >"$logs/$i.log" 2>&1
        code=$?
        echo "lane $i ended with $code after $((SECONDS - start)) s" >>"$logs/$i.log"
        echo "$code" >"$logs/$i.code"
    ) &
    pids+=($!)
    i=$((i + 1))
done
wait "${pids[@]}"

failed=0
for ((j = i - 1; j >= 0; j--)); do
    echo "==> lane $j" >&2
    cat "$logs/$j.log"
    [[ "$(cat "$logs/$j.code")" == 0 ]] || failed=1
done
exit "$failed"
