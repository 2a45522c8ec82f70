-- An address change against libnice (issue 12): faults/address-change.lua
-- with Bob's stack Debian's libnice (build/rtcsim-nice, a live host).
--
-- At t = 5 s Alice's interface (ref/) is renumbered (10.0.1.7 to
-- 10.0.1.8, a DHCP lease that changed). Her pair in use sat on the old
-- address, so her connection fires ondisconnected at once, and her page
-- restarts ICE (RFC 8445 s.9: new usefrag and secret, gathering again on
-- the new address) and signals the new description; Bob's page takes it
-- and restarts too (peers.restart), and libnice must check and nominate
-- afresh with the new credentials and Alice's new candidate.
--
-- Windows: the restart's description reaches Bob one channel delay (50
-- ms) after 5 s, his answer is back 50 ms later, and a check round trip
-- on these links is 2 x (3 + 10 + 3) ms = 32 ms; ref/ nominates within
-- 0.2 s of its checks starting (ice/lan-host.lua), libnice paces at 20 ms;
-- with the live tolerance (0.5 s, docs/live.md): connected again in
-- [5 + 0.1 + 0.032, 5 + 0.1 + 0.2 + 0.5].

scenario { name = "interop: an address change against libnice (live)", seed = 32, duration = 10 }
local peers = require("peers")

local lan_a = net.subnet { name = "lan-a", prefix = "10.0.1.0/24", link = { latency = 0.003 } }
local lan_b = net.subnet { name = "lan-b", prefix = "10.0.2.0/24", link = { latency = 0.003 } }
net.core { latency = 0.010 }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan_a, address = "10.0.1.7" }
local bob = net.host { name = "bob", run = { "build/rtcsim-nice" }, control = true }
local bob_eth0 = bob:interface { name = "eth0", subnet = lan_b, address = "10.0.2.2" }
net.capture(bob_eth0)

local call = peers.call { a = alice:RTCSocket(), b = bob:RTCSocket(), channel = { alice, bob, delay = 0.05 } }
call.a.ondisconnected = function() peers.restart(call) end
sim.at(5, function() eth0:set_address("10.0.1.8") end)

local T = 0.5
expect.sequence {
  { src = "alice", name = "connected" },
  { src = "alice.eth0", name = "iface-address", args = { old = "10.0.1.7", address = "10.0.1.8" } },
  { src = "alice", name = "disconnected", within = { 5, 5 } },
  { src = "alice", name = "candidate", args = { ["local"] = "host 10.0.1.8:49153" } },
  { src = "alice", name = "connected", within = { 5 + 0.1 + 0.032, 5 + 0.1 + 0.2 + T } },
}
-- libnice follows: its selected pair moves to Alice's new address
expect.event { src = "bob", name = "activecandidate", args = { remote = "host 10.0.1.8:49153" }, count = 1,
               within = { 5 + 0.1, 5 + 0.1 + 0.2 + T } }
expect.event { src = "bob", name = "connected", min = 1, within = { 0, 1 + T } }
