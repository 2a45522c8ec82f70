#!/usr/bin/env bash
# lint_check.sh RTCSIM REPORTS - `rtcsim lint` (issue 13) against what the
# suite wrote and against bad input:
#  - every capture of the suite's run (REPORTS, e.g. reports/test-a) lints
#    with no error (exit 0);
#  - every decrypted twin the harness wrote (NAME.decrypted.pcap, from ref/'s
#    own plain packets) is what `rtcsim lint --keylog dtls-keys.log
#    --decrypt` makes of NAME.pcap from the key log alone (the DTLS-SRTP
#    exporter of RFC 5764 s.4.2 and libsrtp): the same packets at the same
#    times with the same UDP payloads, compared by tshark, an independent
#    reader;
#  - bad input is exit 2 with a message naming the file (and the byte
#    offset), and no half-written twin is left.
# tshark missing fails the check: it never passes by skipping.
set -u
rtcsim=$1
reports=$2
if ! command -v tshark >/dev/null 2>&1; then
  echo "lint_check: tshark is not installed: install Debian's tshark package (make deps)" >&2
  exit 1
fi
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "lint_check: FAIL: $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mapfile -t caps < <(find "$reports" -name '*.pcap' ! -name '*.decrypted.pcap' | sort)
mapfile -t all < <(find "$reports" -name '*.pcap' | sort)
if [ ${#caps[@]} -eq 0 ]; then bad "no captures under $reports (run make scenarios first)"; fi
# The suite's captures and their decrypted twins: no error and no warning
# but those pinned in tests/lint_suite.expected, each the fault a scenario
# puts on the wire on purpose (a forged FINGERPRINT, a forged SRTP
# packet), by capture, severity and code.
if [ ${#all[@]} -gt 0 ]; then
  "$rtcsim" lint --no-info "${all[@]}" >"$tmp/all.txt" 2>&1; rc=$?
  sed -n 's#^'"$reports"'/\(.*\):[0-9]*: [0-9.]* s: .*: \(error\|warning\): RFC [^:]*: .*\[\([A-Za-z0-9._-]*\)\]$#\1 \2 \3#p' "$tmp/all.txt" |
    sort | uniq -c | awk '{ print $2, $3, $4, $1 }' >"$tmp/suite.txt"
  grep -v '^#' "$(dirname "$0")/lint_suite.expected" >"$tmp/suite.expected"
  if [ $rc -le 1 ] && diff -u "$tmp/suite.expected" "$tmp/suite.txt" >"$tmp/suite.diff"; then ok
  else bad "the suite's captures lint with other errors or warnings than tests/lint_suite.expected pins (exit $rc; - pinned, + now):"
       cat "$tmp/suite.diff"; grep -E ': (error|warning): |^rtcsim lint' "$tmp/all.txt" | head -20; fi
fi

twins=0
for c in "${caps[@]}"; do
  t=${c%.pcap}.decrypted.pcap
  k=$(dirname "$c")/dtls-keys.log
  [ -f "$t" ] && [ -f "$k" ] || continue
  twins=$((twins + 1))
  # exit 1 is findings (a scenario's forgeries fail to authenticate, as
  # they must): the twin is written all the same; 2 is a failure to read
  "$rtcsim" lint --keylog "$k" --decrypt "$tmp/twin.pcap" "$c" >"$tmp/out.txt" 2>&1
  if [ $? -ge 2 ] || [ ! -f "$tmp/twin.pcap" ]; then
    bad "$c: lint --decrypt failed:"; tail -3 "$tmp/out.txt"; continue
  fi
  if cmp -s <(tshark -r "$tmp/twin.pcap" -T fields -e frame.time_epoch -e ip.src -e ip.dst -e udp.srcport -e udp.dstport -e udp.payload 2>&1) \
            <(tshark -r "$t" -T fields -e frame.time_epoch -e ip.src -e ip.dst -e udp.srcport -e udp.dstport -e udp.payload 2>&1); then ok
  else bad "$c: the lint's decrypted twin differs from the harness's $t"; fi
done
[ "$twins" -gt 0 ] || bad "no capture with a decrypted twin and a key log under $reports"

# bad input: exit 2, a message naming the file and where
expect2() {
  local what=$1 needle=$2; shift 2
  "$rtcsim" lint "$@" >"$tmp/o.txt" 2>"$tmp/e.txt"; local rc=$?
  if [ $rc -eq 2 ] && grep -qF -- "$needle" "$tmp/e.txt" "$tmp/o.txt"; then ok
  else bad "$what: exit $rc, no '$needle' in: $(cat "$tmp/e.txt" "$tmp/o.txt" | head -3)"; fi
}
printf 'GIF89a, not a capture at all' >"$tmp/not.pcap"
expect2 "not a capture" "$tmp/not.pcap: byte offset 0: not a pcap or pcapng capture" "$tmp/not.pcap"
first=${caps[0]:-}
if [ -n "$first" ]; then
  size=$(stat -c %s "$first")
  head -c $((size - 7)) "$first" >"$tmp/cut.pcap"
  expect2 "a truncated capture" "$tmp/cut.pcap: byte offset" "$tmp/cut.pcap"
  expect2 "a truncated capture's twin" "$tmp/cut.pcap: byte offset" --decrypt "$tmp/cut-twin.pcap" "$tmp/cut.pcap"
  if [ -e "$tmp/cut-twin.pcap" ] || [ -e "$tmp/cut-twin.pcap.tmp" ]; then bad "a twin of a truncated capture was left behind"; else ok; fi
  printf 'CLIENT_RANDOM 00 11\n' >"$tmp/bad.keys"
  expect2 "a bad key log line" "$tmp/bad.keys:1: CLIENT_RANDOM needs 64 hex digits" --keylog "$tmp/bad.keys" "$first"
  printf '10.0.0.1:5000 SRTP_AEAD_AES_128_GCM inline:AAAA\n' >"$tmp/bad.srtp"
  expect2 "a bad SRTP key line" "$tmp/bad.srtp:1: the key must be base64 of 28 bytes" --srtp-keys "$tmp/bad.srtp" "$first"
  expect2 "--decrypt with two files" "--decrypt writes the twin of one capture" --decrypt "$tmp/x.pcap" "$first" "$first"
fi
expect2 "no file" "no capture given"
expect2 "an unknown option" "unknown option '--frobnicate'" --frobnicate x.pcap
expect2 "a missing file" "$tmp/none.pcap: No such file or directory" "$tmp/none.pcap"

# Real captures of other stacks (../shared/captures, never copied into the
# project): their findings, counted by file, severity and code, are pinned
# in tests/lint_shared.expected, so that a change in the lint's verdicts on
# them is seen (and the pin updated on purpose: LINT_SHARED_UPDATE=1).
findings() {   # file... -> "basename severity code count" lines
  for f in "$@"; do
    "$rtcsim" lint "$f" 2>/dev/null |
      sed -n 's/^.*:[0-9]*: [0-9.]* s: .*: \(error\|warning\|info\): RFC [^:]*: .*\[\([A-Za-z0-9._-]*\)\]$/\1 \2/p' |
      sort | uniq -c | awk -v f="$(basename "$f")" '{ print f, $2, $3, $1 }'
  done
}
shared=$(cd "$(dirname "$0")/.." && pwd)/../shared/captures
here=$(dirname "$0")
if [ -d "$shared" ]; then
  mapfile -t real < <(find "$shared" -maxdepth 1 \( -name '*.pcap' -o -name '*.pcapng' \) | sort)
  findings "${real[@]}" >"$tmp/shared.txt"
  if [ "${LINT_SHARED_UPDATE:-}" = 1 ]; then cp "$tmp/shared.txt" "$here/lint_shared.expected"; fi
  if diff -u "$here/lint_shared.expected" "$tmp/shared.txt" >"$tmp/shared.diff"; then ok
  else bad "the findings on ../shared/captures changed (- pinned, + now; LINT_SHARED_UPDATE=1 to pin them):"; cat "$tmp/shared.diff"; fi
else
  echo "lint_check: ../shared/captures is absent: the real captures' findings are not checked"
fi

echo "lint: $pass passed, $fail failed (${#caps[@]} captures, $twins decrypted twins rebuilt from key logs)"
[ "$fail" -eq 0 ]
