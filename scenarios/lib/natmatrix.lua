-- natmatrix.lua: the NAT matrix's world, shared by scenarios/nat/matrix.lua
-- (which gives the reasoning for its expected table) and
-- scenarios/media/nat-matrix.lua: the five NAT kinds, their labels and
-- one-letter tags, the selected pair expected in each cell, the internet,
-- the data centre with a STUN and a TURN server, one side of a call
-- (side), its ICE servers (servers) and a page that gathers every
-- candidate before it signals (gather_then).
--
--   local nm = require("natmatrix")
--   nm.world()                      -- the subnets, the core and the servers
--   local alice, nat = nm.side("alice", "symmetric", n, tag, 0)
local M = {}

M.kinds = { "none", "full-cone", "restricted-cone", "port-restricted-cone", "symmetric" }
M.labels = { "no NAT", "full cone", "restricted", "port-restricted", "symmetric" }
M.short = { none = "N", ["full-cone"] = "F", ["restricted-cone"] = "R",
            ["port-restricted-cone"] = "P", symmetric = "S" }

M.expected = {
  --            none          full-cone     restricted    port-restr.   symmetric
  { "host/host",  "host/srflx",  "host/srflx",  "host/srflx",  "host/prflx"  }, -- none
  { "srflx/host", "srflx/srflx", "srflx/srflx", "srflx/srflx", "srflx/prflx" }, -- full cone
  { "srflx/host", "srflx/srflx", "srflx/srflx", "srflx/srflx", "srflx/prflx" }, -- restricted cone
  { "srflx/host", "srflx/srflx", "srflx/srflx", "srflx/srflx", "relay/prflx" }, -- port-restricted
  { "prflx/host", "prflx/srflx", "prflx/srflx", "prflx/relay", "prflx/relay" }, -- symmetric
}

local internet
function M.world()
  internet = net.subnet { name = "internet", prefix = "203.0.113.0/24" }
  local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24" }
  net.core { latency = 0.015 }
  local stun_host = net.host { name = "stun.example.net" }
  stun_host:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
  net.stun_server { host = stun_host }
  local turn_host = net.host { name = "turn.example.net" }
  turn_host:interface { name = "eth0", subnet = dc, address = "198.51.100.2" }
  net.turn_server { host = turn_host, realm = "example.net", quota = 50,
                    users = { alice = "alice-pw", bob = "bob-pw" } }
end

-- One side of a call: a public host, or a host in a home behind a NAT.
-- Cell n puts Alice at 203.0.113.(2n) and Bob at 203.0.113.(2n+1), or
-- their NATs there, with homes 10.n.1.0/24 and 10.n.2.0/24 (which: 0
-- for Alice, 1 for Bob). host: more fields of net.host (a live host's
-- run and control, scenarios/interop/libnice-nat-matrix.lua).
function M.side(who, kind, n, tag, which, host)
  local spec = { name = who .. "-" .. tag }
  for k, v in pairs(host or {}) do spec[k] = v end
  local h = net.host(spec)
  local public = "203.0.113." .. (2 * n + which)
  if kind == "none" then
    h:interface { name = "eth0", subnet = internet, address = public }
    return h
  end
  local nat = net.nat { name = "nat-" .. who .. "-" .. tag, outside = internet, address = public,
                        type = kind }
  local home = net.subnet { name = "home-" .. who .. "-" .. tag,
                            prefix = "10." .. n .. "." .. (which + 1) .. ".0/24",
                            behind = nat, link = { latency = 0.002 } }
  h:interface { name = "eth0", subnet = home, address = "10." .. n .. "." .. (which + 1) .. ".10" }
  return h, nat
end

function M.servers(user, pw)
  return { { url = "stun:stun.example.net" },
           { url = "turn:" .. user .. "@turn.example.net", credential = pw } }
end

-- A page that gathers everything, then signals it in one message.
function M.gather_then(conn, done)
  local mine = {}
  conn.oncandidate = function(c)
    conn:setLocalCandidate(c)
    mine[#mine + 1] = c
  end
  conn.onendofcandidates = function() done(mine) end
end

-- One cell's call, as nat/matrix.lua's pages make it: Alice (the offerer)
-- gathers everything and signals it in one message; Bob makes his
-- connection when it lands, gathers, answers; Alice connects and tells
-- Bob to, so that a peer-reflexive candidate appears only where RFC 8445
-- s.7.3.1.3 makes one. on_pair(local, remote) gets Alice's selected pair.
function M.call(alice, bob, on_pair)
  local at_a, at_b = net.channel { alice, bob, delay = 0.05 }
  local a = RTCConnection(alice:RTCSocket(M.servers("alice", "alice-pw")))
  a.onactivecandidate = on_pair
  M.gather_then(a, function(cands)
    at_a:send({ description = a:getLocalDescription(), candidates = cands })
  end)
  at_a.onmessage = function(m)
    a:setRemoteDescription(m.description)
    for _, cand in ipairs(m.candidates) do a:setRemoteCandidate(cand) end
    a:connect()
    at_a:send({ go = true })
  end
  local b
  at_b.onmessage = function(m)
    if m.go then b:connect() return end
    b = RTCConnection(bob:RTCSocket(M.servers("bob", "bob-pw")), m.description)
    for _, cand in ipairs(m.candidates) do b:setRemoteCandidate(cand) end
    M.gather_then(b, function(cands)
      at_b:send({ description = b:getLocalDescription(), candidates = cands })
    end)
  end
end

return M
