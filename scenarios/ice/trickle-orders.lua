-- Trickle orders: candidates before connect(), after it, and a remote
-- description that arrives late.
--
-- Three calls on one LAN, each on sockets of its own:
--  1. early:  the offerer holds connect() until 1 s, long after the
--             answerer's candidates have arrived (setRemoteCandidate
--             before connect);
--  2. late:   the offerer sends its candidates 2 s after its description,
--             so they reach the answerer after its connect(); the
--             offerer's checks get there first, and the answerer learns
--             the offerer's address from them as a peer-reflexive
--             candidate (RFC 8445 s.7.3.1.3): the call connects at once,
--             on that candidate, and the host candidate that arrives at
--             2 s changes nothing;
--  3. slow:   the signalling channel back to the offerer takes 3 s, so the
--             answerer's checks arrive before the offerer knows its
--             description: the offerer answers them (it knows its own
--             credentials) and learns a peer-reflexive candidate, and
--             checks once setRemoteDescription arrives.
-- All three connect, each as soon as its order allows.

scenario { name = "ICE: trickle orders", seed = 6, duration = 15,
           covers = { "spec:RTCConnection.connect", "spec:RTCConnection.setRemoteCandidate",
                      "spec:RTCConnection.setRemoteDescription", "rfc8445:s7.3.1.3" } }
local peers = require("peers")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local hosts, ifaces = {}, {}
for i, name in ipairs { "a1", "b1", "a2", "b2", "a3", "b3" } do
  hosts[name] = net.host { name = name }
  ifaces[name] = hosts[name]:interface { name = "eth0", subnet = lan, address = "10.0.0." .. i }
end
-- the LAN side of each offerer
local caps = { net.capture(ifaces.a1), net.capture(ifaces.a2), net.capture(ifaces.a3) }

local early = peers.call { a = hosts.a1:RTCSocket(), b = hosts.b1:RTCSocket(),
                           channel = { hosts.a1, hosts.b1, delay = 0.02 }, connect_a = false }
sim.at(1, function() early.a:connect() end)

peers.call { a = hosts.a2:RTCSocket(), b = hosts.b2:RTCSocket(),
             channel = { hosts.a2, hosts.b2, delay = 0.02 }, hold = 2 }

peers.call { a = hosts.a3:RTCSocket(), b = hosts.b3:RTCSocket(),
             channel = { hosts.a3, hosts.b3, delay = 3 } }

expect.event { src = "a1", name = "connected", count = 1, within = { 1, 1.2 } }
expect.event { src = "b1", name = "connected", count = 1, within = { 1, 1.2 } }
expect.event { src = "a2", name = "connected", count = 1, within = { 0.05, 0.2 } }
expect.event { src = "b2", name = "connected", count = 1, within = { 0.05, 0.2 } }
expect.event { src = "b2", name = "activecandidate", count = 1,
               args = { remote = "prflx 10.0.0.3:49152" } }
-- the answer needs 3 s to come back; the offerer's candidates reach the
-- answerer after 3 s too
expect.event { src = "a3", name = "connected", count = 1, within = { 3, 7 } }
expect.event { src = "b3", name = "connected", count = 1, within = { 3, 7 } }
expect.never { name = "disconnected" }
expect.capture { caps[1], golden = "ice/trickle-orders.a1.eth0.pcap" }
expect.capture { caps[2], golden = "ice/trickle-orders.a2.eth0.pcap" }
expect.capture { caps[3], golden = "ice/trickle-orders.a3.eth0.pcap" }
