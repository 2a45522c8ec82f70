-- Replayed and forged SRTP injected into a call (issue 9; RFC 3711 s.3.3
-- and s.3.3.2, RFC 7714 s.9; RFC 8445 s.11; D53, D57).
--
-- Alice and Bob talk (audio both ways, 50 packets/s, Opus) on a LAN with
-- no loss. The scenario plays an attacker beside Bob's access link: it
-- takes real SRTP/SRTCP datagrams of Alice's off Bob's capture
-- (cap:packet) and puts them, or altered copies, into Bob's interface
-- (net.inject), with Alice's real address as the source unless said:
--
--   t = 2: the 5 latest RTP packets from Alice, and her very first one:
--          replays (all within the 1024-packet window, D53: 2 s of audio
--          is 100 packets), 6 srtp-replay
--   t = 3: forgeries of the latest RTP packet with a sequence number not
--          yet seen: moved 5 ahead (the header alone altered: RFC 3711
--          s.4.2 authenticates it), 6 ahead with a payload byte flipped,
--          7 ahead with its last byte (the tag, RFC 3711 s.3.1 / the GCM
--          tag, RFC 7714 s.9) flipped: 3 srtp-auth. A refused forgery
--          does not enter the replay list (s.3.3.2: only once
--          authenticated), so the real packets with those numbers, due
--          100 to 140 ms later, are still taken (no loss below says so).
--          And a copy of Alice's first packet with a payload byte flipped:
--          RFC 3711 s.3.3 checks replay (step 4) before the tag (step 5),
--          so a forged copy of a packet already received is a replay,
--          1 srtp-replay
--   t = 3: the latest RTP packet from an address that is no valid pair
--          (a host that does not exist, and Alice's address with another
--          port): the socket ignores both (RFC 8445 s.11: media only over
--          a valid pair), counted as not-stun, and the session never sees
--          them
--   t = 4: Alice's latest SRTCP compound replayed (the first compound
--          leaves at the halved initial interval, D62: between 1.03 s and
--          3.08 s, A.7's 2.5 s times [0.5, 1.5] / 1.21828, so by t = 4
--          there is one), and again with a byte of its encrypted part
--          flipped (its SRTCP index, RFC 3711 s.3.4, is replayed: checked
--          first, as above): 2 srtp-replay
--
-- So 9 srtp-replay and 3 srtp-auth, exactly.
--
-- Undisturbed: Alice's first RTP leaves once DTLS is up (about 0.14 s on a
-- 10 ms RTT, under 0.5 s) and one more every 20 ms until 5 s, so Bob's
-- remote track has between (5 - 0.5) / 0.02 = 225 and 5 / 0.02 + 1 = 251
-- packets and no loss (A.3: expected minus received is 0 on a lossless
-- link; a replay that got through would make it negative and a forged
-- sequence jump would make it near 1000); the same holds the other way,
-- where nothing was injected.

scenario { name = "media: replayed and forged SRTP are dropped and counted", seed = 11, duration = 5,
           covers = { "rfc3711:s3.1", "rfc3711:s3.3.2", "rfc3711:s3.4", "rfc8445:s12" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
local eth0 = bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(eth0)

local amic = MediaStreamTrack { kind = "audio", id = "alice-mic" }
local bmic = MediaStreamTrack { kind = "audio", id = "bob-mic" }
local sb = bob:RTCSocket()
local call = media.call { a = { host = alice, streams = { MediaStream { id = "alice-stream", tracks = { amic } } } },
                          b = { host = bob, socket = sb, streams = { MediaStream { id = "bob-stream", tracks = { bmic } } } },
                          channel = { delay = 0.02 } }
for _, side in ipairs({ "a", "b" }) do
  call["m" .. side].onaddstream = function(st)
    for _, t in ipairs(st:getTracks()) do
      t.onconnected = function() sim.event("page.track.connected", { side = side, track = t.id }) end
    end
  end
end

local ALICE = "10.0.0.1:49152"
-- RFC 7983 s.7 / RFC 5761 s.4: SRTP or SRTCP by the first two bytes
local function kind(data)
  local b0, b1 = data:byte(1, 2)
  if not b0 or b0 < 128 or b0 > 191 then return nil end
  return (b1 >= 192 and b1 <= 223) and "rtcp" or "rtp"
end
-- Alice's packets on Bob's capture so far, of a kind, newest first
local function from_alice(k, max)
  local out = {}
  for n = cap.count, 1, -1 do
    local p = cap:packet(n)
    if p.src == ALICE and kind(p.data) == k then
      out[#out + 1] = p
      if #out == max then break end
    end
  end
  return out
end
local function first_rtp_from_alice()
  for n = 1, cap.count do
    local p = cap:packet(n)
    if p.src == ALICE and kind(p.data) == "rtp" then return p end
  end
end
local function flip(data, i)
  return data:sub(1, i - 1) .. string.char(data:byte(i) ~ 0x01) .. data:sub(i + 1)
end
local injected = { replay = 0, auth = 0, nopair = 0 }
local function inject(p, what, data, src)
  net.inject(eth0, { src = src or p.src, dst = p.dst, data = data or p.data })
  injected[what] = injected[what] + 1
  sim.event("page.inject", { what = what, len = #(data or p.data) })
end

local base = {}
sim.at(1.9, function()
  base.bob = call.mb:stats()
  base.sock = sb:stats()
end)
sim.at(2, function()
  for _, p in ipairs(from_alice("rtp", 5)) do inject(p, "replay") end
  inject(first_rtp_from_alice(), "replay")
end)
sim.at(3, function()
  local p = from_alice("rtp", 1)[1]
  -- RFC 3550 s.5.1: the sequence number is bytes 3-4
  local function ahead(d, k)
    local seq = (d:byte(3) * 256 + d:byte(4) + k) % 65536
    return d:sub(1, 2) .. string.char(seq // 256, seq % 256) .. d:sub(5)
  end
  local function mid(d) return 12 + (#d - 12) // 2 end   -- a payload byte
  inject(p, "auth", ahead(p.data, 5))
  inject(p, "auth", flip(ahead(p.data, 6), mid(p.data)))
  inject(p, "auth", flip(ahead(p.data, 7), #p.data))
  local old = first_rtp_from_alice()
  inject(old, "replay", flip(old.data, mid(old.data)))
  inject(p, "nopair", nil, "10.0.0.66:49152")
  inject(p, "nopair", nil, "10.0.0.1:5004")
end)
sim.at(4, function()
  local p = from_alice("rtcp", 1)[1]
  if not p then sim.event("page.no-srtcp-by-4s") return end
  inject(p, "replay")
  inject(p, "replay", flip(p.data, 8 + (#p.data - 8) // 2))
end)

expect.event { name = "page.inject", count = 14 }
expect.never { name = "page.no-srtcp-by-4s" }
-- each refusal counted under its reason, exactly: 9 replays, 3 forgeries
expect.measure { "injected replays", function() return injected.replay end, min = 9, max = 9 }
expect.measure { "srtp-replay at Bob", function() return call.mb:stats().dropped["srtp-replay"] end, min = 9, max = 9 }
expect.measure { "injected forgeries", function() return injected.auth end, min = 3, max = 3 }
expect.measure { "srtp-auth at Bob", function() return call.mb:stats().dropped["srtp-auth"] end, min = 3, max = 3 }
expect.measure { "other drops at Bob", function()
  local n = 0
  for k, v in pairs(call.mb:stats().dropped) do
    if k ~= "srtp-replay" and k ~= "srtp-auth" then n = n + v end
  end
  return n
end, min = 0, max = 0 }
expect.measure { "not over a valid pair: Bob's socket ignored", function()
  return sb:stats()["not-stun"] - base.sock["not-stun"]
end, min = 2, max = 2 }
expect.measure { "drops at Alice", function()
  local n = 0
  for _, v in pairs(call.ma:stats().dropped) do n = n + v end
  return n
end, min = 0, max = 0 }
-- ... and before the first injection nothing was dropped
expect.measure { "drops at Bob before 1.9 s", function()
  local n = 0
  for _, v in pairs(base.bob.dropped) do n = n + v end
  return n
end, min = 0, max = 0 }
-- the media went on undisturbed
for _, t in ipairs({ { "b", "alice-mic", "Bob" }, { "a", "bob-mic", "Alice" } }) do
  local function ts() return media.remote_stats(call["m" .. t[1]], t[2]) end
  expect.measure { t[2] .. " packets at " .. t[3], function() return ts().packets end, min = 225, max = 251 }
  expect.measure { t[2] .. " lost at " .. t[3], function() return ts().lost end, min = 0, max = 0 }
  expect.measure { t[2] .. " duplicates at " .. t[3], function() return ts().duplicates end, min = 0, max = 0 }
end
expect.event { name = "page.track.connected", count = 2, within = { 0.05, 0.5 } }
expect.never { name = "track.disconnected" }
expect.never { name = "unknowntrack" }
expect.never { name = "disconnected" }
expect.never { name = "dtlsfailed" }
expect.capture { cap, golden = "media/replay-forgery.bob.eth0.pcap", decrypted = "media/replay-forgery.bob.eth0.decrypted.pcap" }
