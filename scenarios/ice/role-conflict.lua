-- Role conflicts (RFC 8445 s.7.3.1.1), both ways.
--
-- In this API the offerer is always the controlling agent, so two peers
-- made with it never both believe they control. A third host that has the
-- credentials (Mallory saw the signalling) plays the conflicting peer:
-- it sends Alice, who controls, checks that claim ICE-CONTROLLING too.
--  - with tie-breaker 0, Alice's is larger: she keeps her role and
--    answers 487 (Role Conflict);
--  - with the largest tie-breaker, hers is smaller: she switches to
--    controlled and answers with success.

scenario { name = "ICE: role conflicts resolved by tie-breaker", seed = 9, duration = 6,
           covers = { "rfc8445:s7.3.1.1" } }
local peers = require("peers")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local mallory = net.host { name = "mallory" }
mallory:interface { name = "eth0", subnet = lan, address = "10.0.0.66" }
local cap = net.capture(eth0)

local call = peers.call { a = alice:RTCSocket(), b = bob:RTCSocket(), channel = { alice, bob, delay = 0.02 } }

local m = mallory:udp {}
m.onreceive = function(data)
  local r = stun.parse(data)
  sim.event("answer", { class = r.class, error = r.error or 0 })
end
local function conflict(tie)
  local a, b = call.a:getLocalDescription(), call.b:getLocalDescription()
  m:send("10.0.0.1", 49152, stun.request { username = a.usefrag .. ":" .. b.usefrag,
                                           password = a.secret, priority = 1, controlling = tie })
end
sim.at(2, function() conflict(0) end)
-- the largest tie-breaker, 2^64 - 1: Lua integers are 64-bit two's complement
sim.at(3, function() conflict(-1) end)

expect.sequence { { name = "answer", args = { class = "error", error = 487 }, within = { 2, 2.1 } },
                  { name = "answer", args = { class = "success", error = 0 }, within = { 3, 3.1 } } }
expect.event { src = "alice", name = "connected", count = 1 }
expect.capture { cap, golden = "ice/role-conflict.alice.eth0.pcap" }
