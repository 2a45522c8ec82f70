-- turnpair.lua: the project's TURN server and coturn side by side, for
-- scenarios that compare what the two do with the same ref/ clients
-- (issue 12: "the relay scenarios of scenarios/nat/ run with ref/ clients
-- against coturn as well as against the project's own TURN server, and
-- their outcomes are compared").
--
--   local tp = require("turnpair")
--   local dc, internet, servers = tp.servers()   -- servers[1]: project, [2]: coturn
--   local row = tp.relayed_call(i, servers[i], dc, internet)
--
-- Each call is nat/turn-permissions.lua's: Alice behind a symmetric NAT of
-- her own with relay candidates only, Bob public in the servers' subnet.
local peers = require("peers")
local M = {}

-- coturn's command line: UDP only, the long-term credential mechanism
-- (RFC 8489 s.9.2) with alice:secret in realm example.net, FINGERPRINT
-- on, relayed ports in 49152-49200, its log on stdout (the scenario's
-- log). Used by interop/turn-compare.lua too.
function M.coturn_argv(ip)
  return { "turnserver", "--listening-ip=" .. ip, "--relay-ip=" .. ip, "--listening-port=3478",
           "--min-port=49152", "--max-port=49200", "--lt-cred-mech", "--user=alice:secret",
           "--realm=example.net", "--fingerprint", "--no-tls", "--no-dtls", "--no-tcp", "--no-tcp-relay",
           "--no-cli", "--log-file=stdout", "--simple-log", "--no-stdout-log", "-n" }
end

function M.servers()
  local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
  local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
  local sim_host = net.host { name = "turn-sim.example.net" }
  local sim_if = sim_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
  net.turn_server { host = sim_host, port = 3478, realm = "example.net", users = { alice = "secret" } }
  local co_host = net.host { name = "turn-coturn.example.net", run = M.coturn_argv("198.51.100.2") }
  local co_if = co_host:interface { name = "eth0", subnet = dc, address = "198.51.100.2" }
  return dc, internet, {
    { label = "project TURN", name = "turn-sim.example.net", ip = "198.51.100.1", cap = net.capture(sim_if) },
    { label = "coturn", name = "turn-coturn.example.net", ip = "198.51.100.2", cap = net.capture(co_if) },
  }
end

-- Call i through server at `at` seconds (coturn needs a moment to bind its
-- port once started). The row records what Alice saw.
function M.relayed_call(i, server, dc, internet, at)
  local row = { server = server, pair = "none", nat = "203.0.113." .. (10 * i) }
  local nat = net.nat { name = "nat" .. i, outside = internet, address = row.nat, type = "symmetric" }
  local home = net.subnet { name = "home" .. i, prefix = "192.168." .. i .. ".0/24", behind = nat }
  row.alice = net.host { name = "alice" .. i }
  row.alice:interface { name = "eth0", subnet = home, address = "192.168." .. i .. ".10" }
  row.bob = net.host { name = "bob" .. i }
  row.bob_ip = "198.51.100." .. (20 + i)
  row.bob_if = row.bob:interface { name = "eth0", subnet = dc, address = row.bob_ip }
  sim.at(at, function()
    local call = peers.call {
      a = row.alice:RTCSocket({ { url = "turn:alice@" .. server.name, credential = "secret" } }),
      b = row.bob:RTCSocket(), channel = { row.alice, row.bob, delay = 0.05 }, relay_only = true }
    call.a.onactivecandidate = function(l, r)
      row.pair = l.type .. "/" .. r.type
      row.relay = { l.connectionAddress, l.connectionPort }
    end
    call.a.ondisconnected = function() row.disconnected = row.disconnected or sim.now() end
  end)
  return row
end

-- Packets the capture wrote with t0 <= time <= t1 (seconds) for which
-- keep(packet) holds (cap:packet's fields).
function M.count(cap, t0, t1, keep)
  local n = 0
  for k = 1, cap.count do
    local p = cap:packet(k)
    local t = p.time / 1e9
    if t >= t0 and t <= t1 and keep(p) then n = n + 1 end
  end
  return n
end

-- A datagram the server relays from a peer to its client: ChannelData
-- (RFC 8656 s.12.4: channel numbers 0x4000-0x4FFF, so a first byte 0x40-
-- 0x4F) or a Data indication (s.11.4: type 0x0017).
function M.is_relayed_data(p)
  local b1, b2 = p.data:byte(1, 2)
  return (b1 and b1 >= 0x40 and b1 <= 0x4F) or (b1 == 0x00 and b2 == 0x17)
end

return M
