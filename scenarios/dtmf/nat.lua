-- DTMF through a NAT (issue 10): the telephone-events ride the audio's
-- SRTP on the pair ICE selects across a port-restricted cone NAT.
--
-- The world is natmatrix.lua's (scenarios/nat/matrix.lua gives its
-- reasoning): Alice in a home behind a port-restricted cone NAT, Bob on
-- the internet with no NAT; ICE selects srflx/host at Alice (the matrix's
-- cell). Alice sends an audio track (Opus) and an RTCDTMFTrack
-- (telephone-event/48000, pt 110, D92) to Bob, who only receives. ICE is
-- connected by 1.7 s and the keys are up by 3 s at the latest (media/
-- nat-matrix.lua's bounds, for the longest paths); at T0 = 3.5 s Alice
-- inserts "123" with the defaults (D = 100 ms, G = 50 ms).
--
-- The schedule (D86, D93, I = 50 ms): the update (50 ms, marker) at 0,
-- the end packet (100, E) at 50, 100, 150 ms; tone k starts at s_k = T0 +
-- k (D + I + G) = T0 + 0.2 k, and Alice logs dtmf.sent then, exactly.
-- The path has no loss and no jitter, so each tone is reported at its
-- first end packet's arrival, s_k + (D - I) + P, with P the one-way delay
-- of the path, the same for every packet: Alice's home link (2 ms), then
-- the NAT and Bob share the internet subnet, whose access links
-- natmatrix.lua gives no latency, and the core is not crossed: P = 2 ms.
-- Each is ended, 100 ms; the repeated end packets are duplicates, 2 per
-- tone; nothing is dropped.

local T = 4.5
scenario { name = "dtmf: \"123\" through a port-restricted cone NAT", seed = 1, duration = T,
           covers = { "spec:RTCDTMFTrack.insertDTMF", "rfc4733:s2.5.2" } }
local nm = require("natmatrix")
local dc = require("dtmfcall")
nm.world()

local T0, D, G, I, P = 3.5, 0.100, 0.050, 0.050, 0.002
local alice, nat = nm.side("alice", "port-restricted-cone", 1, "P", 0)
local bob = nm.side("bob", "none", 1, "N", 1)
local cap = net.capture(nat.outside_link)

local c = dc.call_across(alice, bob)
local call, tones = c.call, c.tones
sim.at(T0, function() c.dtmf:insertDTMF("123") end)

dc.expect_across { alice = "alice-P", bob = "bob-N", digits = { "1", "2", "3" }, t0 = T0, period = D + I + G,
                   duration = D, interval = I, path = P, tones = tones, session = call.mb, duplicates = 6,
                   pair = c.pair, want_pair = "srflx/host" }
expect.capture { cap, golden = "dtmf/nat.nat-alice-P.outside.pcap", decrypted = "dtmf/nat.nat-alice-P.outside.decrypted.pcap" }
