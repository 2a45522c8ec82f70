-- Server-reflexive gathering from a STUN server, without a NAT.
--
-- Each side asks the STUN server (RFC 8489 Binding) from its host address.
-- With no NAT in between, the reflexive address equals the host address:
-- RFC 8445 s.5.1.3 makes that candidate redundant, so it is not signalled
-- and oncandidate fires once per side. A second server URL where nobody
-- listens makes the end of gathering wait for that transaction to time out
-- (RFC 8489 s.6.2.1: 39.5 s), and then onendofcandidates fires, once.

scenario { name = "ICE: server-reflexive gathering, no NAT", seed = 2, duration = 60,
           covers = { "spec:RTCSocket.constructor", "spec:RTCIceServer.url",
                      "spec:RTCConnection.onendofcandidates", "rfc8445:s5.1.1.2", "rfc8445:s5.1.3",
                      "rfc8489:s12", "rfc8489:s6.2.1" } }
local peers = require("peers")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
net.core { latency = 0.010 }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local stun = net.host { name = "stun.example.net" }
local stun_if = stun:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
local server = net.stun_server { host = stun }
local cap = net.capture(stun_if)

local servers = { { url = { "stun:stun.example.net", "stun:198.51.100.1:3479" } } }
peers.call { a = alice:RTCSocket(servers), b = bob:RTCSocket(servers),
             channel = { alice, bob, delay = 0.02 } }

expect.event { src = "stun:198.51.100.1:3478", name = "binding", count = 2 }
expect.event { src = "alice", name = "candidate", count = 1 }
expect.event { src = "alice", name = "endofcandidates", count = 1, within = { 39.5, 39.5 } }
expect.event { src = "alice", name = "connected", count = 1, within = { 0, 1 } }
expect.event { name = "drop", args = { reason = "no-listener" }, count = 14 }
expect.measure { "answered", function() return server:stats().answered end, min = 2, max = 2 }
expect.capture { cap, golden = "ice/server-reflexive.stun.eth0.pcap" }
