-- Wifi to cellular in the middle of a call (issue 9; RFC 8445 s.9 and
-- s.12, RFC 5764 s.4, D43, D63).
--
-- Alice (the offerer) talks to Bob (audio both ways, 50 packets/s) over
-- wifi, Bob on an office LAN (scenarios/faults/wifi-to-cellular.lua is
-- the same topology for ICE alone). At 3 s her cellular interface comes
-- up and wifi goes down; her connection's pair used the wifi address, so
-- it fires ondisconnected at once and the page calls update() (an ICE
-- restart, peers.restart). The DTLS association is the connection's, not
-- the pair's (D43; RFC 8445 s.12: media keeps its keys across a restart),
-- so the records and SRTP move to the new pair with no new handshake.
--
-- The gap: each side samples its remote track's packet count every 1 ms
-- (trackStats) and keeps the longest time between two increases (so each
-- end of it is read up to 1 ms late). Its bounds, from the restart's
-- timings: one way over wifi 4 + 10 (core) + 2 (office) = 16 ms, over
-- cellular 40 + 10 + 2 = 52 ms (a check's round trip 104 ms), the
-- signalling channel 50 ms, audio every 20 ms, ICE's pacing Ta 50 ms
-- (RFC 8445 s.14; D15, D19):
--   * At 3 s Alice updates and signals her restarted description and her
--     cellular candidate; Bob has both at 3.05 s, restarts, answers, and
--     checks her new candidate at once. Alice has his new credentials at
--     3.10 s (two signalling trips), answers his check (it reaches her at
--     3.102 s) and sends her triggered check (D15: at once), valid one
--     round trip later, at 3.204-3.206 s. Regular nomination (D15) sends
--     USE-CANDIDATE at the next Ta tick, within 50 ms, and its answer takes
--     another round trip: Alice is connected on the new pair at a time
--     T in [3.0 + 0.1 + 2 x 0.104, + 0.002 + 0.05] = [3.308, 3.36] s, and
--     Bob selects it when the nominating check reaches him, T - 0.052.
--   * At Bob: Alice's last packet over wifi was sent in (2.98, 3.0], so it
--     arrived in (2.996, 3.016]; her first over cellular leaves within 20
--     ms of T and takes 52 ms: it arrives in [3.36, 3.432]. The gap is in
--     [3.36 - 3.016, 3.432 - 2.996] = [0.344, 0.436] s; with the sampling's
--     millisecond, 343 to 437 ms, beginning at 2.996-3.017 s.
--   * At Alice: Bob's packets after 3 s meet a wifi interface that is
--     down; the last one arrived in (2.98, 3.0]. Bob sends on the new pair
--     from T - 0.052, within 20 ms, 52 ms on the wire: arrival in [3.308,
--     3.38]. The gap is in [0.308, 0.40] s: 307 to 401 ms, beginning at
--     2.98-3.001 s.
-- Both are far under the RTP timeout (D63: 2 x Td, at least 10 s), so no
-- track or stream disconnects.

scenario { name = "media: wifi to cellular mid-call, the media gap and no new handshake", seed = 31, duration = 6,
           covers = { "spec:RTCConnection.update", "spec:RTCConnection.ondisconnected", "rfc8445:s9",
                      "rfc8445:s12" } }
local media = require("media")
local peers = require("peers")

local wifi = net.subnet { name = "wifi", prefix = "10.1.0.0/24", link = { latency = 0.004 } }
local cell = net.subnet { name = "cell", prefix = "10.2.0.0/24", link = { latency = 0.040 } }
local office = net.subnet { name = "office", prefix = "10.3.0.0/24", link = { latency = 0.002 } }
net.core { latency = 0.010 }
local alice = net.host { name = "alice" }
local wlan0 = alice:interface { name = "wlan0", subnet = wifi, address = "10.1.0.7" }
local bob = net.host { name = "bob" }
local eth0 = bob:interface { name = "eth0", subnet = office, address = "10.3.0.2" }
local cap = net.capture(eth0)

local call = media.call {
  a = { host = alice, streams = { MediaStream { id = "alice-stream", tracks = { MediaStreamTrack { kind = "audio", id = "alice-mic" } } } } },
  b = { host = bob, streams = { MediaStream { id = "bob-stream", tracks = { MediaStreamTrack { kind = "audio", id = "bob-mic" } } } } },
  channel = { delay = 0.05 } }
call.a.ondisconnected = function() peers.restart(call) end

sim.at(3, function()
  alice:interface { name = "rmnet0", subnet = cell, address = "10.2.0.7" }
  wlan0:down()
end)

-- the longest gap between two increases of a remote track's packet count,
-- sampled every millisecond
local gap = { a = { max = 0 }, b = { max = 0 } }
for _, side in ipairs({ "a", "b" }) do
  local ms = call["m" .. side]
  ms.onaddstream = function(st)
    local tr = st:getTracks()[1]
    local g = gap[side]
    sim.every(0.001, function()
      local n = ms:trackStats(tr).packets
      local now = sim.now()
      if n ~= g.n then
        if g.last and g.n and g.n > 0 and now - g.last > g.max then g.max, g.at = now - g.last, g.last end
        g.n, g.last = n, now
      end
    end, { count = 5990 })
  end
end

-- DTLS on Bob's wire after the handover (RFC 7983 s.7: first byte 20-63;
-- a new handshake would be content type 22, RFC 6347 s.4.1; the media
-- needs no DTLS record at all once keyed), counted while the run goes
local late_handshakes
sim.at(5.9, function()
  late_handshakes = 0
  for n = 1, cap.count do
    local p = cap:packet(n)
    local b0 = p.data:byte(1)
    if p.time > 3e9 and b0 and b0 >= 20 and b0 <= 63 then late_handshakes = late_handshakes + 1 end
  end
end)

expect.sequence {
  { src = "alice", name = "dtlsconnected" },
  { src = "alice.wlan0", name = "iface-down", within = { 3, 3 } },
  { src = "alice", name = "disconnected", within = { 3, 3 } },
  { src = "alice", name = "activecandidate", args = { ["local"] = "host 10.2.0.7:49153" } },
  { src = "alice", name = "connected", within = { 3.1, 3.5 } },
}
expect.event { src = "bob", name = "activecandidate", args = { remote = "host 10.2.0.7:49153" }, within = { 3.1, 3.5 } }
-- one handshake per side, before the handover, none after
expect.event { src = "alice", name = "dtlsconnected", count = 1, within = { 0, 1 } }
expect.event { src = "bob", name = "dtlsconnected", count = 1, within = { 0, 1 } }
expect.never { name = "dtlsfailed" }
expect.measure { "DTLS records at Bob after 3 s", function() return late_handshakes end, min = 0, max = 0 }
local function ms(x) return math.floor(x * 1000 + 0.5) end
expect.measure { "longest RTP gap at Bob, ms", function() return ms(gap.b.max) end, min = 343, max = 437 }
expect.measure { "longest RTP gap at Alice, ms", function() return ms(gap.a.max) end, min = 307, max = 401 }
expect.measure { "the gap at Bob began at, ms", function() return ms(gap.b.at) end, min = 2996, max = 3017 }
expect.measure { "the gap at Alice began at, ms", function() return ms(gap.a.at) end, min = 2980, max = 3001 }
-- the streams stay connected: one connection each, no disconnection
expect.event { name = "track.connected", count = 2, within = { 0.1, 1 } }
expect.event { name = "stream.connected", count = 2, within = { 0.1, 1 } }
expect.never { name = "track.disconnected" }
expect.never { name = "stream.disconnected" }
expect.measure { "SRTP drops", function()
  local n = 0
  for _, m in ipairs({ call.ma, call.mb }) do for _, v in pairs(m:stats().dropped) do n = n + v end end
  return n
end, min = 0, max = 0 }
expect.capture { cap, golden = "media/wifi-to-cellular.bob.eth0.pcap", decrypted = "media/wifi-to-cellular.bob.eth0.decrypted.pcap" }
