-- A host with two interfaces.
--
-- Alice has a wired interface on the office LAN and a second one on
-- another subnet (think wifi on a guest network), routed to Bob through
-- the core. She gathers a host candidate on each, the first with the
-- higher local preference (RFC 8445 s.5.1.2.1); the socket's ports come
-- from the host's ephemeral range in order, 49152 then 49153. Both pairs are checked;
-- the controlling side nominates the best one that works: the LAN pair.

scenario { name = "ICE: a host with two interfaces", seed = 7, duration = 10,
           covers = { "spec:RTCConnection.oncandidate", "rfc8445:s5.1.1", "rfc8445:s8.1.2", "rfc8445:s14.2" } }
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
-- the guest-network pair is checked once, by Bob: his check and Alice's
-- answer, 2 datagrams that cross the core. Alice's own check on it would
-- go one pacing interval (Ta = 50 ms, RFC 8445 s.14.2) after her first,
-- but the LAN pair is nominated within its 4 ms round trip, and
-- nomination removes the Waiting pairs (s.8.1.2); Bob's later ones go the
-- same way once the nomination reaches him. No consent: the pair is not
-- selected. More than 2 means checks went on after nomination.
expect.measure { "checks on wlan0", function() return cap.count end, min = 2, max = 2 }
expect.capture { cap, golden = "ice/two-interfaces.alice.wlan0.pcap" }
