#!/usr/bin/env bash
# tshark_check.sh DIR... - every pcap under the given folders must decode in
# tshark with no malformed packet and no bad IPv4 or UDP checksum, and every
# datagram that carries the STUN magic cookie must decode as STUN.
# tshark is an oracle independent of this project's own decoders.
# Exit 0 when all are clean, 1 when any is not, or when tshark is missing:
# skipping would let `make test` pass without its only independent oracle.
set -u
if ! command -v tshark >/dev/null 2>&1; then
  echo "tshark_check: tshark is not installed: install Debian's tshark package (make deps)" >&2
  exit 1
fi
filter='_ws.malformed || _ws.expert.severity == error || ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || (udp.payload[4:4] == 21:12:a4:42 && !stun)'
files=0 bad=0 packets=0
while IFS= read -r -d '' f; do
  files=$((files + 1))
  n=$(tshark -r "$f" -T fields -e frame.number 2>/dev/null | wc -l)
  if [ "$n" -eq 0 ] && [ -s "$f" ] && ! tshark -r "$f" -c 1 >/dev/null 2>&1; then
    echo "UNREADABLE $f"
    bad=$((bad + 1))
    continue
  fi
  packets=$((packets + n))
  out=$(tshark -r "$f" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE \
          --enable-heuristic rtp_udp --enable-heuristic rtcp_udp --enable-heuristic rtp_stun \
          -Y "$filter" 2>/dev/null)
  if [ -n "$out" ]; then
    echo "MALFORMED $f:"
    printf '%s\n' "$out" | head -5 | sed 's/^/    /'
    bad=$((bad + 1))
  fi
done < <(for d in "$@"; do [ -d "$d" ] && find "$d" -name '*.pcap' -print0; done)
echo "tshark_check: $files captures, $packets packets, $bad with malformed packets, bad checksums or undecoded STUN"
# no capture at all checks nothing: a wrong folder must not pass
if [ "$files" -eq 0 ]; then
  echo "tshark_check: no capture (*.pcap) under $*: nothing was checked"
  exit 1
fi
[ "$bad" -eq 0 ]
