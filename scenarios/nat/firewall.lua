-- A corporate firewall that lets UDP out only to the company's TURN server.
--
-- Alice sits on the office network, public addresses behind a firewall
-- whose only rule is the TURN server's port. Bob is at home on the
-- internet. Alice's STUN request is blocked (she never learns a srflx
-- address, and her gathering ends only when the STUN transaction has
-- given up, RFC 8489 s.6.2.1: 39.5 s). Her direct checks to Bob are
-- blocked going out, Bob's to her host address coming in; through her
-- relay the call connects, and the selected pair is relay-host. The
-- capture on the office uplink (between the firewall and the internet)
-- shows that only TURN left the office, and that Bob's direct checks
-- reached its door and went no further.

scenario { name = "NAT: a firewall that allows only the TURN server", seed = 29, duration = 45,
           covers = { "spec:RTCIceServer.url", "spec:RTCIceServer.credential", "rfc8656:s7",
                      "rfc8489:s6.2.1",
                      "rfc7675:s5.1-renew" } }
local peers = require("peers")

local office = net.subnet { name = "office", prefix = "192.0.2.0/24" }
local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
net.core { latency = 0.015 }
local fw = net.firewall { name = "office-fw", subnet = office, allow = { "198.51.100.2:3478" } }

local stun_host = net.host { name = "stun.example.net" }
stun_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
net.stun_server { host = stun_host }
local turn_host = net.host { name = "turn.example.net" }
turn_host:interface { name = "eth0", subnet = dc, address = "198.51.100.2" }
net.turn_server { host = turn_host, realm = "example.net", users = { alice = "secret" } }

local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = office, address = "192.0.2.10" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = internet, address = "203.0.113.20" }
local cap = net.capture(office.uplink)

peers.call { a = alice:RTCSocket({ { url = "stun:stun.example.net" },
                                   { url = "turn:alice@turn.example.net", credential = "secret" } }),
             b = bob:RTCSocket({ { url = "stun:stun.example.net" } }),
             channel = { alice, bob, delay = 0.05 } }

expect.event { src = "alice", name = "candidate", args = { ["local"] = "relay 198.51.100.2:49152" } }
expect.never { src = "alice", name = "candidate", args = { ["local"] = "srflx 192.0.2.10:49152" } }
expect.event { src = "alice", name = "endofcandidates", count = 1, within = { 39, 40 } }
expect.event { src = "alice", name = "activecandidate", count = 1, within = { 0, 3 },
               args = { ["local"] = "relay 198.51.100.2:49152", remote = "host 203.0.113.20:49152" } }
expect.event { src = "bob", name = "connected", count = 1, within = { 0, 3 } }
expect.event { src = "office-fw", name = "drop", args = { reason = "firewall-blocked", to = "198.51.100.1:3478" } }
expect.event { src = "office-fw", name = "drop", args = { reason = "firewall-blocked", to = "192.0.2.10:49152" } }
expect.never { name = "disconnected" }
-- Nothing is lost here, so a blocked transaction is sent Rc = 7 times
-- (RFC 8489 s.6.2.1) and gives up within the 45 s: going out, Alice's
-- STUN request and her check to Bob's host address (7 + 7); coming in,
-- Bob's check to Alice's host address (7).
expect.measure { "blocked going out", function() return fw:stats().blocked_out end, min = 14, max = 14 }
expect.measure { "blocked coming in", function() return fw:stats().blocked_in end, min = 7, max = 7 }
-- Through the firewall, at least: the Allocate with its 401 challenge
-- (4 datagrams), and consent (RFC 7675, one check every 4-6 s from each
-- side once connected, by 3 s) over the relay, each check and its answer
-- crossing once: 2 sides x 2 x floor(42 / 6) = 28; so 32 or more.
expect.measure { "let through (TURN)", function() return fw:stats().out + fw:stats()["in"] end, min = 32 }
expect.capture { cap, golden = "nat/firewall.office.uplink.pcap" }
