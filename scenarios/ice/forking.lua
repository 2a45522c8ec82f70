-- Forking: one RTCSocket, two RTCConnections to two peers.
--
-- The spec: "A local socket can be reused within different RTCConnection
-- instances (useful for serial and parallel media forking)." Alice's two
-- connections share her one transport address; the checks that reach it
-- are told apart by their username fragments, the answers by transaction
-- id. Both calls connect on the same local address.

scenario { name = "ICE: forking, one socket, two connections", seed = 4, duration = 10,
           covers = { "spec:RTCSocket.forking", "spec:RTCConnection.id",
                      "spec:RTCConnection.onactivecandidate", "spec:RTCConnection.onconnected" } }
local peers = require("peers")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local carol = net.host { name = "carol" }
carol:interface { name = "eth0", subnet = lan, address = "10.0.0.3" }
local cap = net.capture(eth0)

local shared = alice:RTCSocket()
local to_bob = peers.call { a = shared, b = bob:RTCSocket(), channel = { alice, bob, delay = 0.02 } }
local to_carol = peers.call { a = shared, b = carol:RTCSocket(), channel = { alice, carol, delay = 0.03 } }
assert(to_bob.a.id ~= to_carol.a.id)

expect.event { src = "alice", name = "connected", count = 2 }
expect.event { src = "alice", name = "activecandidate",
               args = { connection = to_bob.a.id, remote = "host 10.0.0.2:49152" } }
expect.event { src = "alice", name = "activecandidate",
               args = { connection = to_carol.a.id, remote = "host 10.0.0.3:49152" } }
expect.event { src = "bob", name = "connected", count = 1 }
expect.event { src = "carol", name = "connected", count = 1 }
expect.capture { cap, golden = "ice/forking.alice.eth0.pcap" }
