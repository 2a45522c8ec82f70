-- The project's TURN server against coturn, side by side (issue 12): two
-- calls in one network, each between ref/ peers behind symmetric NATs
-- (only a relayed pair can work: nat/symmetric-relay.lua), one through
-- the simulated TURN server and one through Debian's coturn on a live
-- host. The outcomes are compared in one table: a relayed candidate
-- gathered (RFC 8656 s.7, with the 401 / long-term credential dance of
-- s.9.2), the pair Alice selects, and the call connected. Both servers
-- must give the same row: what RFC 8656 asks of a server is what both do.
-- The same again with a wrong credential (nat/turn-failures.lua's case):
-- both must refuse the Allocate with 401 (RFC 8656 s.7.2, RFC 8489
-- s.9.2.4: the second 401, after the credential was tried), so Alice
-- gathers no relay and, symmetric NAT against symmetric NAT, nothing
-- connects.

scenario { name = "interop: the project's TURN server and coturn, the same call through each", seed = 25,
           duration = 12 }
local peers = require("peers")
local tp = require("turnpair")

local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
net.core { latency = 0.010 }
local stun_host = net.host { name = "stun.example.net" }
stun_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
net.stun_server { host = stun_host, port = 3478 }
local sim_turn = net.host { name = "turn-sim.example.net" }
sim_turn:interface { name = "eth0", subnet = dc, address = "198.51.100.3" }
net.turn_server { host = sim_turn, port = 3478, realm = "example.net", users = { alice = "secret" } }
local coturn = net.host { name = "turn-coturn.example.net", run = tp.coturn_argv("198.51.100.2") }
coturn:interface { name = "eth0", subnet = dc, address = "198.51.100.2" }

local rows = { "project TURN", "coturn", "project TURN, wrong credential", "coturn, wrong credential" }
local servers = { "turn-sim.example.net", "turn-coturn.example.net", "turn-sim.example.net",
                  "turn-coturn.example.net" }
local credentials = { "secret", "secret", "wrong", "wrong" }
local measured = {}
for i, server in ipairs(servers) do
  local nat_a = net.nat { name = "nat-a" .. i, outside = internet, address = "203.0.113." .. (10 * i),
                          type = "symmetric" }
  local nat_b = net.nat { name = "nat-b" .. i, outside = internet, address = "203.0.113." .. (10 * i + 1),
                          type = "symmetric" }
  local home_a = net.subnet { name = "home-a" .. i, prefix = "192.168." .. i .. ".0/24", behind = nat_a }
  local home_b = net.subnet { name = "home-b" .. i, prefix = "192.168." .. (10 + i) .. ".0/24", behind = nat_b }
  local alice = net.host { name = "alice" .. i }
  alice:interface { name = "eth0", subnet = home_a, address = "192.168." .. i .. ".10" }
  local bob = net.host { name = "bob" .. i }
  bob:interface { name = "eth0", subnet = home_b, address = "192.168." .. (10 + i) .. ".10" }
  local row = { "no", "none", "no" }
  measured[i] = row
  -- coturn needs a moment to bind its port once started: both calls start at 1 s
  sim.at(1.0, function()
    local call = peers.call {
      a = alice:RTCSocket({ { url = "stun:stun.example.net" },
                            { url = "turn:alice@" .. server, credential = credentials[i] } }),
      b = bob:RTCSocket({ { url = "stun:stun.example.net" } }),
      channel = { alice, bob, delay = 0.05 } }
    local trickle = call.a.oncandidate
    call.a.oncandidate = function(c)
      if c.type == "relay" then row[1] = "yes" end
      trickle(c)
    end
    call.a.onactivecandidate = function(l, r) row[2] = l.type .. "/" .. r.type end
    call.a.onconnected = function() row[3] = "yes" end
  end)
end

expect.table { "Alice's call through each TURN server", rows = rows,
               cols = { "relay gathered", "pair at Alice", "connected" },
               expected = { { "yes", "relay/prflx", "yes" }, { "yes", "relay/prflx", "yes" },
                            { "no", "none", "no" }, { "no", "none", "no" } },
               measured = measured }
for i = 1, 2 do
  expect.never { src = "alice" .. i, name = "disconnected" }
  expect.never { src = "alice" .. i, name = "turn-error" }
end
for i = 3, 4 do
  expect.event { src = "alice" .. i, name = "turn-error", args = { error = 401 }, count = 1 }
end
