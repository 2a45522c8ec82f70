#!/bin/sh
# tests/mutants/run.sh RTCSIM CONTROL.so DIR "SCENARIOS..." NAME... - the suite's
# strength (issue 11): the suite against the control (build/ref.so) and
# against each mutant, built by build.sh as DIR/NAME.so from the same
# objects but the patched files, with `rtcsim run --impl`, under which every
# golden capture is compared masked (a byte golden would catch every
# mutant and prove nothing).
#
# A mutant is caught when at least one scenario ends FAIL or ERROR against
# it; the scenarios that did are read from DIR/NAME.out/results.jsonl (a
# line per scenario, its "verdict" PASS, FAIL or ERROR). The control (the
# unmutated ref/ built the same way) must pass every scenario first: a
# mutant "caught" by a harness or a suite that fails anyway proves
# nothing.
#
# Prints a table (also written to DIR/mutants.txt) and the share caught.
# Exit status: 0 whatever the share (a surviving mutant is a finding, not
# an error); 1 if the control fails or a run wrote no results.
set -u
rtcsim=$1 control=$2 dir=$3 scen=$4
shift 4

# The run of one implementation; prints the ids of the scenarios that did
# not pass, each with 0 when something other than a golden capture failed
# there (a message line not indented that is not a capture's "differs
# from golden": an expectation, a script error, a crash) and 1 when only
# masked captures did, those with 0 first. Returns 1 if the run wrote no results
# at all (the implementation did not load, bad usage).
run_one() {
    so=${2:-$dir/$1.so} out=$dir/$1.out
    rm -rf "$out"
    "$rtcsim" run --impl "$so" --quiet --jobs 2 --out "$out" $scen >"$dir/$1.log" 2>&1
    if [ ! -s "$out/results.jsonl" ]; then
        echo "mutants: $so: the run wrote no results ($dir/$1.log):" >&2
        tail -5 "$dir/$1.log" >&2
        return 1
    fi
    grep -v '"verdict":"PASS"' "$out/results.jsonl" | while IFS= read -r line; do
        id=$(printf '%s\n' "$line" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
        # messages: the JSON string, its \n as line breaks
        other=$(printf '%s\n' "$line" | sed -n 's/.*"messages":"\(.*\)","notes":.*/\1/p' |
                sed 's/\\n/\n/g' | grep '^[^ ]' | grep -vc 'differs from golden')
        if [ "$other" -gt 0 ]; then echo "0 $id"; else echo "1 $id"; fi
    done | sort -s -k1,1 | sed 's/^\([01]\) \(.*\)/\2 \1/'
}

# A patch's header line "Key: text" (the lines before the first ---).
header() {
    sed -n "/^---/q; s/^$2: *//p" "tests/mutants/$1.patch" | head -1
}

if ! bad=$(run_one control "$control"); then
    exit 1
fi
if [ -n "$bad" ]; then
    echo "mutants: the control (the unmutated ref/ as $control) does not pass the suite;" >&2
    echo "fix that first (a mutant caught by a failing suite proves nothing). Not passing:" >&2
    echo "$bad" | cut -d' ' -f1 | sed 's/^/  /' >&2
    exit 1
fi
n=$(grep -c . "$dir/control.out/results.jsonl")
echo "mutants: the control ($control) passes all $n scenarios"

table=$dir/mutants.txt
: >"$table"
total=0 caught=0 status=0
printf '%-32s %-40s %-6s %s\n' mutant breaks caught \
    "by (first 3; scenarios failed; of them by an expectation, not only a masked capture)" | tee -a "$table"
for name in "$@"; do
    total=$((total + 1))
    if ! bad=$(run_one "$name"); then
        status=1
        continue
    fi
    breaks=$(header "$name" Breaks | sed "s/ (.*//" | cut -c1-40)
    if [ -n "$bad" ]; then
        caught=$((caught + 1))
        k=$(echo "$bad" | grep -c .)
        e=$(echo "$bad" | grep -c ' 0$')
        first=$(echo "$bad" | head -3 | cut -d' ' -f1 | paste -sd, -)
        [ "$k" -gt 3 ] && first="$first,..."
        row=$(printf '%-32s %-40s %-6s %s (%d; %d by expectations)' "$name" "$breaks" yes "$first" "$k" "$e")
    else
        row=$(printf '%-32s %-40s %-6s %s' "$name" "$breaks" no "-")
    fi
    # no pipe here: the counters must stay in this shell
    echo "$row"
    echo "$row" >>"$table"
done
pct=0
[ "$total" -gt 0 ] && pct=$((100 * caught / total))
echo "$caught of $total mutants caught ($pct%)" | tee -a "$table"
exit $status
