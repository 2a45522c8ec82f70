-- An address change on one side.
--
-- At t = 5 s Alice's interface is renumbered (10.0.1.7 to 10.0.1.8, a
-- DHCP lease that changed). The pair in use sat on the old address, so
-- the connection fires ondisconnected at once; the page restarts ICE and
-- the call comes back on the new address.

scenario { name = "faults: address change", seed = 32, duration = 12,
           covers = { "spec:RTCConnection.ondisconnected", "spec:RTCConnection.update", "rfc8445:s9" } }
local peers = require("peers")

local lan_a = net.subnet { name = "lan-a", prefix = "10.0.1.0/24", link = { latency = 0.003 } }
local lan_b = net.subnet { name = "lan-b", prefix = "10.0.2.0/24", link = { latency = 0.003 } }
net.core { latency = 0.010 }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan_a, address = "10.0.1.7" }
local bob = net.host { name = "bob" }
local bob_eth0 = bob:interface { name = "eth0", subnet = lan_b, address = "10.0.2.2" }
local cap = net.capture(bob_eth0)

local call = peers.call { a = alice:RTCSocket(), b = bob:RTCSocket(), channel = { alice, bob, delay = 0.05 } }
call.a.ondisconnected = function() peers.restart(call) end
sim.at(5, function() eth0:set_address("10.0.1.8") end)

expect.sequence {
  { src = "alice", name = "connected" },
  { src = "alice.eth0", name = "iface-address", args = { old = "10.0.1.7", address = "10.0.1.8" } },
  { src = "alice", name = "disconnected", within = { 5, 5 } },
  { src = "alice", name = "candidate", args = { ["local"] = "host 10.0.1.8:49153" } },
  { src = "alice", name = "connected", within = { 5, 6 } },
}
expect.event { src = "bob", name = "activecandidate", args = { remote = "host 10.0.1.8:49153" } }
expect.capture { cap, golden = "faults/address-change.bob.eth0.pcap" }
