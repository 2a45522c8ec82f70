-- A host with two interfaces.
--
-- Alice has a wired interface on the office LAN and a second one on
-- another subnet (think wifi on a guest network), routed to Bob through
-- the core. She gathers a host candidate on each, the first with the
-- higher local preference (RFC 8445 s.5.1.2.1); the socket's ports come
-- from the host's ephemeral range in order, 49152 then 49153. Both pairs are checked;
-- the controlling side nominates the best one that works: the LAN pair.

scenario { name = "ICE: a host with two interfaces", seed = 7, duration = 10 }
local peers = require("peers")

local office = net.subnet { name = "office", prefix = "10.0.0.0/24", link = { latency = 0.002 } }
local guest = net.subnet { name = "guest", prefix = "172.16.0.0/24", link = { latency = 0.010 } }
net.core { latency = 0.020 }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = office, address = "10.0.0.1" }
local wlan0 = alice:interface { name = "wlan0", subnet = guest, address = "172.16.0.5" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = office, address = "10.0.0.2" }
local cap = net.capture(wlan0)

peers.call { a = alice:RTCSocket(), b = bob:RTCSocket(), channel = { alice, bob, delay = 0.02 } }

expect.event { src = "alice", name = "candidate", count = 2 }
expect.event { src = "alice", name = "candidate", args = { ["local"] = "host 172.16.0.5:49153" } }
expect.event { src = "alice", name = "activecandidate", count = 1,
               args = { ["local"] = "host 10.0.0.1:49152", remote = "host 10.0.0.2:49152" } }
expect.event { src = "bob", name = "connected", count = 1 }
-- the guest-network pair is checked too: its packets cross the core
-- (Alice's check on the guest pair and its answer, Bob's and hers: 4
-- datagrams, none lost and none retransmitted, as the round trip of 64 ms
-- is well under the RTO of 500 ms; a triggered check, RFC 8445 s.7.3.1.4,
-- could add one more exchange. No consent: the pair is not selected.)
expect.measure { "checks on wlan0", function() return cap.count end, min = 4, max = 6 }
expect.capture { cap, golden = "ice/two-interfaces.alice.wlan0.pcap" }
