-- Symmetric NATs on both sides, through coturn: nat/symmetric-relay.lua
-- with Debian's real TURN server (coturn) in place of the project's, on a
-- live host (issue 12, docs/live.md): the program runs unmodified in a
-- network namespace whose only interface is a TUN device bridged to the
-- simulated host turn.example.net, and the run goes in real time.
--
-- Each symmetric NAT (RFC 4787 s.4.1: address-and-port-dependent mapping
-- and filtering) makes the server-reflexive candidates useless to the
-- peer; Alice's relayed candidate (RFC 8656 s.7: an Allocate, answered
-- 401 with a NONCE and REALM, then again with the long-term credential,
-- s.9.2) receives from whom she has a permission for, and the call
-- connects through it. Windows: real time adds the lateness of the run
-- (the report gives it) to each; 3 s of virtual time is the symmetric-
-- relay bound, and coturn's answers come in well under a millisecond.

scenario { name = "interop: symmetric NATs through coturn (a live TURN server)", seed = 25,
           duration = 12 }
local peers = require("peers")

local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
net.core { latency = 0.010 }
local stun_host = net.host { name = "stun.example.net" }
stun_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
net.stun_server { host = stun_host, port = 3478 }
local turn_host = net.host { name = "turn.example.net", run = {
  "turnserver", "--listening-ip=198.51.100.2", "--relay-ip=198.51.100.2", "--listening-port=3478",
  "--min-port=49152", "--max-port=49200", "--lt-cred-mech", "--user=alice:secret",
  "--realm=example.net", "--fingerprint", "--no-tls", "--no-dtls", "--no-tcp", "--no-tcp-relay",
  "--no-cli", "--log-file=stdout", "--simple-log", "--no-stdout-log", "--allow-loopback-peers",
  "--cli-password=x", "-n" } }
local turn_if = turn_host:interface { name = "eth0", subnet = dc, address = "198.51.100.2" }
local nat_a = net.nat { name = "nat-a", outside = internet, address = "203.0.113.10", type = "symmetric" }
local nat_b = net.nat { name = "nat-b", outside = internet, address = "203.0.113.20", type = "symmetric" }
local home_a = net.subnet { name = "home-a", prefix = "192.168.1.0/24", behind = nat_a }
local home_b = net.subnet { name = "home-b", prefix = "192.168.1.0/24", behind = nat_b }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = home_a, address = "192.168.1.10" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = home_b, address = "192.168.1.10" }
net.capture(turn_if)

-- coturn needs a moment to bind its port once started: the call starts at 1 s
sim.at(1.0, function()
  peers.call {
    a = alice:RTCSocket({ { url = "stun:stun.example.net" },
                          { url = "turn:alice@turn.example.net", credential = "secret" } }),
    b = bob:RTCSocket({ { url = "stun:stun.example.net" } }),
    channel = { alice, bob, delay = 0.05 } }
end)

expect.event { src = "alice", name = "candidate", args = { ["local"] = "relay 198.51.100.2" }, min = 0 }
expect.event { src = "alice", name = "activecandidate", count = 1 }
expect.event { src = "alice", name = "connected", count = 1, within = { 1, 4 } }
expect.event { src = "bob", name = "connected", count = 1, within = { 1, 4 } }
expect.never { name = "disconnected" }
expect.never { name = "turn-error" }
