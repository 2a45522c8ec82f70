-- Two hosts on one LAN, host candidates only.
--
-- The page-level dance of the spec, over the simulator's signalling
-- channel: the offerer makes an RTCConnection and signals its description;
-- the answerer makes its own from it and signals its description back;
-- both trickle their candidates as oncandidate gives them, use them with
-- setLocalCandidate, and call connect(). The offerer controls (it
-- nominates with USE-CANDIDATE); both end on the host-host pair.

scenario { name = "ICE: two hosts on a LAN, host candidates", seed = 1, duration = 12,
           covers = { "spec:RTCSocket.constructor", "spec:RTCConnection.constructor",
                      "spec:RTCConnection.constructor-remote", "spec:RTCConnection.id",
                      "spec:RTCConnection.getLocalDescription", "spec:RTCConnection.setRemoteDescription",
                      "spec:RTCConnection.setLocalCandidate", "spec:RTCConnection.setRemoteCandidate",
                      "spec:RTCConnection.connect", "spec:RTCConnection.oncandidate",
                      "spec:RTCConnection.onendofcandidates", "spec:RTCConnection.onactivecandidate",
                      "spec:RTCConnection.onconnected", "rfc8445:s5.1.1", "rfc8445:s8.1.1",
                      "rfc8445:s16.1", "rfc7675:s5.1-interval" } }

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(eth0)

-- Each end sends to the other: at_alice:send(x) reaches at_bob.onmessage.
local at_alice, at_bob = net.channel { alice, bob, delay = 0.020 }

-- The offerer.
local a = RTCConnection(alice:RTCSocket())
a.oncandidate = function(c)
  a:setLocalCandidate(c)
  at_alice:send({ candidate = c })
end
at_alice:send({ description = a:getLocalDescription() })
at_alice.onmessage = function(m)
  if m.description then a:setRemoteDescription(m.description) end
  if m.candidate then a:setRemoteCandidate(m.candidate) end
end
a:connect()

-- The answerer, once the offer arrives.
local sock_b = bob:RTCSocket()
local b
at_bob.onmessage = function(m)
  if m.description then
    b = RTCConnection(sock_b, m.description)
    assert(b.id == a.id, "the answerer takes the offerer's id")
    b.oncandidate = function(c)
      b:setLocalCandidate(c)
      at_bob:send({ candidate = c })
    end
    at_bob:send({ description = b:getLocalDescription() })
    b:connect()
  end
  if m.candidate then b:setRemoteCandidate(m.candidate) end
end

expect.event { src = "alice", name = "candidate", args = { ["local"] = "host 10.0.0.1:49152" } }
expect.event { src = "alice", name = "endofcandidates", count = 1 }
expect.sequence { { src = "alice", name = "activecandidate" }, { src = "alice", name = "connected" } }
expect.event { src = "alice", name = "connected", count = 1, within = { 0, 0.2 } }
expect.event { src = "bob", name = "connected", count = 1, within = { 0, 0.2 } }
expect.event { src = "bob", name = "activecandidate",
               args = { ["local"] = "host 10.0.0.2:49152", remote = "host 10.0.0.1:49152" } }
expect.never { name = "disconnected" }
-- consent freshness (RFC 7675) keeps checking the pair every 4-6 s. On
-- the wire: the checks (Alice's, Bob's and Alice's nomination, each
-- answered: 6 datagrams, nothing is lost), then each side's consent
-- checks from about 0.1 s, 1 or 2 of them by 12 s (4-6 s apart), each
-- answered: 6 + 2 x 2 x 1 = 10 to 6 + 2 x 2 x 2 = 14.
expect.measure { "packets on the wire", function() return cap.count end, min = 10, max = 14 }
expect.capture { cap, golden = "ice/lan-host.alice.eth0.pcap", masked = true }
