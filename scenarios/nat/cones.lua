-- Both peers behind cone NATs, a STUN server reachable.
--
-- Alice is behind a port-restricted cone NAT, Bob behind a restricted
-- cone. Each gathers a host candidate and, from the STUN server, a
-- server-reflexive one: its NAT's public address. Host candidates cannot
-- reach across (private addresses in two homes); the server-reflexive
-- pair works once each side has sent to the other, which opens its own
-- NAT's filter (the first checks are filtered, then the retransmissions
-- and triggered checks get through). The selected pair is srflx-srflx.

scenario { name = "NAT: port-restricted cone to restricted cone", seed = 21, duration = 20,
           covers = { "rfc4787:s5", "rfc8445:s5.1.1.2", "rfc8489:s12", "rfc8445:s7.2.5.3.2",
                      "rfc4787:s4.2", "rfc8489:s14.2" } }
local peers = require("peers")

local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
net.core { latency = 0.015 }
local nat_a = net.nat { name = "nat-a", outside = internet, address = "203.0.113.10",
                        type = "port-restricted-cone" }
local nat_b = net.nat { name = "nat-b", outside = internet, address = "203.0.113.20",
                        type = "restricted-cone" }
local home_a = net.subnet { name = "home-a", prefix = "192.168.1.0/24", behind = nat_a,
                            link = { latency = 0.002 } }
local home_b = net.subnet { name = "home-b", prefix = "192.168.1.0/24", behind = nat_b,
                            link = { latency = 0.002 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = home_a, address = "192.168.1.10" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = home_b, address = "192.168.1.10" }
local stun_host = net.host { name = "stun.example.net" }
stun_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
net.stun_server { host = stun_host }
local cap = net.capture(nat_a.outside_link)

local servers = { { url = "stun:stun.example.net" } }
peers.call { a = alice:RTCSocket(servers), b = bob:RTCSocket(servers),
             channel = { alice, bob, delay = 0.05 } }

expect.event { src = "alice", name = "candidate", args = { ["local"] = "srflx 203.0.113.10:49152" } }
expect.event { src = "bob", name = "candidate", args = { ["local"] = "srflx 203.0.113.20:49152" } }
expect.event { src = "alice", name = "activecandidate", count = 1,
               args = { ["local"] = "srflx 203.0.113.10:49152", remote = "srflx 203.0.113.20:49152" } }
expect.event { src = "bob", name = "connected", count = 1, within = { 0, 3 } }
expect.event { src = "nat-a", name = "drop", args = { reason = "nat-filtered" }, min = 1 }
expect.never { name = "disconnected" }
expect.capture { cap, golden = "nat/cones.nat-a.outside.pcap" }
