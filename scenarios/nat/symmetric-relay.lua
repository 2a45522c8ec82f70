-- Symmetric NATs on both sides: only the relay works.
--
-- Each symmetric NAT (RFC 4787: address-and-port-dependent mapping and
-- filtering) gives every destination a new external port and lets in only
-- the address and port it sent to, so the server-reflexive candidates
-- (learnt towards the STUN server) are useless to the peer. Alice also
-- has a TURN server: her relayed candidate receives from anyone she has a
-- permission for, and the call connects through it.

scenario { name = "NAT: symmetric both sides, through TURN", seed = 25, duration = 30,
           covers = { "rfc4787:s4.1", "rfc8445:s5.1.1.2", "rfc8656:s7", "rfc8656:s18" } }
local peers = require("peers")

local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
net.core { latency = 0.010 }
local servers_host = net.host { name = "servers.example.net" }
local srv_if = servers_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
net.stun_server { host = servers_host, port = 3478 }
local turn = net.turn_server { host = servers_host, port = 3479, realm = "example.net",
                               users = { alice = "secret" } }
local nat_a = net.nat { name = "nat-a", outside = internet, address = "203.0.113.10", type = "symmetric" }
local nat_b = net.nat { name = "nat-b", outside = internet, address = "203.0.113.20", type = "symmetric" }
local home_a = net.subnet { name = "home-a", prefix = "192.168.1.0/24", behind = nat_a }
local home_b = net.subnet { name = "home-b", prefix = "192.168.1.0/24", behind = nat_b }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = home_a, address = "192.168.1.10" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = home_b, address = "192.168.1.10" }
local cap = net.capture(srv_if)

peers.call {
  a = alice:RTCSocket({ { url = "stun:servers.example.net" },
                        { url = "turn:alice@servers.example.net:3479", credential = "secret" } }),
  b = bob:RTCSocket({ { url = "stun:servers.example.net" } }),
  channel = { alice, bob, delay = 0.05 } }

expect.event { src = "alice", name = "candidate", args = { ["local"] = "relay 198.51.100.1:49152" } }
expect.event { src = "alice", name = "activecandidate", count = 1, args = { ["local"] = "relay 198.51.100.1:49152" } }
expect.event { src = "alice", name = "connected", count = 1, within = { 0, 3 } }
expect.event { src = "bob", name = "connected", count = 1, within = { 0, 3 } }
-- Relayed, at least: the check that connected and its answer (2), and
-- consent over the relay (RFC 7675: a check every 4-6 s from each side
-- once connected, by 3 s; a check and its answer are relayed once each):
-- 2 sides x 2 x floor(27 / 6) = 16; so 18 or more.
expect.measure { "relayed", function() return turn:stats().relayed_out + turn:stats().relayed_in end, min = 18 }
expect.never { name = "disconnected" }
expect.capture { cap, golden = "nat/symmetric-relay.servers.eth0.pcap", masked = true }
