-- A trace replayed to an unmodified program on a simulated host (issue 13):
-- media/call-lan's Alice, played by the player, against ref/ running live
-- as build/rtcsim-live (real sockets in its own network namespace, the real
-- clock, the control protocol: docs/live.md).
--
-- The expectations are replay.lua's (docs/replay.md): every replayed check
-- answered before its first retransmission was due (0.5 s, RFC 8445 s.14.3;
-- live, the 0.5 s tolerance of docs/live.md is inside it), the player's
-- DTLS up (the program's DTLS events are not in the control protocol, v1:
-- live = true), both of the trace's tracks connected under the new keys,
-- and the original run's other events of Bob seen again from the live
-- program, each as often.
scenario { name = "interop: media/call-lan's Alice replayed to ref/ live (build/rtcsim-live)", seed = 1,
           duration = 6 }
local replay = require("replay")

local lan = net.subnet { name = "lan", prefix = "192.0.2.0/24", link = { latency = 0.005 } }
local player = net.host { name = "player" }
player:interface { name = "eth0", subnet = lan, address = "192.0.2.1" }
local bob = net.host { name = "bob", run = { "build/rtcsim-live", "--impl", "build/ref.so" }, control = true }
local cap = net.capture(bob:interface { name = "eth0", subnet = lan, address = "192.0.2.2" })

replay { trace = "media/call-lan.alice.eth0.pcap", side = "10.0.0.1", keylog = "replay/call-lan.keylog",
         sidecar = "replay/call-lan.sidecar.json", iut = bob, player = player, live = true }
