-- libnice against ref/ through a TURN relay, under loss (issue 12): Alice
-- (ref/, offerer) and Bob (libnice on a live host, build/rtcsim-nice) are
-- each behind a symmetric NAT (RFC 4787 s.4.1), so only a relayed pair
-- can work (nat/symmetric-relay.lua gives the reasoning); both have the
-- project's TURN server, and Bob's access link loses 10% of datagrams
-- each way. Bob's libnice must allocate (RFC 8656 s.7, through the 401
-- and the long-term credential), create permissions (s.9) and check
-- through the relay, retransmitting what is lost (RFC 8489 s.6.2.1).
--
-- Windows: ref/ connects through a relay in 3 s without loss
-- (symmetric-relay.lua); a lost check costs an RTO (500 ms, doubling);
-- with two losses in a row (1%) that is 1.5 s more; libnice ends its
-- gathering after its TURN and STUN transactions (about 2 s here, seen in
-- libnice-nat-matrix.lua); and the live tolerance is 0.5 s: connected by
-- 3 + 1.5 + 2 + 0.5 = 7 s.

scenario { name = "interop: libnice (live) against ref/ through TURN, 10% loss at Bob", seed = 3,
           duration = 14 }
local peers = require("peers")

local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
net.core { latency = 0.010 }
local srv = net.host { name = "servers.example.net" }
srv:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
net.stun_server { host = srv, port = 3478 }
local turn = net.turn_server { host = srv, port = 3479, realm = "example.net",
                               users = { alice = "secret-a", bob = "secret-b" } }
local nat_a = net.nat { name = "nat-a", outside = internet, address = "203.0.113.10", type = "symmetric" }
local nat_b = net.nat { name = "nat-b", outside = internet, address = "203.0.113.20", type = "symmetric" }
local home_a = net.subnet { name = "home-a", prefix = "192.168.1.0/24", behind = nat_a }
local home_b = net.subnet { name = "home-b", prefix = "192.168.2.0/24", behind = nat_b,
                            link = { loss = 0.10 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = home_a, address = "192.168.1.10" }
local bob = net.host { name = "bob", run = { "build/rtcsim-nice" }, control = true }
local bob_if = bob:interface { name = "eth0", subnet = home_b, address = "192.168.2.10" }
net.capture(bob_if)

local function servers(user, pw)
  return { { url = "stun:servers.example.net" },
           { url = "turn:" .. user .. "@servers.example.net:3479", credential = pw } }
end
local call = peers.call { a = alice:RTCSocket(servers("alice", "secret-a")),
                          b = bob:RTCSocket(servers("bob", "secret-b")),
                          channel = { alice, bob, delay = 0.05 } }
local pair = "none"
call.a.onactivecandidate = function(l, r) pair = l.type .. "/" .. r.type end

-- the pair at Alice goes through a relay, one side's or the other's
expect.measure { "Alice's pair is relayed (1: a relay end)", function()
  return (pair:match("relay") and 1) or 0 end, min = 1, max = 1 }
expect.event { src = "alice", name = "connected", count = 1, within = { 0, 7 } }
expect.event { src = "bob", name = "connected", count = 1, within = { 0, 7 } }
expect.never { name = "disconnected" }
expect.measure { "relayed by the TURN server", function()
  return turn:stats().relayed_out + turn:stats().relayed_in end, min = 2 }
