#!/usr/bin/env bash
# replay_check.sh RTCSIM REPORTS - `rtcsim replay` (issue 13, docs/replay.md)
# as a user runs it:
#  - a capture of the suite's own run (REPORTS, e.g. reports/test-a), with the
#    sidecar and key log found beside it, replays against ref/ (built in, and
#    as build/ref.so through the C ABI) and passes, its own capture lint-clean
#    and decoded by tshark with no malformed packet;
#  - bad input is exit 2 with a message naming the file and the packet, and
#    no report folder is left;
#  - the real captures in ../shared/captures: each replays as
#    tests/replay_shared.expected says, or is refused for the reason it says.
# tshark missing fails the check: it never passes by skipping.
set -u
rtcsim=$1
reports=$2
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v tshark >/dev/null 2>&1; then
  echo "replay_check: tshark is not installed: install Debian's tshark package (make deps)" >&2
  exit 1
fi
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "replay_check: FAIL: $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- a suite capture, replayed as a user would ---------------------------------------
run=$reports/media/call-lan
if [ -f "$run/alice.eth0.pcap" ] && [ -f "$run/sidecar.json" ]; then
  for impl in "" "--impl $(dirname "$rtcsim")/ref.so"; do
    # shellcheck disable=SC2086
    "$rtcsim" replay "$run/alice.eth0.pcap" --side 10.0.0.1 --out "$tmp/ok" $impl >"$tmp/ok.txt" 2>&1; rc=$?
    r=$tmp/ok/alice.eth0
    if [ $rc -eq 0 ] && grep -q '^1 passed, 0 failed' "$tmp/ok.txt" && grep -q '0 errors, 0 warnings' "$tmp/ok.txt" &&
       grep -q 'using .*sidecar.json (beside the trace)' "$tmp/ok.txt"; then ok
    else bad "replay of $run/alice.eth0.pcap ${impl:-(ref/)}: exit $rc:"; tail -15 "$tmp/ok.txt"; fi
    # the original run's events, seen again (the sidecar's Bob against the IUT's)
    if grep -q '"ev":"track.connected","src":"bob"' "$r/events.jsonl" 2>/dev/null &&
       [ "$(grep -c '"src":"bob"' "$r/events.jsonl")" -ge 8 ]; then ok
    else bad "replay ${impl:-(ref/)}: the IUT (named bob, as the sidecar's peer) logged no track.connected"; fi
    if [ -f "$r/bob.eth0.pcap" ] || [ -f "$r/iut.eth0.pcap" ]; then
      cap=$(ls "$r"/*.eth0.pcap | grep -v decrypted | head -1)
      ex=$(tshark -r "$cap" -q -z expert,error 2>&1); trc=$?
      # at least what the player played: the trace's 326 RTP and 1 RTCP packets
      frames=$(tshark -r "$cap" 2>/dev/null | wc -l)
      if [ $trc -ne 0 ] || [ "$frames" -lt 327 ] || printf '%s\n' "$ex" | grep -qi malformed; then
        bad "$cap: tshark read $frames frames (exit $trc), or found malformed packets"
      else ok; fi
    else bad "replay ${impl:-(ref/)}: no capture of the IUT in $r"; fi
  done
  # two runs with one seed write the same bytes (the seed decides everything)
  "$rtcsim" replay "$run/alice.eth0.pcap" --side 10.0.0.1 --out "$tmp/ok2" >/dev/null 2>&1
  "$rtcsim" replay "$run/alice.eth0.pcap" --side 10.0.0.1 --out "$tmp/ok3" >/dev/null 2>&1
  if [ -s "$tmp/ok2/alice.eth0/events.jsonl" ] && diff -r "$tmp/ok2/alice.eth0" "$tmp/ok3/alice.eth0" >/dev/null; then ok
  else bad "two replays with one seed differ (or wrote nothing)"; fi
else
  bad "no $run/alice.eth0.pcap with its sidecar.json (run make scenarios first)"
fi

# ---- bad input: exit 2, the message, no report folder ----------------------------------
expect2() {   # what expected-text args...
  local what=$1 text=$2
  shift 2
  rm -rf "$tmp/out"
  "$rtcsim" replay --out "$tmp/out" "$@" >"$tmp/e.txt" 2>&1; local rc=$?
  if [ $rc -eq 2 ] && grep -qF -- "$text" "$tmp/e.txt" && [ ! -d "$tmp/out" ]; then ok
  else bad "$what: exit $rc (want 2), message wanted: $text; got:"; head -5 "$tmp/e.txt"
       [ -d "$tmp/out" ] && echo "  (and $tmp/out was written)"; fi
}
good=captures/media/call-lan.alice.eth0.pcap
printf 'hello\n' >"$tmp/text.pcap"
head -c 500 "$good" >"$tmp/short.pcap"
# a pcap of one packet on link type 147 (a user DLT the reader does not decode)
printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x93\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00\x04\x00\x00\x00abcd' >"$tmp/dlt.pcap"
# the trace's ufrags (the sidecar's), with a wrong password; and credentials for other ufrags
for u in $(grep -o '"usefrag":"[^"]*"' captures/replay/call-lan.sidecar.json | cut -d'"' -f4 | sort -u); do
  echo "ice $u wrongpasswordwrongpassword"; done >"$tmp/creds.txt"
printf 'ice wrongufrag wrongpasswordwrongpassword\n' >"$tmp/creds2.txt"
# the key log's line with another master secret
sed 's/ [0-9a-fA-F]*$/ '"$(printf '%096d' 0)"'/' captures/replay/call-lan.keylog >"$tmp/other.keylog"
expect2 "not a capture" "$tmp/text.pcap: byte offset 0: not a pcap or pcapng capture" "$tmp/text.pcap" --side 10.0.0.1
expect2 "a truncated capture" "$tmp/short.pcap: byte offset 460: truncated record" "$tmp/short.pcap" --side 10.0.0.1
expect2 "an unsupported link type" "1 packets link type not decoded (the first: packet 1)" "$tmp/dlt.pcap" --side 10.0.0.1
expect2 "a side not in the trace" "no datagram from 10.9.9.9; its busiest senders are: 10.0.0.1:49152 (" "$good" --side 10.9.9.9
expect2 "a side that is not an address" "side 'bob' is not ADDR or ADDR:PORT" "$good" --side bob
expect2 "a key log that does not match" "the keys given do not match: none of the" "$good" --side 10.0.0.1 --keylog "$tmp/other.keylog"
expect2 "credentials that do not validate" "MESSAGE-INTEGRITY does not validate under the credentials given" \
  "$good" --side 10.0.0.1 --credentials "$tmp/creds.txt"
expect2 "credentials of other ufrags" "no credential given is for this check's USERNAME" \
  "$good" --side 10.0.0.1 --credentials "$tmp/creds2.txt"
expect2 "no --side" "--side ADDR[:PORT] is required" "$good"
expect2 "two traces" "give one TRACE" "$good" "$good" --side 10.0.0.1
expect2 "both kinds of keys" "--keylog and --srtp-keys: give one of them" "$good" --side 10.0.0.1 --keylog a --srtp-keys b
expect2 "a missing file" "$tmp/none.pcap: No such file or directory" "$tmp/none.pcap" --side 10.0.0.1
expect2 "a bad role" "--role 'boss': controlling or controlled" "$good" --side 10.0.0.1 --role boss
expect2 "an option of run's" "option '--seeds' is for rtcsim run" "$good" --side 10.0.0.1 --seeds 1..2
# a trace without ICE or DTLS: call-lan's decrypted twin, its RTP and RTCP only
tshark -r captures/media/call-lan.alice.eth0.decrypted.pcap -Y '!stun && !dtls' -F pcap -w "$tmp/plain.pcap" 2>/dev/null
expect2 "no role for a trace without checks" "no ICE check from 10.0.0.1 and no sidecar: say --role controlling" \
  "$tmp/plain.pcap" --side 10.0.0.1
# ... which, given a role, plays: the player checks and nominates itself, and
# the IUT reports the two sources (no description) as unknown tracks
"$rtcsim" replay "$tmp/plain.pcap" --side 10.0.0.1 --role controlling --out "$tmp/plain" >"$tmp/p.txt" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q '^1 passed' "$tmp/p.txt" && grep -q '"ev":"ice.own"' "$tmp/plain/plain/events.jsonl" &&
   [ "$(grep -c '"ev":"unknowntrack"' "$tmp/plain/plain/events.jsonl")" -eq 2 ]; then ok
else bad "a plain RTP trace with --role controlling: exit $rc:"; grep -v '^      measure' "$tmp/p.txt" | head; fi

# a sidecar that is not one: the run itself errs (exit 2), naming it
printf '{"format":"something else"}' >"$tmp/sidecar.json"
"$rtcsim" replay "$good" --side 10.0.0.1 --sidecar "$tmp/sidecar.json" --keylog captures/replay/call-lan.keylog \
  --out "$tmp/sc" >"$tmp/sc.txt" 2>&1; rc=$?
if [ $rc -eq 2 ] && grep -q 'the sidecar is not an rtcsim sidecar' "$tmp/sc.txt"; then ok
else bad "a sidecar that is not one: exit $rc:"; tail -5 "$tmp/sc.txt"; fi

# ---- the real captures of other stacks -------------------------------------------------
shared=$here/../../shared/captures
if [ -d "$shared" ]; then
  while IFS='|' read -r file args want text; do
    case "$file" in ''|'#'*) continue ;; esac
    file=$(echo "$file" | xargs); args=$(echo "$args" | xargs); want=$(echo "$want" | xargs); text=$(echo "$text" | sed 's/^ *//')
    # shellcheck disable=SC2086
    (cd "$here/.." && "$rtcsim" replay "$shared/$file" $args --out "$tmp/shared") >"$tmp/s.txt" 2>&1; rc=$?
    if [ "$rc" = "$want" ] && grep -qF -- "$text" "$tmp/s.txt"; then ok
    else bad "$file $args: exit $rc (want $want), wanted: $text; got:"; grep -v '^      measure' "$tmp/s.txt" | head -8; fi
  done <"$here/replay_shared.expected"
else
  echo "replay_check: ../shared/captures is absent: the real captures' replays are not checked"
fi

echo "replay: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
