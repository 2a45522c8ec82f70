-- An interface going down and up.
--
-- Alice's only interface goes down at t = 5 s and comes back at t = 8 s.
-- ondisconnected fires at once; restarting then finds no address to
-- gather on (no candidate, end of candidates at once). When the interface
-- is back the page restarts again and the call resumes.

scenario { name = "faults: interface down and up", seed = 33, duration = 15,
           covers = { "spec:RTCConnection.ondisconnected", "spec:RTCConnection.update",
                      "spec:RTCConnection.onendofcandidates", "rfc8445:s5.1.1" } }
local peers = require("peers")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(eth0)

local call = peers.call { a = alice:RTCSocket(), b = bob:RTCSocket(), channel = { alice, bob, delay = 0.02 } }
call.a.ondisconnected = function() peers.restart(call) end
sim.at(5, function() eth0:down() end)
sim.at(8, function() eth0:up(); peers.restart(call) end)

expect.sequence {
  { src = "alice", name = "connected" },
  { src = "alice", name = "disconnected", within = { 5, 5 } },
  { src = "alice", name = "endofcandidates", within = { 5, 5 } },
  { src = "alice.eth0", name = "iface-up", within = { 8, 8 } },
  { src = "alice", name = "candidate", within = { 8, 8 } },
  { src = "alice", name = "connected", within = { 8, 9 } },
}
expect.event { src = "alice", name = "candidate", count = 2 }
expect.capture { cap, golden = "faults/down-up.alice.eth0.pcap" }
