-- A tone whose three end packets are all lost (issue 10; RFC 4733
-- s.2.5.2.1, D87, D94): the receiver reports it from its updates, with
-- ended = false and a duration no longer than the one sent.
--
-- Alice sends an audio track (Opus) and an RTCDTMFTrack (telephone-event
-- /48000, pt 110, D92) to Bob on a clean LAN (5 ms access links: L = 10
-- ms host to host, no jitter); Bob's remote audio connects by 0.26 s
-- (call-lan.lua's window). At T0 = 0.5 s Alice inserts "123" with
-- D = 200 ms and G = 200 ms. The schedule (D86, D93, I = 50 ms): slot k at
-- k I says (k + 1) I, so updates 50, 100, 150 ms at 0, 50, 100 ms and the
-- end packet (200, E) at 150, 200, 250 ms; tone k starts at
-- s_k = T0 + k (D + I + G) = T0 + 0.45 k. A datagram of Alice's enters
-- Bob's access link 5 ms after she sends it.
--
-- The burst: Bob's downlink loses everything from s_1 + 0.13 to s_1 +
-- 0.28: the three end packets of "2" enter it at s_1 + 0.155, 0.205,
-- 0.255; its last update at s_1 + 0.105 and the next tone's first packet
-- at s_1 + 0.455 are outside the window (25 ms of margin each side).
-- Expected at Bob:
--   "1", "3": reported at their first end packet, s_k + 0.15 + L, ended,
--   200 ms; the two repeated ends each are duplicates (D87): 4 in all.
--   "2": its last packet arrives at s_1 + 0.1 + L = s_1 + 0.11; D94 reports
--   it 200 ms after that, at s_1 + 0.31 (before "3" starts at s_1 + 0.46,
--   so the timeout, not the next event, reports it), from its last
--   update: 150 ms, ended = false; no longer than the sent 200.
-- Nothing is refused (no dtmf-* drop) and no tone is reported twice.

local T = 2.2
scenario { name = "dtmf: all three end packets of a tone lost: reported from its updates", seed = 1, duration = T,
           covers = { "rfc4733:s2.5.1.2", "rfc4733:s2.5.1.4", "rfc4733:s2.5.2" } }
local media = require("media")

local T0, D, G, I, L = 0.5, 0.200, 0.200, 0.050, 0.010
local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
local beth0 = bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(beth0)

local mic = MediaStreamTrack { kind = "audio", id = "alice-mic" }
local dtmf = RTCDTMFTrack { id = "alice-dtmf" }
local call = media.call { a = { host = alice, streams = { MediaStream { id = "alice-stream", tracks = { mic, dtmf } } } },
                          b = { host = bob }, channel = { delay = 0.02 } }

local PERIOD = D + I + G
local function s(k) return T0 + k * PERIOD end
local link = net.link("bob.eth0")
sim.at(T0, function() dtmf:insertDTMF("123", D * 1000, G * 1000) end)
sim.at(s(1) + 0.13, function() link:set("down", { loss = 1 }) end)
sim.at(s(1) + 0.28, function() link:set("down", { loss = 0 }) end)

local at1, at3 = s(0) + D - I + L, s(2) + D - I + L
local at2 = s(1) + D - 2 * I + L + 4 * I     -- last update's arrival + D94's 200 ms
expect.event { src = "bob", name = "dtmf.tone", args = { digit = "1", duration = 200, ended = true }, count = 1, within = { at1, at1 } }
expect.event { src = "bob", name = "dtmf.tone", args = { digit = "2", duration = 150, ended = false }, count = 1, within = { at2, at2 } }
expect.event { src = "bob", name = "dtmf.tone", args = { digit = "3", duration = 200, ended = true }, count = 1, within = { at3, at3 } }
expect.event { src = "bob", name = "dtmf.tone", count = 3 }
expect.event { src = "alice", name = "dtmf.sent", count = 3 }
expect.never { name = "track.disconnected" }
expect.measure { "repeated end packets at Bob (dtmf_duplicates)", function() return call.mb:stats().dtmf_duplicates end, min = 4, max = 4 }
expect.measure { "DTMF refusals at Bob", function()
  local d, n = call.mb:stats().dropped, 0
  for _, r in ipairs({ "dtmf-truncated", "dtmf-bad-event", "dtmf-no-start", "dtmf-backwards" }) do n = n + (d[r] or 0) end
  return n
end, min = 0, max = 0 }
-- the window dropped at least the three end packets (and some audio)
expect.measure { "datagrams lost in the burst", function() return link:stats("down").dropped.loss end, min = 3 }

expect.capture { cap, golden = "dtmf/end-packets-lost.bob.eth0.pcap", decrypted = "dtmf/end-packets-lost.bob.eth0.decrypted.pcap" }
