#!/usr/bin/env bash
# tshark_check.sh DIR... - every pcap under the given folders must decode in
# tshark with no malformed packet and no bad IPv4 or UDP checksum, and every
# datagram that carries the STUN magic cookie must decode as STUN.
# Media (issue 9): in every decrypted twin (NAME.decrypted.pcap), every UDP
# payload that starts with a byte 128-191 (RFC 7983 s.7: RTP/RTCP), after
# ChannelData's 4-byte header when it is ChannelData (first byte 64-79,
# RFC 8656 s.12.4), must decode as RTP or RTCP with the RTP heuristics on;
# in every other capture, every UDP payload that starts with a byte 20-63
# (DTLS) must decode as DTLS, with the run's key log (dtls-keys.log beside
# the capture) when there is one, so the handshake is decoded too.
# DTMF (issue 10): in the decrypted twins, RTP of the telephone-event payload
# types (D92's defaults: 110 at 48000 Hz, 126 at 8000 Hz) is decoded as
# RTPEVENT (RFC 4733 s.2.3) and every such packet must be RTPEVENT, whole:
# a payload that is not 4 bytes of event, E/R/volume and duration reads
# as malformed. The twins are dissected with DTLS off: their RTP is plain,
# but a capture's DTLS-SRTP handshake (use_srtp, RFC 5764 s.4.1) makes
# tshark take the stream as SRTP and the payload's last 10 bytes as an
# auth tag, which a 4-byte event payload cannot hold.
# tshark is an oracle independent of this project's own decoders.
# Exit 0 when all are clean, 1 when any is not, or when tshark is missing:
# skipping would let `make test` pass without its only independent oracle.
set -u
if ! command -v tshark >/dev/null 2>&1; then
  echo "tshark_check: tshark is not installed: install Debian's tshark package (make deps)" >&2
  exit 1
fi
filter='_ws.malformed || _ws.expert.severity == error || ip.checksum.status == "Bad" || udp.checksum.status == "Bad" || (udp.payload[4:4] == 21:12:a4:42 && !stun)'
# RTP/RTCP by first byte, bare or in ChannelData (tshark 4.0 compares byte slices with hex)
media='(udp.payload[0:1] >= 80 && udp.payload[0:1] <= bf) || (udp.payload[0:1] >= 40 && udp.payload[0:1] <= 4f && udp.payload[4:1] >= 80 && udp.payload[4:1] <= bf)'
dtls='udp.payload[0:1] >= 14 && udp.payload[0:1] <= 3f'
heur=(--enable-heuristic rtp_udp --enable-heuristic rtcp_udp --enable-heuristic rtp_stun)
# the telephone-event payload types (D92) and the filter for their RTP
events=(-d rtp.pt==110,rtpevent -d rtp.pt==126,rtpevent)
event_pt='rtp.p_type == 110 || rtp.p_type == 126'
files=0 bad=0 packets=0 rtp=0 rtcp=0 ndtls=0 nevent=0
while IFS= read -r -d '' f; do
  files=$((files + 1))
  n=$(tshark -r "$f" -T fields -e frame.number 2>/dev/null | wc -l)
  if [ "$n" -eq 0 ] && [ -s "$f" ] && ! tshark -r "$f" -c 1 >/dev/null 2>&1; then
    echo "UNREADABLE $f"
    bad=$((bad + 1))
    continue
  fi
  packets=$((packets + n))
  keys=()
  [ -f "$(dirname "$f")/dtls-keys.log" ] && keys=(-o "tls.keylog_file:$(dirname "$f")/dtls-keys.log")
  # An encrypted capture's SRTCP is ciphertext past its first 8 bytes, but
  # tshark (no SRTP keys) dissects it as plain RTCP once the capture's
  # DTLS-SRTP handshake has set the stream up, and random bytes can read
  # as a malformed compound (found by h-scenb in
  # captures/media/mitm.bob-oneway.eth0.pcap): RTCP is checked in the
  # decrypted twins only.
  plain=()
  case "$f" in *.decrypted.pcap) plain=(--disable-protocol dtls "${events[@]}") ;; *) plain=(--disable-protocol rtcp) ;; esac
  out=$(tshark -r "$f" -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE "${heur[@]}" "${keys[@]}" \
          "${plain[@]}" -Y "$filter" 2>/dev/null)
  # A twin's frame whose payload is the wire's was not decrypted (a live
  # program's SRTP: the harness has no plain text of it, docs/live.md):
  # NAME.pcap's check covers it, as ciphertext; read here as plain RTCP,
  # its random bytes can look malformed. Only the decrypted frames count.
  if [ -n "$out" ] && [ "${f%.decrypted.pcap}" != "$f" ]; then
    same=$(paste -d ' ' <(tshark -r "$f" -T fields -e udp.payload 2>/dev/null) \
             <(tshark -r "${f%.decrypted.pcap}.pcap" -T fields -e udp.payload 2>/dev/null) |
           awk '$1 == $2 { printf "%d ", NR }')
    out=$(printf '%s\n' "$out" | awk -v same="$same" 'BEGIN { n = split(same, s, " "); for (i = 1; i <= n; i++) skip[s[i]] = 1 }
                                                      !($1 in skip)')
  fi
  if [ -n "$out" ]; then
    echo "MALFORMED $f:"
    printf '%s\n' "$out" | head -5 | sed 's/^/    /'
    bad=$((bad + 1))
    continue
  fi
  # one line per candidate packet: its number and the protocols tshark found in it
  case "$f" in
    *.decrypted.pcap) sel=$media want='(^|:)(rtp|rtcp)(:|$)' what="RTP or RTCP" ;;
    *) sel=$dtls want='(^|:)dtls(:|$)' what="DTLS" ;;
  esac
  got=$(tshark -r "$f" "${heur[@]}" "${keys[@]}" "${plain[@]}" -Y "$sel" -T fields -e frame.number -e frame.protocols 2>/dev/null)
  [ -z "$got" ] && continue
  undecoded=$(printf '%s\n' "$got" | grep -Ev "$want")
  if [ -n "$undecoded" ]; then
    echo "UNDECODED $f: not $what:"
    printf '%s\n' "$undecoded" | head -5 | sed 's/^/    frame /'
    bad=$((bad + 1))
    continue
  fi
  if [ "${f%.decrypted.pcap}" != "$f" ]; then
    ev=$(tshark -r "$f" "${heur[@]}" "${plain[@]}" -Y "$event_pt" -T fields -e frame.number -e frame.protocols 2>/dev/null)
    notev=$(printf '%s\n' "$ev" | grep -v '^$' | grep -Ev '(^|:)rtpevent$')
    if [ -n "$notev" ]; then
      echo "UNDECODED $f: telephone-event payload type, not RTPEVENT:"
      printf '%s\n' "$notev" | head -5 | sed 's/^/    frame /'
      bad=$((bad + 1))
      continue
    fi
    nevent=$((nevent + $(printf '%s\n' "$ev" | grep -c 'rtpevent$')))
  fi
  case "$f" in
    *.decrypted.pcap)
      rtp=$((rtp + $(printf '%s\n' "$got" | grep -Ec '(^|:)rtp(:|$)')))
      rtcp=$((rtcp + $(printf '%s\n' "$got" | grep -Ec '(^|:)rtcp(:|$)'))) ;;
    *) ndtls=$((ndtls + $(printf '%s\n' "$got" | wc -l))) ;;
  esac
done < <(for d in "$@"; do [ -d "$d" ] && find "$d" -name '*.pcap' -print0; done)
echo "tshark_check: $files captures, $packets packets (RTP $rtp of which RTPEVENT $nevent, RTCP $rtcp, DTLS $ndtls checked), $bad with malformed packets, bad checksums, undecoded STUN, RTP/RTCP, RTPEVENT or DTLS"
# no capture at all checks nothing: a wrong folder must not pass
if [ "$files" -eq 0 ]; then
  echo "tshark_check: no capture (*.pcap) under $*: nothing was checked"
  exit 1
fi
[ "$bad" -eq 0 ]
