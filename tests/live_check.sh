#!/usr/bin/env bash
# live_check.sh RTCSIM BAD_PROGRAM - programs on live hosts that break the
# control protocol (docs/live.md) each end their scenario in ERROR, with a
# message naming the host, the program and what it did; a good one passes;
# and no namespace of ours is left behind. Needs root and /dev/net/tun
# (make interop runs it only there).
set -u
rtcsim=$1 prog=$2
dir=$(mktemp -d /tmp/rtcsim-live-check-XXXXXX)
trap 'rm -rf "$dir"' EXIT
pass=0 fail=0
tmpl=tests/live/protocol.lua
check() {   # MODE VERDICT TEXT [PROGRAM]   (the scenario: $tmpl)
  sed "s#@PROGRAM@#${4:-$prog}#; s#@MODE@#$1#" "$tmpl" > "$dir/$1.lua"
  out=$("$rtcsim" run --allow-program "${4:-$prog}" --out "$dir/out-$1" "$dir/$1.lua" 2>&1)
  if printf '%s\n' "$out" | head -1 | grep -q "^$2 " && printf '%s\n' "$out" | grep -qF -- "$3"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1)); echo "live_check: $1: expected $2 with '$3', got:"; printf '%s\n' "$out" | head -3
  fi
}
check good     PASS  "live host bob: bad-good"
check nohello  ERROR "live host bob ($prog): its first line is not a hello of protocol 1"
check notjson  ERROR "live host bob (bad-notjson), request socket.new: a line that is not JSON"
check silent   ERROR "live host bob (bad-silent) did not answer request socket.new within 10 s"
check refuse   ERROR "RTCSocket: no sockets today (live host bob, bad-refuse: failed)"
check exit     ERROR "live host bob (bad-exit), request socket.new: it closed its stdout"
check badevent ERROR "live host bob (bad-badevent): event 'fireworks' is none of the protocol's"
check missing  ERROR "live host bob (/nonexistent/program): cannot start it: No such file or directory" /nonexistent/program
# the media plane (docs/live.md, "Media and DTMF"): only a program whose
# hello lists it has one; each break names the program, the request, the line
tmpl=tests/live/media.lua
check good        ERROR "RTCMediaSession: implementation bad-good on live host bob has no RTCMediaSession (media_new)"
check mediarefuse ERROR "RTCMediaSession: no media today (live host bob (bad-mediarefuse), request session.new: failed)"
check mediaevent  ERROR "live host bob (bad-mediaevent): field 'track' must be string, got nothing, in the line: {\"event\":\"addtrack\""
check mediadesc   ERROR "live host bob (bad-mediadesc), request session.getLocalDescription: its description: track 'a1': field 'ssrc' must be a string, got number, in its answer: {\"id\":"
# a live host without control has no RTC objects of ref/'s either
sed "s#@PROGRAM@#$prog#; s#@MODE@#good#; s#, control = true##" tests/live/media.lua > "$dir/nocontrol.lua"
out=$("$rtcsim" run --allow-program "$prog" --out "$dir/out-nocontrol" "$dir/nocontrol.lua" 2>&1)
if printf '%s\n' "$out" | head -1 | grep -q "^ERROR " &&
   printf '%s\n' "$out" | grep -qF "host:RTCMediaSession: live host bob runs a program without control: it has no RTC objects"; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "live_check: nocontrol: got:"; printf '%s\n' "$out" | head -3
fi
# a program the command line did not allow is refused before anything runs
sed "s#@PROGRAM@#$prog#; s#@MODE@#good#" tests/live/protocol.lua > "$dir/deny.lua"
out=$("$rtcsim" run --out "$dir/out-deny" "$dir/deny.lua" 2>&1)
if printf '%s\n' "$out" | head -1 | grep -q "^ERROR " &&
   printf '%s\n' "$out" | grep -qF "run: program '$prog' (with these first arguments) is not one this run allows"; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "live_check: deny: got:"; printf '%s\n' "$out" | head -3
fi
# allowed with its first arguments (D168): run must begin with them
out=$("$rtcsim" run --allow-program "$prog nohello" --out "$dir/out-deny2" "$dir/deny.lua" 2>&1)
if printf '%s\n' "$out" | head -1 | grep -q "^ERROR " &&
   printf '%s\n' "$out" | grep -qF "run: program '$prog' (with these first arguments) is not one this run allows"; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "live_check: deny-arguments: got:"; printf '%s\n' "$out" | head -3
fi
# the bridge follows its host's interface (renumbering, down, up: D149),
# seen by a plain program that sends from one port on any address
out=$("$rtcsim" run --allow-program build/live/bad_program --out "$dir/out-renumber" tests/live/renumber.lua 2>&1)
if printf '%s\n' "$out" | head -1 | grep -q "^PASS "; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "live_check: renumber: got:"; printf '%s\n' "$out" | head -6
fi
# the sidecar records a live host's objects too (D177): ref-live-call's Bob,
# the answerer (controlled), with the description and candidate the page read
sc=reports/interop/interop/ref-live-call/sidecar.json
if [ -f "$sc" ] && grep -q '"name":"bob"' "$sc" && grep -q '"role":"controlled"' "$sc" &&
   grep -q '"usefrag":' "$sc" && grep -q '"connectionAddress":"10.0.0.2"' "$sc" &&
   grep -q '"ev":"track.connected"' "$sc"; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "live_check: $sc: no sidecar with live Bob controlled, his description, candidate and events"
fi
# rtcsim replay --live: a trace played to a program on a live host (docs/replay.md)
out=$("$rtcsim" replay captures/media/call-lan.alice.eth0.pcap --side 10.0.0.1 --keylog captures/replay/call-lan.keylog \
      --sidecar captures/replay/call-lan.sidecar.json --live "build/rtcsim-live --impl build/ref.so" --out "$dir/replay" 2>&1)
if printf '%s\n' "$out" | grep -q '^1 passed, 0 failed' && printf '%s\n' "$out" | grep -q 'live host bob: ref (live)' &&
   printf '%s\n' "$out" | grep -q '0 errors, 0 warnings'; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "live_check: replay --live: got:"; printf '%s\n' "$out" | grep -v '^      measure' | head -8
fi
# left behind: a namespace whose run (rtcsim-<pid>-<n>) is gone; those of
# runs still going (another make, another agent) are theirs
left=0
for ns in $(ip netns list 2>/dev/null | sed -n 's/^\(rtcsim-[0-9]*-[0-9]*\).*/\1/p'); do
  pid=${ns#rtcsim-}; pid=${pid%-*}
  kill -0 "$pid" 2>/dev/null || left=$((left + 1))
done
if [ "$left" != 0 ]; then fail=$((fail + 1)); echo "live_check: $left namespaces left behind"; else pass=$((pass + 1)); fi
echo "live: $pass passed, $fail failed"
[ "$fail" = 0 ]
