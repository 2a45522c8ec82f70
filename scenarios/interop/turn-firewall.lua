-- nat/firewall.lua against both TURN servers (issue 12: the relay
-- scenarios of scenarios/nat/ with ref/ clients against coturn as well as
-- against the project's TURN server, the outcomes compared). Two offices
-- behind firewalls whose only rule is their TURN server's port: office 1's
-- is the project's server, office 2's coturn on a live host. In each,
-- Alice calls Bob at home on the internet. Her STUN request and direct
-- checks are blocked, so only her relayed candidate can carry the call:
-- through either server the pair must be relay/host and the call
-- connected, and the firewall must have blocked both ways (its counts).
--
-- Times: coturn binds its port within a moment of starting, so both calls
-- start at 1 s; ICE connects within nat/firewall.lua's 3 s of the start
-- (an Allocate with its 401 round, 2 x 30 ms, then the checks), plus the
-- live tolerance of 0.5 s (docs/live.md).
scenario { name = "interop: a firewall that allows only TURN, the project's server and coturn", seed = 29,
           duration = 8 }
local peers = require("peers")
local tp = require("turnpair")
local TOL = 0.5

local dc, internet, servers = tp.servers()
net.core { latency = 0.015 }
local stun_host = net.host { name = "stun.example.net" }
stun_host:interface { name = "eth0", subnet = dc, address = "198.51.100.9" }
net.stun_server { host = stun_host }

local measured, fws, rows = {}, {}, {}
for i, server in ipairs(servers) do
  local office = net.subnet { name = "office" .. i, prefix = "192.0.2." .. (128 * (i - 1)) .. "/25" }
  fws[i] = net.firewall { name = "office-fw" .. i, subnet = office, allow = { server.ip .. ":3478" } }
  local alice = net.host { name = "alice" .. i }
  alice:interface { name = "eth0", subnet = office, address = "192.0.2." .. (128 * (i - 1) + 10) }
  local bob = net.host { name = "bob" .. i }
  bob:interface { name = "eth0", subnet = internet, address = "203.0.113." .. (20 + i) }
  local row = { pair = "none", connected = "no" }
  rows[i] = row
  measured[i] = { "?", "?", "?" }
  sim.at(1.0, function()
    local call = peers.call {
      a = alice:RTCSocket({ { url = "stun:stun.example.net" },
                            { url = "turn:alice@" .. server.name, credential = "secret" } }),
      b = bob:RTCSocket({ { url = "stun:stun.example.net" } }),
      channel = { alice, bob, delay = 0.05 } }
    call.a.onactivecandidate = function(l, r) row.pair = l.type .. "/" .. r.type end
    call.a.onconnected = function()
      row.connected = sim.now() <= 1.0 + 3 + TOL and "yes, within 3 s" or string.format("late, at %.2f s", sim.now())
    end
  end)
  sim.at(7.9, function()
    local st = fws[i]:stats()
    -- the firewall let only the TURN server's port through (its one rule),
    -- so the call went by TURN; and it blocked each way: the STUN request
    -- and Alice's direct checks going out, Bob's checks coming in
    measured[i] = { row.pair, row.connected,
                    (st.blocked_out > 0 and st.blocked_in > 0 and st.out > 0) and "blocked both ways, TURN through" or
                    string.format("out %d in %d blocked %d/%d", st.out, st["in"], st.blocked_out, st.blocked_in) }
  end)
end

expect.table { "Alice's call from behind a TURN-only firewall, through each TURN server",
               rows = { "project TURN", "coturn" }, cols = { "pair at Alice", "connected", "firewall" },
               expected = { { "relay/host", "yes, within 3 s", "blocked both ways, TURN through" },
                            { "relay/host", "yes, within 3 s", "blocked both ways, TURN through" } },
               measured = measured }
for i = 1, 2 do
  expect.never { src = "alice" .. i, name = "disconnected" }
  expect.event { src = "office-fw" .. i, name = "drop", args = { reason = "firewall-blocked", to = "198.51.100.9:3478" } }
end
