-- update() on a connected session: an ICE restart (RFC 8445 s.9).
--
-- At t = 3 s the offerer calls update(): new usefrag and secret, gathering
-- again (oncandidate fires again), and connect(). It signals its new
-- description; the answerer takes it with setRemoteDescription (allowed
-- to an answerer for a restarted description only; see
-- docs/decisions.md), restarts too and answers. Checks run again with the
-- new credentials, a pair is nominated, and onactivecandidate fires again.
-- onconnected does not: the session never went down.

scenario { name = "ICE: restart with update()", seed = 10, duration = 10,
           covers = { "spec:RTCConnection.update", "spec:RTCConnection.setRemoteDescription",
                      "spec:RTCConnection.oncandidate", "spec:RTCConnection.onactivecandidate",
                      "spec:RTCConnectionDescription.connection-id",
                      "spec:RTCConnectionDescription.usefrag", "spec:RTCConnectionDescription.secret",
                      "rfc8445:s9" } }
local peers = require("peers")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(eth0)

local call = peers.call { a = alice:RTCSocket(), b = bob:RTCSocket(), channel = { alice, bob, delay = 0.02 } }
local before
sim.at(3, function()
  before = call.a:getLocalDescription()
  peers.restart(call)
  local after = call.a:getLocalDescription()
  assert(after.usefrag ~= before.usefrag and after.secret ~= before.secret, "new credentials")
  assert(after["connection-id"] == before["connection-id"], "same connection")
end)

expect.event { src = "alice", name = "candidate", count = 2 }
expect.event { src = "alice", name = "activecandidate", count = 2 }
expect.event { src = "bob", name = "activecandidate", count = 2 }
expect.event { src = "alice", name = "activecandidate", within = { 3, 3.3 } }
expect.event { src = "alice", name = "connected", count = 1 }
expect.never { name = "disconnected" }
expect.capture { cap, golden = "ice/restart.alice.eth0.pcap" }
