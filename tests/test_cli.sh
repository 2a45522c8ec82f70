#!/usr/bin/env bash
# test_cli.sh RTCSIM - the command contract that CI jobs script against:
# exit status 0 / 1 / 2, messages that name the bad thing, and no report
# that claims success after a failure or an error.
set -u
rtcsim=$(realpath "$1")
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/rtcsim-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

check() { # name, expected status, actual status, [file that must contain text, text]
  local name=$1 want=$2 got=$3
  if [ "$got" != "$want" ]; then
    echo "FAIL $name: exit status $got, expected $want"; fail=$((fail + 1)); return
  fi
  if [ $# -ge 5 ] && ! grep -qF -- "$5" "$4"; then
    echo "FAIL $name: '$5' not in $4:"; sed 's/^/    /' "$4" | head -5; fail=$((fail + 1)); return
  fi
  pass=$((pass + 1))
}

mkdir -p "$tmp/scenarios/x" "$tmp/captures"
cat > "$tmp/scenarios/x/ok.lua" <<'LUA'
local lan = net.subnet { name = 'lan', prefix = '10.0.0.0/24' }
local a = net.host { name = 'a' }
local e = a:interface { name = 'eth0', subnet = lan, address = '10.0.0.1' }
net.capture(e)
local s = a:udp {}
sim.at(1, function() s:send('10.0.0.9', 9, 'x') end)
sim.event('draw', { n = math.random(1000000) })
LUA
cat > "$tmp/scenarios/x/fails.lua" <<'LUA'
expect.event { name = 'never-happens' }
LUA
cat > "$tmp/scenarios/x/golden.lua" <<'LUA'
local lan = net.subnet { name = 'lan', prefix = '10.0.0.0/24' }
local a = net.host { name = 'a' }
local e = a:interface { name = 'eth0', subnet = lan, address = '10.0.0.1' }
local cap = net.capture(e)
local s = a:udp {}
sim.at(1, function() s:send('10.0.0.9', 9, 'x') end)
expect.capture { cap, golden = 'x/golden.pcap' }
LUA
cd "$tmp"

"$rtcsim" run --out out1 scenarios/x/ok.lua >o 2>e; check "all pass: 0" 0 $? o "1 passed, 0 failed"
check "junit written" 0 0 out1/junit.xml 'tests="1" failures="0" errors="0"'
"$rtcsim" run --out out3 scenarios/x/ >o 2>e
check "a folder with a trailing slash names scenarios as without" 2 $? out3/junit.xml 'name="x/ok" file="scenarios/x/ok.lua"'
"$rtcsim" run --out out1 scenarios/x/ok.lua scenarios/x/fails.lua >o 2>e
check "a failure: 1" 1 $? o "1 passed, 1 failed"
check "junit carries it" 0 0 out1/junit.xml '<failure message="scenarios/x/fails.lua:1: expected at least 1 event never-happens'
"$rtcsim" run --bogus scenarios >o 2>e; check "unknown option: 2" 2 $? e "unknown option '--bogus'"
"$rtcsim" run --out out2 scenarios/x/nothere.lua >o 2>e; check "missing file: 2" 2 $? e "scenarios/x/nothere.lua: No such file or directory"
[ ! -e out2/junit.xml ]; check "no report for a run that did not start" 0 $?
"$rtcsim" run --seed -3 scenarios >o 2>e; check "bad seed: 2" 2 $? e "--seed: '-3' is not a non-negative integer"
touch notadir
"$rtcsim" run --out notadir/x scenarios/x/ok.lua >o 2>e; check "unwritable out: 2" 2 $? e "cannot create output folder notadir/x"
# a report of an earlier run does not survive a run that cannot start
"$rtcsim" run --out out1 scenarios/x/nothere.lua >o 2>e
"$rtcsim" run --out out1 --frob scenarios/x/ok.lua >o 2>e
[ -e out1/junit.xml ] && grep -q 'failures="0"' out1/junit.xml; check "old report is not left claiming success" 1 $?
printf 'local x = \n' > scenarios/x/syntax.lua
"$rtcsim" run --out out3 scenarios/x/syntax.lua >o 2>e; check "syntax error: 2" 2 $? o "scenarios/x/syntax.lua:2:"
check "junit error element" 0 0 out3/junit.xml '<error message="scenarios/x/syntax.lua:2:'
rm scenarios/x/syntax.lua
"$rtcsim" run --out out4 scenarios/x/golden.lua >o 2>e; check "missing golden: 2" 2 $? o "does not exist; create it from this run with"
"$rtcsim" run --out out4 --update-captures scenarios/x/golden.lua >o 2>e; check "update captures: 0" 0 $? o "updated golden captures/x/golden.pcap"
"$rtcsim" run --out out4 scenarios/x/golden.lua >o 2>e; check "golden matches: 0" 0 $? o "1 passed, 0 failed"
head -c 50 captures/x/golden.pcap > g && mv g captures/x/golden.pcap
"$rtcsim" run --out out4 scenarios/x/golden.lua >o 2>e; check "truncated golden: 2" 2 $? o "captures/x/golden.pcap"
# seeds: --seed overrides, the same seed repeats
"$rtcsim" run --out s1 scenarios/x/ok.lua >/dev/null; "$rtcsim" run --out s2 scenarios/x/ok.lua >/dev/null
"$rtcsim" run --out s3 --seed 77 scenarios/x/ok.lua >/dev/null
cmp -s s1/x/ok/events.jsonl s2/x/ok/events.jsonl; check "same seed, same events" 0 $?
cmp -s s1/x/ok/events.jsonl s3/x/ok/events.jsonl; check "--seed changes the draws" 1 $?
"$rtcsim" --help >o 2>e; check "--help: 0" 0 $? o "--update-captures"
check "--help: options anywhere" 0 0 o "Options may come before or after"
check "--help: merge" 0 0 o "rtcsim merge --out DIR SHARD_DIR..."
check "--help: where goldens are" 0 0 o "never the current directory's"

# --- options anywhere (getopt style), --opt=value, and -- ending them
"$rtcsim" run scenarios/x/ok.lua --out out5 >o 2>e; check "options after the paths" 0 $? out5/junit.xml 'tests="1"'
"$rtcsim" run --out=out6 scenarios/x/ok.lua --seed=5 >o 2>e; check "--opt=value" 0 $? o "(seed 5,"
cp scenarios/x/ok.lua ./-dash.lua
"$rtcsim" run --out out7 -- -dash.lua >o 2>e; check "-- ends the options" 0 $? o "PASS  -dash  ("
"$rtcsim" run --out out7 scenarios/x/ok.lua --quiet=yes >o 2>e; check "a flag given a value: 2" 2 $? e "option '--quiet' takes no value"
"$rtcsim" run scenarios/x/ok.lua --out >o 2>e; check "a value missing at the end: 2" 2 $? e "option '--out' needs a value"

mkdir -p dup/x && cp scenarios/x/ok.lua dup/ok.lua
"$rtcsim" run --out out7 dup/ok.lua dup/x/../ok.lua >o 2>e; check "two files, one id: 2" 2 $? e "dup/ok.lua and dup/x/../ok.lua have the same id 'ok'"
"$rtcsim" run --out o scenarios/x/ok.lua >o 2>e; check "a file as the report folder: 2" 2 $? e "cannot create output folder o: Not a directory"

# --- each item in a child: a child killed by a signal is an ERROR, the run
# goes on and the reports are written. The crash is a real one: a soft CPU
# limit of 1 s (SIGXCPU) on a scenario that spins for ever within its own
# bounds (an instruction bound it raised to 2^62: at about 10^9 Lua
# instructions a second, decades).
mkdir -p slow
cat > slow/spin.lua <<'LUA'
scenario { instructions = 2^62 }
while true do end
LUA
(ulimit -c 0; ulimit -S -t 1; exec "$rtcsim" run --timeout 30 --out out8 slow/spin.lua scenarios/x/ok.lua) >o 2>e
check "a child killed by a signal: 2" 2 $? o "ERROR spin  (no result)"
check "its signal is named" 0 0 o "slow/spin.lua: killed by signal 24 (SIGXCPU)"
check "the run goes on after it" 0 0 o "1 passed, 1 failed"
check "junit is written, with the error" 0 0 out8/junit.xml '<error message="slow/spin.lua: killed by signal 24 (SIGXCPU)"'
check "summary is written" 0 0 out8/summary.txt "1 passed, 1 failed"
check "junit claims no seed for a run with no result" 0 0 out8/junit.xml "<system-out>no result"
# --- the wall-clock guard
"$rtcsim" run --timeout 1 --out out9 slow/spin.lua scenarios/x/ok.lua >o 2>e
check "wall-clock limit: 2" 2 $? o "slow/spin.lua: wall-clock limit of 1 s exceeded"
check "the run goes on after a timeout" 0 0 out9/summary.txt "1 passed, 1 failed"
"$rtcsim" run --timeout -1 scenarios/x/ok.lua >o 2>e; check "bad timeout: 2" 2 $? e "--timeout: '-1' is not a number of seconds"
# --- --jobs: the same bytes as a serial run; the slow item first finishes
# last, its block still comes first
"$rtcsim" run --timeout 1 --out j1 slow/spin.lua scenarios/x >j1.out 2>&1
"$rtcsim" run --timeout 1 --jobs 3 --out j3 slow/spin.lua scenarios/x >j3.out 2>&1
diff -r j1 j3 >/dev/null && cmp -s j1.out j3.out; check "--jobs 3 writes what a serial run writes" 0 $?
grep -q "^ERROR spin" j3.out && [ "$(head -1 j3.out | cut -c1-10)" = "ERROR spin" ]; check "blocks in list order" 0 $?
"$rtcsim" run --jobs 0 scenarios/x/ok.lua >o 2>e; check "bad jobs: 2" 2 $? e "--jobs: '0' is not a number of jobs"

# --- measure messages print the digits that decide them
mkdir -p scenarios/m
cat > scenarios/m/digits.lua <<'LUA'
expect.measure { 'reconnect time', 0.26 - 2^-54, min = 0.26, max = 1.8 }
LUA
"$rtcsim" run --out out10 scenarios/m/digits.lua >o 2>e
check "a measure's value in full: 1" 1 $? o "measure reconnect time = 0.25999999999999995, expected within [0.26, 1.8]"

# --- scenario{name=} on the line and in junit (id as classname)
cat > scenarios/m/named.lua <<'LUA'
scenario { name = 'a <named> one' }
LUA
"$rtcsim" run --out out11 scenarios/m/named.lua >o 2>e; check "the name on the line" 0 $? o "PASS  m/named - a <named> one  (seed 1,"
check "the name in junit" 0 0 out11/junit.xml '<testcase classname="m/named" name="a &lt;named&gt; one" file="scenarios/m/named.lua"'
check "the name in summary.txt" 0 0 out11/summary.txt "PASS  m/named - a <named> one"

# --- --seeds: an item per seed, replay lines, measures over the seeds
cat > scenarios/m/draw.lua <<'LUA'
expect.measure { 'draw', math.random(1000), max = 500 }
LUA
"$rtcsim" run --seeds 1..7 --out sw scenarios/m/draw.lua scenarios/x/ok.lua >sw.out 2>e; st=$?
nfail=$(grep -c '^FAIL' sw.out)
[ "$st" = 1 ] && [ "$nfail" -ge 1 ] && [ "$nfail" -le 6 ]; check "a sweep with failing seeds: 1" 0 $?
[ "$(grep -c '^PASS  x/ok' sw.out)" = 7 ] && [ -e sw/x/ok/seed-7/events.jsonl ] && [ -e sw/m/draw/seed-1/log.txt ]
check "an item and a folder per seed" 0 $?
seed=$(grep '^FAIL  m/draw' sw.out | head -1 | sed 's/.*(seed \([0-9]*\),.*/\1/')
check "the replay line" 0 0 sw.out "      replay: rtcsim run --seed $seed scenarios/m/draw.lua"
"$rtcsim" run --seed "$seed" --out rp scenarios/m/draw.lua >o 2>e; check "the replay fails the same" 1 $?
cmp -s rp/m/draw/events.jsonl "sw/m/draw/seed-$seed/events.jsonl"; check "the replay is that seed's run" 0 $?
vals=$(sed -n 's/^      measure draw = \([0-9]*\) .*/\1/p' sw.out | sort -n)
want="    draw  min $(echo "$vals" | head -1)  median $(echo "$vals" | sed -n 4p)  max $(echo "$vals" | tail -1)  (7 seeds, $nfail failed)"
check "measures over the seeds, printed" 0 0 sw.out "$want"
check "measures over the seeds, in summary.txt" 0 0 sw/summary.txt "$want"
check "junit names an item by its seed" 0 0 sw/junit.xml 'classname="m/draw" name="m/draw [seed 3]"'
"$rtcsim" run --seeds 5..1 scenarios/x/ok.lua >o 2>e; check "seeds backwards: 2" 2 $? e "--seeds: '5..1' is empty"
"$rtcsim" run --seeds 1-5 scenarios/x/ok.lua >o 2>e; check "seeds not a range: 2" 2 $? e "--seeds: '1-5' is not a range A..B"
"$rtcsim" run --seeds 0..100000 scenarios/x/ok.lua >o 2>e; check "too many seeds: 2" 2 $? e "more than 100000 seeds"
"$rtcsim" run --seeds 1..2 --seed 3 scenarios/x/ok.lua >o 2>e; check "--seed and --seeds: 2" 2 $? e "give one of them"
"$rtcsim" run --seeds 1..2 --update-captures scenarios/x/golden.lua >o 2>e; check "--update-captures with --seeds: 2" 2 $? e "--update-captures with --seeds"

# --- D26: a golden is compared only at the seed it was recorded at
"$rtcsim" run --out g1 --update-captures scenarios/x/golden.lua >o 2>e; check "golden re-recorded: 0" 0 $?
cat > scenarios/m/golden7.lua <<'LUA'
scenario { seed = 7 }
local lan = net.subnet { name = 'lan', prefix = '10.0.0.0/24' }
local a = net.host { name = 'a' }
local e = a:interface { name = 'eth0', subnet = lan, address = '10.0.0.1' }
local cap = net.capture(e)
local s = a:udp {}
sim.at(1, function() s:send('10.0.0.9', 9, tostring(math.random(1000000))) end)
expect.capture { cap, golden = 'x/golden7.pcap' }
LUA
"$rtcsim" run --out g1 --update-captures scenarios/m/golden7.lua >o 2>e; check "golden at seed 7 recorded: 0" 0 $?
"$rtcsim" run --out g2 scenarios/m/golden7.lua >o 2>e; check "the golden holds at its seed: 0" 0 $? o "1 passed, 0 failed"
"$rtcsim" run --out g2 --seed 8 scenarios/m/golden7.lua >o 2>e; check "another seed, another capture" 0 $?
cmp -s captures/x/golden7.pcap g2/m/golden7/a.eth0.pcap; check "(the capture at seed 8 differs)" 1 $?
cp g2/m/golden7/a.eth0.pcap captures/x/golden7.pcap   # now the golden holds at seed 8 only
"$rtcsim" run --out g2 scenarios/m/golden7.lua >o 2>e; check "a golden is compared at its seed: 1" 1 $? o "differs from golden"
"$rtcsim" run --out g2 --seed 7 scenarios/m/golden7.lua >o 2>e; check "... and at --seed equal to it: 1" 1 $? o "differs from golden"
"$rtcsim" run --out g2 --seed 12 scenarios/m/golden7.lua >o 2>e
check "not compared at another seed: 0" 0 $? o "golden captures/x/golden7.pcap recorded at seed 7, not compared at seed 12"
grep -q "differs\|PASS.*capture" o; check "... and not reported as a pass" 1 $?
"$rtcsim" run --out g2 --seeds 7..8 scenarios/m/golden7.lua >o 2>e; check "in a sweep, compared at its own seed only: 1" 1 $? o "not compared at seed 8"
"$rtcsim" run --out g2 --seed 12 --update-captures scenarios/m/golden7.lua >o 2>e; check "no update at another seed: 2" 2 $? o "not updating golden captures/x/golden7.pcap"

# --- --shard K/N and merge: three shards merged == one run, byte for byte.
# docs/sweeps.md uses exactly these command lines.
"$rtcsim" run --seeds 1..4 --jobs 2 --out reports/sweep scenarios >full.out 2>e; fullst=$?
for k in 1 2 3; do
  "$rtcsim" run --shard "$k/3" --seeds 1..4 --out "shard-$k" scenarios >/dev/null 2>&1
done
"$rtcsim" merge --out merged shard-1 shard-2 shard-3 >merged.out 2>e; check "merge exits as the run did" "$fullst" $?
cmp -s reports/sweep/junit.xml merged/junit.xml && cmp -s reports/sweep/summary.txt merged/summary.txt &&
  cmp -s reports/sweep/results.jsonl merged/results.jsonl
check "merged reports == the unsharded run's" 0 $?
cmp -s full.out merged.out; check "merge prints what the run printed" 0 $?
"$rtcsim" merge --out merged2 shard-3 shard-1 shard-2 >/dev/null 2>&1
cmp -s reports/sweep/summary.txt merged2/summary.txt; check "merge does not depend on the folders' order" 0 $?
[ "$(grep -o '"item":[0-9]*' shard-2/results.jsonl | cut -d: -f2 | tr '\n' ' ')" = "1 4 7 10 13 16 19 22 25 " ]
check "shard 2/3 has items 1, 4, ..., 25 (i mod 3 = 1)" 0 $?
"$rtcsim" merge --out m2 shard-1 shard-2 shard-1 >o 2>e; check "overlapping shards: 2" 2 $? e "the shards overlap"
"$rtcsim" merge --out m2 shard-1 shard-3 >o 2>e; check "a missing shard: 2" 2 $? e "give every shard of the run"
"$rtcsim" run --shard 2/3 --out other --seeds 1..5 scenarios/x/ok.lua >/dev/null 2>&1
"$rtcsim" merge --out m2 shard-1 other >o 2>e; check "shards of different runs: 2" 2 $? e "are shards of different runs"
mkdir -p cut && head -c 100 shard-1/results.jsonl > cut/results.jsonl
"$rtcsim" merge --out m2 cut shard-2 shard-3 >o 2>e; check "a damaged results.jsonl: 2" 2 $? e "cut/results.jsonl:1: "
[ ! -e m2/junit.xml ]; check "no merged report from damaged shards" 0 $?
"$rtcsim" merge --out m2 nothere >o 2>e; check "merge of a folder without results: 2" 2 $? e "nothere/results.jsonl: No such file"
cp shard-1/results.jsonl shard-1.before
"$rtcsim" merge --out ./shard-1/ shard-1 shard-2 shard-3 >o 2>e
check "merge into a shard's own folder: 2" 2 $? e "--out ./shard-1/ is the shard folder shard-1"
cmp -s shard-1/results.jsonl shard-1.before; check "the shard's results are left as they were" 0 $?
"$rtcsim" run --shard 4/3 scenarios/x/ok.lua >o 2>e; check "bad shard: 2" 2 $? e "--shard: '4/3': K must be 1 to N"

# --- goldens and libraries follow the scenario file, not the current dir
mkdir -p proj/lib elsewhere
printf 'return { addr = "10.0.0.9" }\n' > proj/lib/helper.lua
sed "s/'10.0.0.9'/require('helper').addr/" scenarios/x/golden.lua > proj/g.lua
(cd elsewhere && "$rtcsim" run --out rep --update-captures ../proj/g.lua >o 2>e); check "outside a scenarios/ tree, from another cwd: 0" 0 $?
[ -e proj/captures/x/golden.pcap ] && [ ! -e elsewhere/captures ]; check "its golden is beside it, not in the cwd" 0 $?
(cd / && "$rtcsim" run --out "$tmp/o12" "$tmp/proj/g.lua" >"$tmp/o" 2>&1); check "found again from /: 0" 0 $? o "1 passed, 0 failed"
(cd / && "$rtcsim" run --out "$tmp/o12" "$tmp/scenarios/x/golden.lua" >"$tmp/o" 2>&1); check "in a scenarios/ tree, from /: 0" 0 $? o "1 passed, 0 failed"

# --- a scenario's own seed and --seed with that value are the same run, in
# the libraries' streams too (the TURN server's transaction ids come from
# libnice, which draws from vdet's stream)
relay=$top/scenarios/nat/symmetric-relay.lua
"$rtcsim" run --quiet --out own "$relay" >/dev/null 2>&1
seed=$(grep -o 'seed = [0-9]*' "$relay" | head -1 | cut -d' ' -f3)
"$rtcsim" run --quiet --seed "$seed" --out flag "$relay" >/dev/null 2>&1
diff -r own/nat flag/nat >/dev/null; check "scenario{seed=$seed} and --seed $seed: identical reports" 0 $?

# --- building a topology is linear: 100,000 hosts with an interface each
# take about a second. Each interface's link name was checked against
# every link's (N^2/2 compares: 40 s here); the wall-clock bound leaves
# room for a loaded machine, not for the quadratic build.
cat > topo.lua <<'LUA'
scenario { instructions = 1e9 }
local lan = net.subnet { name = 'lan', prefix = '10.0.0.0/8' }
for i = 1, 100000 do
  net.host { name = 'h' .. i }:interface { name = 'e', subnet = lan,
    address = string.format('10.%d.%d.%d', i >> 16, (i >> 8) & 255, i & 255) }
end
expect.measure { 'link found by name', function() return net.link('h99999.e') and 1 end, min = 1 }
LUA
"$rtcsim" run --timeout 15 --out topo topo.lua >o 2>e; check "100,000 interfaces within 15 s: 0" 0 $? o "1 passed, 0 failed"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
