-- A BYE, then a dead path (issue 9; RFC 3550 s.6.6, s.6.3.5; D62, D63).
--
-- Alice sends two audio streams, s1 (alice-mic) and s2 (alice-mic2); Bob
-- one, b1 (bob-mic). Audio alone: what is checked is per source and a
-- 50 packets/s clock makes every time below exact. L = 10 ms host to
-- host (two 5 ms access links), the channel 20 ms.
--   1.0 s  Alice sendTrack(mic2, false): a BYE for its SSRC goes at once
--          (D62: no BYE reconsideration for two members), so Bob's
--          alice-mic2 disconnects with reason "bye" at 1.0 + L = 1.01,
--          and s2, its stream's only track, disconnects with it.
--   1.5 s  Alice removeStream(s2) and signals her whole description: at
--          1.52 Bob's alice-mic2 is removed (removetrack) and s2 with it
--          (removestream, D61).
--   T = 3  Bob's access link loses everything, both ways: each side's
--          remote tracks time out 2 x Td after their last RTP packet
--          (D63), Td = 5 s here: A.7's minimum, since 2 audio senders of
--          about 44 kbit/s (Opus's mean 70 bytes + 40 of headers per 20
--          ms) give an RTCP share of 5% * 88000 / 8 = 550 bytes/s, and
--          avg_rtcp_size * 2 members / 550 reaches 5 s only for
--          compounds of 1375 bytes (ours are under 200). Timeout 10 s.
--          The last packet to get through: the link decides loss as a
--          packet enters it (sim/net/net.c), so Alice's last to Bob left
--          her in (T - 0.02 - 0.005, T - 0.005] and arrives 10 ms later,
--          in (T - 0.015, T + 0.005]; Bob's last to Alice left in
--          (T - 0.02, T] and arrives in (T - 0.01, T + 0.01]. So the
--          timeouts fire in [T + 10 - 0.015, T + 10 + 0.01] on both
--          sides, their streams disconnecting with their last track.
-- ICE consent (RFC 7675: 30 s) outlives the run; nothing else disconnects.

local T, TIMEOUT, L = 3, 10, 0.01
scenario { name = "media: BYE (sendTrack false, removeStream) and the RTP timeout under total loss", seed = 1,
           duration = T + TIMEOUT + 0.5,
           covers = { "spec:RTCMediaSession.sendTrack", "spec:RTCMediaSession.removeStream",
                      "spec:RTCMediaSession.setRemoteDescription", "spec:RTCMediaSession.onremovestream",
                      "spec:MediaStream.ondisconnected", "spec:MediaStreamTrack.ondisconnected",
                      "rfc3550:s6.6", "rfc3550:s6.3.5" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
local beth0 = bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(beth0)

local mic = MediaStreamTrack { kind = "audio", id = "alice-mic" }
local mic2 = MediaStreamTrack { kind = "audio", id = "alice-mic2" }
local s1 = MediaStream { id = "s1", tracks = { mic } }
local s2 = MediaStream { id = "s2", tracks = { mic2 } }
local b1 = MediaStream { id = "b1", tracks = { MediaStreamTrack { kind = "audio", id = "bob-mic" } } }
local call = media.call { a = { host = alice, streams = { s1, s2 } }, b = { host = bob, streams = { b1 } },
                          channel = { delay = 0.02 } }
local ma = call.ma

sim.at(1.0, function() ma:sendTrack(mic2, false) end)
sim.at(1.5, function()
  ma:removeStream(s2)
  media.signal(call, "a", ma:getLocalDescription())
end)
sim.at(T, function() net.link("bob.eth0"):set { loss = 1 } end)

local t_out = { T + TIMEOUT - 0.015, T + TIMEOUT + 0.01 }
expect.event { src = "bob", name = "track.connected", count = 2 }
expect.event { src = "alice", name = "track.connected", args = { track = "bob-mic" }, count = 1 }
-- the BYE
expect.event { src = "bob", name = "track.disconnected", args = { track = "alice-mic2", reason = "bye" },
               count = 1, within = { 1.0 + L, 1.0 + L } }
expect.event { src = "bob", name = "stream.disconnected", args = { stream = "s2" }, count = 1, within = { 1.0 + L, 1.0 + L } }
expect.event { src = "bob", name = "removetrack", args = { track = "alice-mic2" }, count = 1, within = { 1.52, 1.52 } }
expect.event { src = "bob", name = "removestream", args = { stream = "s2" }, count = 1, within = { 1.52, 1.52 } }
expect.sequence { { src = "bob", name = "track.disconnected", args = { track = "alice-mic2" } },
                  { src = "bob", name = "removetrack", args = { track = "alice-mic2" } },
                  { src = "bob", name = "removestream", args = { stream = "s2" } } }
expect.never { src = "bob", name = "removestream", args = { stream = "s1" } }
-- the timeout, both sides, and only then
expect.event { src = "bob", name = "track.disconnected", args = { track = "alice-mic", reason = "timeout" },
               count = 1, within = t_out }
expect.event { src = "alice", name = "track.disconnected", args = { track = "bob-mic", reason = "timeout" },
               count = 1, within = t_out }
expect.event { src = "bob", name = "stream.disconnected", args = { stream = "s1" }, count = 1, within = t_out }
expect.event { src = "alice", name = "stream.disconnected", args = { stream = "b1" }, count = 1, within = t_out }
expect.never { name = "track.disconnected", args = { reason = "timeout" }, within = { 0, t_out[1] - 1e-9 } }
expect.event { name = "track.disconnected", count = 3 }
expect.never { name = "disconnected" }
expect.never { name = "dtlsfailed" }
expect.capture { cap, golden = "media/bye-timeout.bob.eth0.pcap", decrypted = "media/bye-timeout.bob.eth0.decrypted.pcap" }
