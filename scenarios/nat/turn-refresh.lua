-- A relayed call that outlives its TURN allocation's lifetime (RFC 8656
-- s.8: the client refreshes the allocation before it expires; s.3.2: 600 s
-- unless the server says otherwise).
--
-- Alice's page uses relay candidates only (nat/turn-permissions.lua's
-- topology: Alice behind a symmetric NAT, Bob public beside the TURN
-- server), and the call runs 700 s. Without a refresh the allocation
-- would expire at about 600 s: the server would drop the relayed consent
-- checks and Alice would lose consent 30 s later (RFC 7675 s.5.1). With
-- it the allocation never expires, the permission and the channel are
-- refreshed with it, and consent goes on: relayed datagrams keep coming
-- through the last 100 s (consent checks, one each way every 4-6 s from
-- each side: at least 2 x 2 x floor(90 / 6) = 60 between 605 and 695 s).
scenario { name = "NAT: a relayed call outlives its TURN allocation's lifetime", seed = 30, duration = 700,
           covers = { "rfc8656:s8", "rfc7675:s5.1-renew", "spec:RTCIceCandidateDescription.type" } }
local peers = require("peers")

local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
local servers_host = net.host { name = "turn.example.net" }
servers_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
local turn = net.turn_server { host = servers_host, realm = "example.net", users = { alice = "secret" } }
local nat = net.nat { name = "nat", outside = internet, address = "203.0.113.10", type = "symmetric" }
local home = net.subnet { name = "home", prefix = "192.168.1.0/24", behind = nat }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = home, address = "192.168.1.10" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = dc, address = "198.51.100.20" }

peers.call { a = alice:RTCSocket({ { url = "turn:alice@turn.example.net", credential = "secret" } }),
             b = bob:RTCSocket(), channel = { alice, bob, delay = 0.05 }, relay_only = true }

local relayed = {}
local function total() local st = turn:stats(); return st.relayed_out + st.relayed_in end
sim.at(605, function() relayed.from = total() end)
sim.at(695, function() relayed.to = total() end)

expect.event { src = "alice", name = "activecandidate", count = 1, args = { ["local"] = "relay 198.51.100.1:49152" } }
expect.event { src = "turn:198.51.100.1:3478", name = "allocation", count = 1 }
expect.never { src = "turn:198.51.100.1:3478", name = "allocation-expired" }
expect.never { src = "turn:198.51.100.1:3478", name = "no-permission", within = { 1, 700 } }
expect.never { name = "disconnected" }
expect.measure { "relayed from 605 s to 695 s", function()
  return relayed.from and relayed.to and relayed.to - relayed.from or -1 end, min = 60 }
