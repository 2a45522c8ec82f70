-- Checks that must be ignored: a wrong MESSAGE-INTEGRITY, a bad
-- FINGERPRINT, and a datagram that is not STUN at all.
--
-- Alice and Bob are connected. Mallory, on the same LAN, knows their
-- username fragments (say she saw the signalling) and sends Alice's
-- socket three datagrams: a Binding request signed with the wrong
-- password, a well-signed one whose FINGERPRINT is damaged, and "hello".
-- RFC 8489 s.6.3 and s.14.7: no answer to any of them; each is counted
-- by what was wrong; the session goes on as before.

scenario { name = "ICE: bad checks are ignored and counted", seed = 8, duration = 12,
           covers = { "rfc8489:s14.5", "rfc8489:s14.7", "rfc7983:s7" } }
local peers = require("peers")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local mallory = net.host { name = "mallory" }
mallory:interface { name = "eth0", subnet = lan, address = "10.0.0.66" }
local cap = net.capture(eth0)

local sock_a = alice:RTCSocket()
local call = peers.call { a = sock_a, b = bob:RTCSocket(), channel = { alice, bob, delay = 0.02 } }

local m = mallory:udp {}
local replies = 0
m.onreceive = function() replies = replies + 1 end
sim.at(2, function()
  local a, b = call.a:getLocalDescription(), call.b:getLocalDescription()
  local user = a.usefrag .. ":" .. b.usefrag
  m:send("10.0.0.1", 49152, stun.request { username = user, password = a.secret,
                                           priority = 1, controlled = 1, damage = "integrity" })
  m:send("10.0.0.1", 49152, stun.request { username = user, password = a.secret,
                                           priority = 1, controlled = 1, damage = "fingerprint" })
  m:send("10.0.0.1", 49152, "hello")
end)

expect.measure { "bad integrity counted", function() return sock_a:stats()["bad-integrity"] end, min = 1, max = 1 }
expect.measure { "bad fingerprint counted", function() return sock_a:stats()["bad-fingerprint"] end, min = 1, max = 1 }
expect.measure { "not STUN counted", function() return sock_a:stats()["not-stun"] end, min = 1, max = 1 }
expect.measure { "answers to mallory", function() return replies end, min = 0, max = 0 }
expect.event { src = "alice", name = "connected", count = 1 }
expect.event { src = "alice", name = "activecandidate", count = 1 }
expect.never { name = "disconnected" }
expect.capture { cap, golden = "ice/bad-checks.alice.eth0.pcap" }
