#!/usr/bin/env bash
# impl_check.sh RTCSIM IMPLDIR - implementations under test, judged
# (issue 11, "Bad input"; docs/implementers.md).
#
# IMPLDIR holds what the Makefile builds from tests/impl/ (make impl). Run
# from the repository's root (`make impl-check`, part of `make test`).
#
# The skeleton passes scenarios/ice/gather.lua and ends in error, naming
# connect, on scenarios/ice/lan-host.lua. lazy (the skeleton accepting
# every call, the bad ones' base) runs lan-host to its end and fails: so
# an error from a bad one is its own fault's. Each bad implementation, a
# path that does not exist and one that is not a shared object must end
# lan-host in error, not failed and not passed: exit status 2, ERROR on
# the scenario's line, an <error> (no <failure>) in junit.xml, and a
# message that names the implementation's path and the call at fault.
# The bad ones' table names and messages avoid the words checked, and the
# call is matched as the harness writes it ("connect: "), so the path
# (bad_connect.so) cannot satisfy a check by itself.
# A fault at run time costs that scenario only: the next one runs.
set -u
rtcsim=$1
impls=$2
tmp=$(mktemp -d /tmp/rtcsim-impl-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
LAN=scenarios/ice/lan-host.lua
GATHER=scenarios/ice/gather.lua
NEXT=scenarios/net/udp-echo.lua     # uses no implementation: it must still pass

bad() { echo "FAIL $1: $2"; sed 's/^/    /' "$3" | head -8; fail=$((fail + 1)); }

# run NAME IMPL SCENARIO...: the run's stdout in $tmp/NAME.out, its report
# in $tmp/NAME/, its exit status in $rc
run() {
  local name=$1 impl=$2
  shift 2
  "$rtcsim" run --impl "$impl" --out "$tmp/$name" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  cat "$tmp/$name.err" >>"$tmp/$name.out"
}

# expect_error NAME IMPL TEXT...: lan-host ends in error; the message
# (stdout and junit) holds the path and every TEXT (an extended regex).
expect_error() {
  local name=$1 impl=$2 ok=1
  shift 2
  run "$name" "$impl" "$LAN"
  local out=$tmp/$name.out junit=$tmp/$name/junit.xml
  [ "$rc" -eq 2 ] || { bad "$name" "exit status $rc, expected 2 (a scenario could not run)" "$out"; return; }
  grep -q '^ERROR  *ice/lan-host' "$out" || { bad "$name" "lan-host is not marked ERROR" "$out"; return; }
  grep -qx '1 of the failed could not run (errors above)' "$out" &&
    grep -qx '0 passed, 1 failed' "$out" || { bad "$name" "closing lines do not count an error" "$out"; return; }
  [ -f "$junit" ] || { bad "$name" "no junit.xml" "$out"; return; }
  grep -q 'errors="1"' "$junit" && grep -q 'failures="0"' "$junit" && grep -q '<error message=' "$junit" ||
    { bad "$name" "junit.xml does not mark it error" "$junit"; return; }
  for where in "$out" "$junit"; do
    grep -qF -- "$impl" "$where" || { bad "$name" "the message does not name $impl" "$where"; ok=0; break; }
    for t in "$@"; do
      grep -qE -- "$t" "$where" || { bad "$name" "the message does not say /$t/" "$where"; ok=0; break 2; }
    done
  done
  [ "$ok" -eq 1 ] && pass=$((pass + 1))
}

# expect_goes_on NAME IMPL: a fault at run time ends lan-host in error and
# the next scenario still runs and passes.
expect_goes_on() {
  local name=$1-next impl=$2
  run "$name" "$impl" "$LAN" "$NEXT"
  local out=$tmp/$name.out
  if [ "$rc" -eq 2 ] && grep -q '^ERROR  *ice/lan-host' "$out" && grep -q '^PASS  *net/udp-echo' "$out" &&
     grep -qx '1 passed, 1 failed' "$out"; then
    pass=$((pass + 1))
  else
    bad "$name" "exit $rc: expected lan-host ERROR, then net/udp-echo PASS" "$out"
  fi
}

# The skeleton: gather.lua passes; lan-host is an error at connect.
run skeleton-gather "$impls/skeleton.so" "$GATHER"
if [ "$rc" -eq 0 ] && grep -q '^PASS  *ice/gather' "$tmp/skeleton-gather.out" &&
   grep -qx '1 passed, 0 failed' "$tmp/skeleton-gather.out"; then
  pass=$((pass + 1))
else
  bad skeleton-gather "exit $rc: expected ice/gather to PASS" "$tmp/skeleton-gather.out"
fi
expect_error skeleton-lan "$impls/skeleton.so" '[: ]connect: ' 'no connectivity checks'

# lazy: runs to its end and fails, no error.
run lazy-lan "$impls/lazy.so" "$LAN"
if [ "$rc" -eq 1 ] && grep -q '^FAIL  *ice/lan-host' "$tmp/lazy-lan.out" &&
   grep -q 'errors="0"' "$tmp/lazy-lan/junit.xml" 2>/dev/null; then
  pass=$((pass + 1))
else
  bad lazy-lan "exit $rc: expected lan-host to FAIL (not ERROR)" "$tmp/lazy-lan.out"
fi

# What cannot be loaded.
expect_error missing "$impls/does-not-exist.so" 'No such file'
printf 'not a shared object\n' >"$tmp/text.so"
expect_error not-elf "$tmp/text.so" 'load|ELF|shared object'
expect_error nosym "$impls/bad_nosym.so" 'rtcsim_impl'
expect_error abi "$impls/bad_abi.so" 'version 2([^0-9]|$)' 'version 1([^0-9]|$)'
expect_error null "$impls/bad_null.so" 'connection_next_event'

# What goes wrong at run time.
expect_error crash "$impls/bad_crash.so" 'connection_new' 'SIGSEGV'
expect_error connect "$impls/bad_connect.so" '[: ]connect: ' 'bad_connect says no'
expect_error send "$impls/bad_send.so" '[: ]send: ' '10\.0\.0\.254'
expect_error event "$impls/bad_event.so" 'connection_next_event' '[^0-9]13([^0-9]|$)'
for x in crash connect send event; do
  expect_goes_on "$x" "$impls/bad_$x.so"
done

echo "impl: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
