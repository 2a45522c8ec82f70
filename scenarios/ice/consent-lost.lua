-- Consent lost: the remote host disappears mid-session.
--
-- At t = 5 s Bob's interface goes down. Alice keeps sending consent checks
-- (RFC 7675 s.5.1: every 4-6 s); none is answered, and 30 s after the
-- last answer consent expires: ondisconnected fires.

scenario { name = "ICE: consent lost when the peer vanishes", seed = 5, duration = 60,
           covers = { "spec:RTCConnection.ondisconnected", "rfc7675:s5.1-expire" } }
local peers = require("peers")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
local bob_eth0 = bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(eth0)

peers.call { a = alice:RTCSocket(), b = bob:RTCSocket(), channel = { alice, bob, delay = 0.02 } }
sim.at(5, function() bob_eth0:down() end)

expect.sequence { { src = "alice", name = "connected" },
                  { src = "bob.eth0", name = "iface-down" },
                  { src = "alice", name = "disconnected" } }
-- the last answer came before 5 s, so consent expires before 35 s; it
-- cannot expire before 30 s
expect.event { src = "alice", name = "disconnected", count = 1, within = { 30, 35 } }
expect.capture { cap, golden = "ice/consent-lost.alice.eth0.pcap" }
