-- Loss on both access links during the checks.
--
-- Checks and their answers are lost; the RFC 8489 retransmissions (RTO
-- 500 ms, doubling) and the triggered checks of the other side get the
-- pair through anyway. The capture shows the retransmitted requests: the
-- same transaction id more than once.
--
-- The loss comes in three phases so that what is asserted holds at every
-- seed, not only at this one (D46): every datagram is lost until 0.3 s
-- (the first checks, sent at about 0.05 s, and their triggered answers:
-- a retransmission is always needed), 30% are lost until 2 s (random:
-- each seed takes another path through the retransmissions), none after.
-- 30% loss for the whole run would be a coin toss: a check crosses two
-- lossy links each way, so one transmission gets its answer with
-- probability 0.7^4 = 0.24, and the 5 transmissions RFC 8489 makes in
-- 10 s all fail with probability 0.76^5 = 0.25; over 200 seeds half did
-- not connect within 10 s. Here every transaction still open at 2 s has
-- retransmitted over clean links by 4 s (RFC 8489 s.6.2.1: sends at 0,
-- 0.5, 1.5, 3.5 s after its start); the slowest case is a lost nomination
-- that a triggered check cancels (RFC 8445 s.7.3.1.4) by 4 s: the
-- cancelled check is given up Rm x RTO = 8 s later and the nomination
-- goes again, answered within 0.1 s. So both ends connect by 12.1 s (the
-- window allows 13 s, for the 50 ms pacing of checks and some margin),
-- whatever was lost before (the latest over 200 seeds: 10.12 s).

scenario { name = "ICE: connects through loss", seed = 3, duration = 20 }
local peers = require("peers")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24",
                         link = { latency = 0.005, loss = 1 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
local bob_eth0 = bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
sim.at(0.3, function() eth0.link:set { loss = 0.3 }; bob_eth0.link:set { loss = 0.3 } end)
sim.at(2.0, function() eth0.link:set { loss = 0 }; bob_eth0.link:set { loss = 0 } end)
local cap = net.capture(eth0)

peers.call { a = alice:RTCSocket(), b = bob:RTCSocket(), channel = { alice, bob, delay = 0.02 } }

expect.event { src = "alice", name = "connected", count = 1, within = { 0, 13 } }
expect.event { src = "bob", name = "connected", count = 1, within = { 0, 13 } }
-- the first check of each side is lost, at every seed
expect.event { name = "drop", args = { reason = "loss" }, min = 2, within = { 0, 0.3 } }
expect.never { name = "drop", within = { 2.0, 20 } }
expect.capture { cap, golden = "ice/loss.alice.eth0.pcap" }
