-- DTMF through a TURN relay (issue 10, RFC 8656): the telephone-events
-- ride the audio's SRTP in ChannelData through the relay ICE selects
-- between two symmetric NATs.
--
-- The world is natmatrix.lua's (scenarios/nat/matrix.lua gives its
-- reasoning): Alice and Bob each in a home behind a symmetric NAT; no
-- direct pair works and ICE selects prflx/relay at Alice (the matrix's
-- cell: Bob's relayed candidate, Alice's peer-reflexive one as the relay
-- sees her). Alice sends an audio track (Opus) and an RTCDTMFTrack
-- (telephone-event/48000, pt 110, D92) to Bob, who only receives. ICE is
-- connected by 1.7 s and the keys are up by 3 s at the latest (media/
-- nat-matrix.lua's bounds, for the longest paths); at T0 = 3.5 s Alice
-- inserts "0#*d" with the defaults ("d" is "D", D89) (D = 100 ms, G = 50 ms).
--
-- The schedule (D86, D93, I = 50 ms): the update (50 ms, marker) at 0,
-- the end packet (100, E) at 50, 100, 150 ms; tone k starts at s_k = T0 +
-- k (D + I + G) = T0 + 0.2 k, and Alice logs dtmf.sent then, exactly.
-- The path has no loss and no jitter, so each tone is reported at its
-- first end packet's arrival, s_k + (D - I) + P, with P the one-way delay
-- of the path, the same for every packet: Alice's home link (2 ms), the
-- core to the data centre's relay (15 ms) and back to the internet (15
-- ms; the subnets' own access links natmatrix.lua gives no latency),
-- Bob's home link (2 ms): P = 34 ms.
-- Each is ended, 100 ms; the repeated end packets are duplicates, 2 per
-- tone (8); nothing is dropped.

local T = 4.5
scenario { name = "dtmf: \"0#*D\" through a TURN relay between symmetric NATs", seed = 1, duration = T,
           covers = { "spec:RTCDTMFTrack.insertDTMF", "rfc4733:s3.2" } }
local nm = require("natmatrix")
local dc = require("dtmfcall")
nm.world()

local T0, D, G, I, P = 3.5, 0.100, 0.050, 0.050, 0.034
local alice, nat = nm.side("alice", "symmetric", 1, "S", 0)
local bob = nm.side("bob", "symmetric", 1, "S", 1)
local cap = net.capture(net.link("turn.example.net.eth0"))

local c = dc.call_across(alice, bob)
local call, tones = c.call, c.tones
sim.at(T0, function() c.dtmf:insertDTMF("0#*d") end)

dc.expect_across { alice = "alice-S", bob = "bob-S", digits = { "0", "#", "*", "D" }, t0 = T0, period = D + I + G,
                   duration = D, interval = I, path = P, tones = tones, session = call.mb, duplicates = 8,
                   pair = c.pair, want_pair = "prflx/relay" }
expect.capture { cap, golden = "dtmf/relay.turn.example.net.eth0.pcap", decrypted = "dtmf/relay.turn.example.net.eth0.decrypted.pcap" }
