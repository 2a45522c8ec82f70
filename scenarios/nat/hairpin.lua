-- Two hosts behind one NAT, with and without hairpinning.
--
-- Alice and Bob share a home network behind one NAT, but their pages
-- signal only server-reflexive candidates (a privacy setting that keeps
-- host addresses private). Their checks go to the NAT's own public
-- address: only a NAT that hairpins (RFC 4787 s.6) turns them back
-- inside. Two homes side by side: one NAT hairpins, the other does not.
-- The first pair connects on srflx candidates; the second pair's checks
-- die at its NAT, every pair fails, and ondisconnected fires when the
-- last check gives up (RFC 8489: 39.5 s).

scenario { name = "NAT: two hosts behind one NAT, hairpinning on and off", seed = 22, duration = 60,
           covers = { "spec:RTCIceCandidateDescription.type", "spec:RTCConnection.ondisconnected",
                      "rfc4787:s6", "rfc8489:s6.2.1",
                      "rfc4787:s4.2", "rfc8445:s14.2" } }

local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
local stun_host = net.host { name = "stun.example.net" }
stun_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
net.stun_server { host = stun_host }
local servers = { { url = "stun:stun.example.net" } }

local function home(name, public, hairpin)
  local nat = net.nat { name = name .. "-nat", outside = internet, address = public,
                        type = "port-restricted-cone", hairpin = hairpin }
  local lan = net.subnet { name = name, prefix = "192.168.1.0/24", behind = nat }
  local a = net.host { name = name .. "-a" }
  a:interface { name = "eth0", subnet = lan, address = "192.168.1.2" }
  local b = net.host { name = name .. "-b" }
  b:interface { name = "eth0", subnet = lan, address = "192.168.1.3" }
  return nat, a, b, lan
end

-- the call, signalling server-reflexive candidates only
local function call(a_host, b_host)
  local at_a, at_b = net.channel { a_host, b_host, delay = 0.02 }
  local a = RTCConnection(a_host:RTCSocket(servers))
  local b
  local function trickle(conn, out)
    conn.oncandidate = function(c)
      conn:setLocalCandidate(c)
      if c.type ~= "host" then out:send({ candidate = c }) end
    end
  end
  trickle(a, at_a)
  at_a:send({ description = a:getLocalDescription() })
  at_a.onmessage = function(m)
    if m.description then a:setRemoteDescription(m.description) end
    if m.candidate then a:setRemoteCandidate(m.candidate) end
  end
  a:connect()
  at_b.onmessage = function(m)
    if m.description then
      b = RTCConnection(b_host:RTCSocket(servers), m.description)
      trickle(b, at_b)
      at_b:send({ description = b:getLocalDescription() })
      b:connect()
    end
    if m.candidate then b:setRemoteCandidate(m.candidate) end
  end
end

local nat1, a1, b1, lan1 = home("home1", "203.0.113.10", true)
local nat2, a2, b2 = home("home2", "203.0.113.20", false)
-- between home1's LAN and its NAT: the checks come back in, translated
local cap1 = net.capture(lan1.uplink)
call(a1, b1)
call(a2, b2)

expect.event { src = "home1-a", name = "activecandidate", count = 1,
               args = { ["local"] = "srflx 203.0.113.10:49152", remote = "srflx 203.0.113.10:1024" } }
expect.event { src = "home1-b", name = "connected", count = 1, within = { 0, 2 } }
-- Every datagram between the two goes through the hairpin: once
-- connected (by 2 s) each side checks consent every 4-6 s (RFC 7675),
-- each check and its answer hairpinned once: at least 2 sides x 2 x
-- floor(58 / 6) = 36 by 60 s, the connectivity checks on top.
expect.measure { "hairpinned at home1", function() return nat1:stats().hairpinned end, min = 36 }
expect.event { src = "home2-nat", name = "drop", args = { reason = "nat-hairpin" }, min = 1 }
expect.never { src = "home2-a", name = "connected" }
expect.event { src = "home2-a", name = "disconnected", count = 1, within = { 39, 41 } }
expect.capture { cap1, golden = "nat/hairpin.home1.uplink.pcap" }
-- RFC 8445 s.14.2: new transactions from one agent at least 5 ms apart
-- (the capture sees each sender's address on its side of the NAT; a
-- triggered check answering the peer's is the one that could break it, D169)
local pacing = require("pacing")
pacing.watch(cap1, 59.9)
expect.measure { "shortest interval between new checks from one address (ms)", pacing.min_gap, min = 5 }
