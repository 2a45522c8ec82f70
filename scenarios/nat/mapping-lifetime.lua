-- Mapping lifetime against consent freshness.
--
-- Two calls, each from behind a NAT to a public peer. Alice's NAT keeps
-- an idle mapping for 30 s: the consent checks (RFC 7675, every 4-6 s)
-- refresh it and the call lives on. Carol's NAT, symmetric and
-- misbehaving (RFC 4787 REQ-5 asks for at least 2 minutes), forgets a
-- mapping after 3 s, shorter than the consent interval: between two
-- checks the mapping expires, Dave's consent checks arrive at a port with
-- no mapping (nat-no-mapping drops), and 30 s after his last answer Dave's
-- side loses consent and fires ondisconnected. The event log shows why:
-- Alice's mapping refreshed at the end of each 30 s by the consent checks,
-- Carol's expiring, then the drops. Captures on both sides of Carol's NAT
-- show the translation (192.168.1.2:49152 inside, 203.0.113.30:1024 and
-- up outside, one port per destination).

scenario { name = "NAT: mapping lifetime vs consent freshness", seed = 23, duration = 90,
           covers = { "rfc4787:s4.3", "rfc7675:s5.1-interval", "rfc7675:s5.1-expire",
                      "rfc7675:s5.1-renew" } }
local peers = require("peers")

local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
local stun_host = net.host { name = "stun.example.net" }
stun_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
net.stun_server { host = stun_host }
local servers = { { url = "stun:stun.example.net" } }

local nat_a = net.nat { name = "alice-nat", outside = internet, address = "203.0.113.10",
                        type = "port-restricted-cone", lifetime = 30 }
local nat_c = net.nat { name = "carol-nat", outside = internet, address = "203.0.113.30",
                        type = "symmetric", ports = "sequential", lifetime = 3 }
local home_a = net.subnet { name = "home-a", prefix = "192.168.1.0/24", behind = nat_a }
local home_c = net.subnet { name = "home-c", prefix = "192.168.1.0/24", behind = nat_c }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = home_a, address = "192.168.1.2" }
local carol = net.host { name = "carol" }
local carol_eth0 = carol:interface { name = "eth0", subnet = home_c, address = "192.168.1.2" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = dc, address = "198.51.100.20" }
local dave = net.host { name = "dave" }
dave:interface { name = "eth0", subnet = dc, address = "198.51.100.40" }
local cap = net.capture(nat_c.outside_link)
local cap_in = net.capture(carol_eth0)

peers.call { a = alice:RTCSocket(servers), b = bob:RTCSocket(servers), channel = { alice, bob, delay = 0.02 } }
peers.call { a = carol:RTCSocket(servers), b = dave:RTCSocket(servers), channel = { carol, dave, delay = 0.02 } }

expect.never { src = "alice", name = "disconnected" }
expect.never { src = "bob", name = "disconnected" }
expect.never { src = "alice-nat", name = "expire", within = { 0, 60 } }
expect.event { src = "alice-nat", name = "refresh", min = 2, within = { 0, 60 },
               args = { internal = "192.168.1.2:49152", external = "203.0.113.10:49152" } }
expect.sequence { { src = "dave", name = "connected" },
                  { src = "carol-nat", name = "expire" },
                  { src = "carol-nat", name = "drop", args = { reason = "nat-no-mapping" } },
                  { src = "dave", name = "disconnected" } }
expect.event { src = "dave", name = "disconnected", count = 1, within = { 30, 40 } }
expect.capture { cap, golden = "nat/mapping-lifetime.carol-nat.outside.pcap" }
expect.capture { cap_in, golden = "nat/mapping-lifetime.carol.eth0.pcap" }
