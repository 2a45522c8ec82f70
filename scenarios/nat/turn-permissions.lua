-- TURN channels and permissions.
--
-- Alice's page allows relay candidates only, so her call to Bob goes
-- through her TURN server. The socket asks for a permission and a channel
-- when it first sends to Bob: the first checks travel as Send indications,
-- later ones as ChannelData (the capture at the server shows both). While
-- the call lives, consent checks keep the permission and channel fresh.
-- At t = 20 s Bob's interface goes down; Alice loses consent and stops
-- sending. Her socket refreshes, every 4 minutes, only the permissions it
-- used since the last refresh: the one for Bob is refreshed at 240 s (she
-- sent until about 46 s), not at 480 s, and runs out at 540 s (RFC 8656
-- s.9: 300 s). When Bob comes back at 560 s and sends to Alice's relayed
-- address, the server drops it: no permission. (The checks that reached
-- the relay at the very start, before Alice's permission was installed,
-- were dropped the same way.)

scenario { name = "NAT: TURN channels, and a permission that runs out", seed = 27, duration = 600,
           covers = { "spec:RTCIceCandidateDescription.type", "rfc8656:s9", "rfc8656:s10", "rfc8656:s12",
                      "rfc7675:s5.1-expire" } }
local peers = require("peers")

local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
local servers_host = net.host { name = "turn.example.net" }
local srv_if = servers_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
local turn = net.turn_server { host = servers_host, realm = "example.net", users = { alice = "secret" } }
local nat = net.nat { name = "nat", outside = internet, address = "203.0.113.10", type = "symmetric" }
local home = net.subnet { name = "home", prefix = "192.168.1.0/24", behind = nat }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = home, address = "192.168.1.10" }
local bob = net.host { name = "bob" }
local bob_eth0 = bob:interface { name = "eth0", subnet = dc, address = "198.51.100.20" }
local cap = net.capture(srv_if)

peers.call { a = alice:RTCSocket({ { url = "turn:alice@turn.example.net", credential = "secret" } }),
             b = bob:RTCSocket(), channel = { alice, bob, delay = 0.05 }, relay_only = true }

sim.at(20, function() bob_eth0:down() end)
local raw = bob:udp { port = 7000 }
sim.at(560, function()
  bob_eth0:up()
  raw:send("198.51.100.1", 49152, "anyone there?")
end)

expect.event { src = "alice", name = "activecandidate", count = 1,
               args = { ["local"] = "relay 198.51.100.1:49152", remote = "host 198.51.100.20:49152" } }
expect.event { src = "turn:198.51.100.1:3478", name = "permission", args = { peer = "198.51.100.20" }, min = 1 }
expect.event { src = "turn:198.51.100.1:3478", name = "channel", args = { peer = "198.51.100.20:49152" }, min = 1 }
-- consent is lost 30 s after the last answer (RFC 7675 s.5.1); the last
-- check Bob answered left after 20 - 6 = 14 s (checks are 4-6 s apart)
expect.event { src = "alice", name = "disconnected", count = 1, within = { 44, 56 } }
expect.never { src = "turn:198.51.100.1:3478", name = "no-permission", within = { 1, 559 } }
expect.event { src = "turn:198.51.100.1:3478", name = "permission", args = { peer = "198.51.100.20" },
               within = { 240, 240 } }
expect.never { src = "turn:198.51.100.1:3478", name = "permission", within = { 241, 600 } }
expect.event { src = "turn:198.51.100.1:3478", name = "no-permission", args = { peer = "198.51.100.20" },
               count = 1, within = { 560, 560.1 } }
-- Relayed to Bob, at least: the check that connected (1); while Bob is
-- up (to 20 s) Alice's consent checks and her answers to his, one each
-- way every 4-6 s (RFC 7675) from about 1 s: 2 x floor(19 / 6) = 6; after
-- it, her consent checks until she gives up (44 s or later): floor(24 /
-- 6) = 4. So 11 or more.
expect.measure { "relayed while the call lived", function() return turn:stats().relayed_out end, min = 11 }
-- once the channel is bound, every datagram goes as ChannelData both ways:
-- only the first check went as a Send indication
expect.measure { "sent as Send indications", function()
  local st = turn:stats(); return st.relayed_out - st.channel_out end, min = 1, max = 1 }
expect.measure { "delivered as Data indications", function()
  local st = turn:stats(); return st.relayed_in - st.channel_in end, min = 0, max = 0 }
expect.capture { cap, golden = "nat/turn-permissions.turn.eth0.pcap" }
