#!/usr/bin/env bash
# bench_suite.sh RTCSIM [FOLDER...] - wall time of the suite (the folders
# given: make bench gives $(SCENARIOS), the live and bench folders left
# out) swept over 100 seeds with --jobs 2, the median of RUNS runs
# (default 5, RUNS in the environment). A figure for `make bench`, never a
# test: nothing here fails on a slow machine.
set -eu
rtcsim=$1
shift
runs=${RUNS:-5}
folders=("${@:-scenarios}")
out=$(mktemp -d /tmp/rtcsim-bench-suite-XXXXXX)
trap 'rm -rf "$out"' EXIT
times=()
for i in $(seq "$runs"); do
  t0=$(date +%s.%N)
  # a sweep reports failures at other seeds only where a scenario's own
  # expectations fail; the status is not this figure's business
  "$rtcsim" run --quiet --seeds 1..100 --jobs 2 --out "$out/r" "${folders[@]}" >"$out/last" 2>&1 || true
  t1=$(date +%s.%N)
  times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
done
median=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
items=$(tail -1 "$out/last")
printf '  suite over seeds 1..100, --jobs 2 (%s):  %.2f s (median of %d)\n' "$items" "$median" "$runs"
