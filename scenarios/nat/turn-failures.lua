-- TURN failures: a wrong credential, and symmetric NATs with no relay.
--
-- Carol's page gives a wrong TURN password: the server answers the
-- authenticated Allocate with 401 again, no relay candidate comes, gathering
-- ends without it, and the log says why (a turn-error event from Carol
-- with the error code). Dave and Erin sit behind symmetric NATs with only
-- a STUN server: no pair can work, every check gives up after RFC 8489's
-- 39.5 s, and both sides fire ondisconnected.

scenario { name = "NAT: TURN refused, and symmetric NATs without a relay", seed = 26, duration = 60,
           covers = { "spec:RTCIceServer.credential", "spec:RTCConnection.onendofcandidates",
                      "spec:RTCConnection.ondisconnected", "rfc8489:s9.2", "rfc8489:s6.2.1" } }
local peers = require("peers")

local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
local servers_host = net.host { name = "servers.example.net" }
servers_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
net.stun_server { host = servers_host, port = 3478 }
net.turn_server { host = servers_host, port = 3479, realm = "example.net", users = { carol = "secret" } }

local function behind(name, public, type)
  local nat = net.nat { name = name .. "-nat", outside = internet, address = public, type = type }
  local lan = net.subnet { name = name .. "-lan", prefix = "192.168.1.0/24", behind = nat }
  local h = net.host { name = name }
  h:interface { name = "eth0", subnet = lan, address = "192.168.1.10" }
  return h
end

local carol = behind("carol", "203.0.113.30", "full-cone")
local carol_sock = carol:RTCSocket({ { url = "turn:carol@servers.example.net:3479", credential = "wrong" } })
local c = RTCConnection(carol_sock)
local types = {}
c.oncandidate = function(cand) types[#types + 1] = cand.type end

local dave, erin = behind("dave", "203.0.113.40", "symmetric"), behind("erin", "203.0.113.50", "symmetric")
local stun = { { url = "stun:servers.example.net" } }
peers.call { a = dave:RTCSocket(stun), b = erin:RTCSocket(stun), channel = { dave, erin, delay = 0.05 } }

expect.event { src = "carol", name = "turn-error", count = 1, args = { error = 401, server = "198.51.100.1:3479" } }
expect.sequence { { src = "carol", name = "turn-error" }, { src = "carol", name = "endofcandidates" } }
expect.measure { "carol's candidates, none relayed", function() return #types end, min = 1, max = 1 }
expect.event { src = "turn:198.51.100.1:3479", name = "refused", args = { error = "401" }, count = 2 }
expect.never { src = "dave", name = "connected" }
expect.event { src = "dave", name = "disconnected", count = 1, within = { 39, 42 } }
expect.event { src = "erin", name = "disconnected", count = 1, within = { 39, 42 } }
