-- A replay wrapped in a scenario's own network (issue 13): media/call-lan's
-- Alice played to an IUT (Bob) behind a port-restricted NAT (RFC 4787:
-- endpoint-independent mapping, address- and port-dependent filtering),
-- with a STUN server for its server-reflexive candidate.
--
-- The IUT (controlled) checks the player's candidate as soon as it has it,
-- and so opens the NAT towards it; the player answers, and from then on
-- sends everything, the trace's checks included, to the address those
-- checks came from (peer-reflexive, RFC 8445 s.7.3.1.3), never to the IUT's
-- host address behind the NAT, which it could not reach. So the IUT
-- connects on its server-reflexive candidate (the NAT keeps the port:
-- endpoint-independent mapping), and the media comes in through the NAT.
scenario { name = "replay: media/call-lan's Alice to an IUT behind a NAT", seed = 1 }
local replay = require("replay")

local inet = net.subnet { name = "inet", prefix = "198.51.100.0/24", link = { latency = 0.01 } }
local nat = net.nat { name = "nat", outside = inet, address = "198.51.100.10", type = "port-restricted-cone" }
local home = net.subnet { name = "home", prefix = "192.168.1.0/24", behind = nat, link = { latency = 0.005 } }
local player = net.host { name = "alice" }
player:interface { name = "eth0", subnet = inet, address = "198.51.100.1" }
local stun = net.host { name = "stun" }
stun:interface { name = "eth0", subnet = inet, address = "198.51.100.2" }
net.stun_server { host = stun }
local bob = net.host { name = "bob" }
local cap = net.capture(bob:interface { name = "eth0", subnet = home, address = "192.168.1.2" })

replay { trace = "media/call-lan.alice.eth0.pcap", side = "10.0.0.1", keylog = "replay/call-lan.keylog",
         sidecar = "replay/call-lan.sidecar.json", iut = bob, player = player,
         ice_servers = { { url = "stun:198.51.100.2" } } }

expect.event { src = "bob", name = "activecandidate", args = { ["local"] = "srflx 198.51.100.10:49152" }, count = 1 }
expect.measure { "NAT: datagrams the player sent that found no route", function() return net.drops()["no-route"] end,
                 max = 0 }
-- the trace's 326 RTP and 1 RTCP packets, re-protected, all came in through the NAT
expect.measure { "NAT: datagrams the NAT let in", function() return nat:stats()["in"] end, min = 327 }
