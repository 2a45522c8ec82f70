-- 30% loss on both access links during the checks.
--
-- Checks and their answers are lost; the RFC 8489 retransmissions (RTO
-- 500 ms, doubling) and the triggered checks of the other side get the
-- pair through anyway. The capture shows the retransmitted requests: the
-- same transaction id more than once.

scenario { name = "ICE: connects through 30% loss", seed = 3, duration = 20 }
local peers = require("peers")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24",
                         link = { latency = 0.005, loss = 0.3 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(eth0)

peers.call { a = alice:RTCSocket(), b = bob:RTCSocket(), channel = { alice, bob, delay = 0.02 } }

expect.event { src = "alice", name = "connected", count = 1, within = { 0, 10 } }
expect.event { src = "bob", name = "connected", count = 1, within = { 0, 10 } }
expect.event { name = "drop", args = { reason = "loss" }, min = 1 }
expect.capture { cap, golden = "ice/loss.alice.eth0.pcap" }
