-- A NAT reboot mid-session.
--
-- Alice is behind a NAT; Bob is on the public side and made the offer.
-- At t = 5 s Alice's NAT reboots and comes back with another public
-- address: every mapping is gone, and the old address leads nowhere. Bob's
-- consent checks go unanswered and after 30 s his side fires
-- ondisconnected. His page restarts ICE (update()); Alice's page answers
-- the restart; Alice gathers again, the STUN server reports the new
-- public address, and the call comes back on the new mapping.

scenario { name = "NAT: reboot mid-session, restart on the new mapping", seed = 24, duration = 60,
           covers = { "spec:RTCConnection.update", "rfc8445:s9", "rfc7675:s5.1-expire",
                      "rfc8489:s14.2" } }
local peers = require("peers")

local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
local stun_host = net.host { name = "stun.example.net" }
stun_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
net.stun_server { host = stun_host }
local servers = { { url = "stun:stun.example.net" } }
local nat = net.nat { name = "nat", outside = internet, address = "203.0.113.10", type = "port-restricted-cone" }
local home = net.subnet { name = "home", prefix = "192.168.1.0/24", behind = nat }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = home, address = "192.168.1.2" }
local bob = net.host { name = "bob" }
local bob_eth0 = bob:interface { name = "eth0", subnet = dc, address = "198.51.100.20" }
local cap = net.capture(bob_eth0)

local call = peers.call { a = bob:RTCSocket(servers), b = alice:RTCSocket(servers),
                          channel = { bob, alice, delay = 0.02 } }
call.a.ondisconnected = function() peers.restart(call) end
sim.at(5, function() nat:reboot { address = "203.0.113.99" } end)

expect.sequence {
  { src = "bob", name = "connected" },
  { src = "nat", name = "reboot", args = { address = "203.0.113.99" }, within = { 5, 5 } },
  { src = "bob", name = "disconnected" },
  { src = "alice", name = "candidate", args = { ["local"] = "srflx 203.0.113.99:49152" } },
  { src = "bob", name = "activecandidate", args = { remote = "srflx 203.0.113.99:49152" } },
  { src = "bob", name = "connected" },
}
expect.event { src = "bob", name = "disconnected", count = 1, within = { 30, 36 } }
expect.event { src = "bob", name = "connected", count = 2 }
expect.capture { cap, golden = "nat/reboot.bob.eth0.pcap" }
