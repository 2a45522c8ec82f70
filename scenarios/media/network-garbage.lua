-- Garbage from the network during a call (issue 9, "Bad input ... From
-- the network"; RFC 7983 s.7, RFC 3711 s.3.3, RFC 7714, RFC 6347 s.4.1;
-- D50, D53, D55, D57).
--
-- Alice and Bob talk (audio both ways, Opus, 50 packets/s; the socket's
-- default offer makes the profile AEAD_AES_128_GCM, D43: a 16-byte tag).
-- An attacker who can put datagrams on Bob's access link, but has no
-- keys, sends what it can (net.inject at Bob's interface). A malformed
-- RTP or RTCP packet inside valid SRTP cannot be made without the keys;
-- tests/test_media.c covers those (unknown payload type, an extension that
-- overruns, bad padding, truncated RTCP, a flood of SSRCs), each counted.
--
-- Each datagram is ignored and counted where it stops, by its first byte
-- (RFC 7983 s.7) and its source (RFC 8445 s.11: media only over a valid
-- pair), the counts below derived from the code's documented rules:
--
-- from Alice's real address (the valid pair):
--   DTLS range (20-63), not whole records (D55: bytes 2-3 are not 254.x):
--     first bytes 20, 23, 63, a 1-byte one, a 65,507-byte one:
--     5 x the connection's dtls-ignored
--   DTLS records of random bytes, well framed (type 23 epoch 1, type 22
--     epoch 0, and an epoch-0 fatal alert): they reach OpenSSL, which drops
--     records that do not decrypt or belong to an old epoch (RFC 6347
--     s.4.1.2.7, s.4.1); not counted (D55), and the association survives:
--     no dtlsfailed
--   RTP range (128-191) of random bytes, 100 long: an SRTP tag that does
--     not verify, 1 srtp-auth; RTCP (second byte 200), 60 long: 1 srtp-auth
--   shorter than a header and the GCM tag (RTP 12 + 16, RTCP 8 + 16 + 4,
--     D53): 1, 11, 27 bytes of RTP, 10 of RTCP: 4 srtp-other (libsrtp's
--     malformed)
--   truncated SRTP: Alice's latest packet, taken off her own capture
--     before it reaches Bob (it is 10 ms on the wire), cut to 1, 11, 27
--     bytes (3 srtp-other) and to its length less 1 and less 4 (D53: the
--     last 16 bytes are read as the tag: 2 srtp-auth); the real packet then
--     arrives and is taken, since a refused packet never enters the
--     replay list (RFC 3711 s.3.3.2)
--   RTP range, 65,507 bytes (the largest UDP datagram): larger than any
--     packet the session takes (4096): 1 rtp-malformed
--   first bytes outside both ranges (0-3 with no STUN magic cookie, 16 ZRTP,
--     64 TURN ChannelData from a peer that is not a TURN server, 255), and
--     an empty datagram: 5 x the socket's not-stun
--   a Binding request header (magic cookie) over a garbage attribute (its
--     length runs past the message): no USERNAME names a connection of
--     ours, and a check needs the short-term credential (RFC 8445 s.7.3,
--     RFC 8489 s.9.1.3): 1 x the socket's unauthenticated
-- from an address that is no valid pair (10.0.0.66:49152):
--   RTP range and DTLS range: 2 x the socket's not-stun
--
-- Totals: dtls-ignored 5; srtp-auth 4, srtp-other 7, rtp-malformed 1, no
-- other session drop; not-stun 7, unauthenticated 1, no other socket reason.
-- The call goes on: each remote track has between (4 - 0.5) / 0.02 = 175
-- and 4 / 0.02 + 1 = 201 packets (first RTP under 0.5 s after the start,
-- then one every 20 ms), none lost (A.3), nothing disconnects.

scenario { name = "media: garbage from the network is ignored and counted; the call goes on", seed = 13, duration = 4,
           covers = { "rfc7983:s7", "rfc3711:s3.1", "rfc3711:s3.3.2", "rfc7714:s14.2", "rfc6347:s4.1",
                      "rfc8445:s12", "rfc8445:s7.2.2",
                      "rfc8489:s5" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local aeth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
local eth0 = bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
-- Alice's capture: the call as it goes on (what is injected at Bob never
-- reaches it), and her packets to truncate before they reach Bob
local acap = net.capture(aeth0)

local sb = bob:RTCSocket()
local call = media.call {
  a = { host = alice, streams = { MediaStream { id = "alice-stream", tracks = { MediaStreamTrack { kind = "audio", id = "alice-mic" } } } } },
  b = { host = bob, socket = sb, streams = { MediaStream { id = "bob-stream", tracks = { MediaStreamTrack { kind = "audio", id = "bob-mic" } } } } },
  channel = { delay = 0.02 } }

local ALICE, BOB, NOBODY = "10.0.0.1:49152", "10.0.0.2:49152", "10.0.0.66:49152"
local function rnd(n)
  local t = {}
  for i = 1, n do t[i] = string.char(math.random(0, 255)) end
  return table.concat(t)
end
local sent = 0
local function inject(data, src)
  net.inject(eth0, { src = src or ALICE, dst = BOB, data = data })
  sent = sent + 1
end
-- a DTLS record header (RFC 6347 s.4.1): type, version 254.253, epoch,
-- 48-bit sequence number, length
local function record(ctype, epoch, body)
  return string.char(ctype, 254, 253, epoch // 256, epoch % 256, 0, 0, 0, 0, 0, 99,
                     #body // 256, #body % 256) .. body
end
-- random bytes after a given start, with bytes 2-3 never 254.x
local function after(start, n) return start .. "\0\0" .. rnd(n - #start - 2) end

local base = {}
sim.at(1.9, function()
  base.m = call.mb:stats()
  base.sock = sb:stats()
  base.t = call.b:transportStats()
end)
sim.at(2.005, function()
  -- DTLS range, not records
  inject(after("\20", 40)); inject(after("\23", 40)); inject(after("\63", 40))
  inject("\23"); inject(after("\23", 65507))
  -- well-framed DTLS records of random bytes
  inject(record(23, 1, rnd(64))); inject(record(22, 0, rnd(80))); inject(record(21, 0, "\2\40"))
  -- RTP and RTCP ranges, random
  inject("\128\111" .. rnd(98)); inject("\128\200" .. rnd(58))
  inject("\128"); inject("\128\111" .. rnd(9)); inject("\128\111" .. rnd(25)); inject("\128\200" .. rnd(8))
  inject("\128\111" .. rnd(65505))
  -- outside both ranges
  inject("\0\1" .. rnd(30)); inject("\16" .. rnd(30)); inject("\64\0\0\20" .. rnd(20)); inject("\255" .. rnd(30))
  inject("")
  inject("\0\1\0\8\33\18\164\66" .. rnd(12) .. "\0\6\0\200" .. rnd(4))
  -- from no valid pair
  inject("\128\111" .. rnd(98), NOBODY); inject(after("\23", 40), NOBODY)
end)
-- from 3 s, each millisecond: an RTP packet Alice sent in the last 2 ms
-- is still on the wire (10 ms from her interface to Bob's): cut it
local real, cut_at
local poll
poll = sim.every(0.001, function()
  local p
  for n = acap.count, math.max(1, acap.count - 3), -1 do
    local q = acap:packet(n)
    local b0, b1 = q.data:byte(1, 2)
    if q.src == ALICE and q.time >= (sim.now() - 0.002) * 1e9 and b0 >= 128 and b0 <= 191
       and not (b1 >= 192 and b1 <= 223) then
      p = q
      break
    end
  end
  if not p then return end
  real, cut_at = p, sim.now()
  sim.cancel(poll)
  local d = real.data
  for _, len in ipairs({ 1, 11, 27, #d - 1, #d - 4 }) do inject(d:sub(1, len)) end
end, { start = 3, count = 40 })

local function dm(r) return call.mb:stats().dropped[r] - base.m.dropped[r] end
local function ds(r) return sb:stats()[r] - base.sock[r] end
expect.measure { "datagrams injected", function() return sent end, min = 28, max = 28 }
-- the cut copies come before the real packet: it is due 10 ms after it
-- was sent, they 2 ms at most after
expect.measure { "the truncated packet's arrival after its cut copies, ms", function()
  return math.floor((real.time / 1e9 + 0.010 - cut_at) * 1000 + 0.5) end, min = 8, max = 10 }
expect.measure { "dtls-ignored at Bob", function()
  return call.b:transportStats()["dtls-ignored"] - base.t["dtls-ignored"] end, min = 5, max = 5 }
expect.measure { "srtp-auth at Bob", function() return dm("srtp-auth") end, min = 4, max = 4 }
expect.measure { "srtp-other at Bob", function() return dm("srtp-other") end, min = 7, max = 7 }
expect.measure { "rtp-malformed at Bob", function() return dm("rtp-malformed") end, min = 1, max = 1 }
expect.measure { "other session drops at Bob", function()
  local n = 0
  for k, v in pairs(call.mb:stats().dropped) do
    if k ~= "srtp-auth" and k ~= "srtp-other" and k ~= "rtp-malformed" then n = n + v end
  end
  return n
end, min = 0, max = 0 }
expect.measure { "session drops at Bob before 1.9 s", function()
  local n = 0
  for _, v in pairs(base.m.dropped) do n = n + v end
  return n
end, min = 0, max = 0 }
expect.measure { "not-stun at Bob's socket", function() return ds("not-stun") end, min = 7, max = 7 }
expect.measure { "unauthenticated at Bob's socket", function() return ds("unauthenticated") end, min = 1, max = 1 }
expect.measure { "other socket reasons at Bob", function()
  local n = 0
  for k, v in pairs(sb:stats()) do
    if k ~= "not-stun" and k ~= "unauthenticated" then n = n + v - base.sock[k] end
  end
  return n
end, min = 0, max = 0 }
expect.measure { "media before a link, or over no pair", function()
  local t = call.b:transportStats()
  return t["media-no-link"]
end, min = 0, max = 0 }
expect.measure { "drops at Alice", function()
  local n = 0
  for _, v in pairs(call.ma:stats().dropped) do n = n + v end
  return n
end, min = 0, max = 0 }
-- the call goes on
for _, t in ipairs({ { "b", "alice-mic", "Bob" }, { "a", "bob-mic", "Alice" } }) do
  local function ts() return media.remote_stats(call["m" .. t[1]], t[2]) end
  expect.measure { t[2] .. " packets at " .. t[3], function() return ts().packets end, min = 175, max = 201 }
  expect.measure { t[2] .. " lost at " .. t[3], function() return ts().lost end, min = 0, max = 0 }
end
expect.event { name = "dtlsconnected", args = { profile = "SRTP_AEAD_AES_128_GCM" }, count = 2 }
expect.event { name = "track.connected", count = 2, within = { 0.05, 0.5 } }
expect.never { name = "dtlsfailed" }
expect.never { name = "track.disconnected" }
expect.never { name = "disconnected" }
expect.never { name = "unknowntrack" }
expect.capture { acap, golden = "media/network-garbage.alice.eth0.pcap", decrypted = "media/network-garbage.alice.eth0.decrypted.pcap" }
