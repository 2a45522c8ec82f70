#!/usr/bin/env bash
# test_cli.sh RTCSIM - the command contract that CI jobs script against:
# exit status 0 / 1 / 2, messages that name the bad thing, and no report
# that claims success after a failure or an error.
set -u
rtcsim=$(realpath "$1")
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

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
