-- Candidate priorities and the order of the first checks (RFC 8445
-- s.5.1.2, s.6.1.2.3, s.6.1.2.6, s.6.1.4.2), judged from what the
-- implementation signals and sends, not from its bytes.
--
-- Alice and Bob each have two interfaces, one on each of two LANs (the
-- core routes between them), and Bob also a relayed candidate from a TURN
-- server. Alice takes every candidate of Bob's before she calls
-- connect(); Bob never calls connect(), so he answers Alice's checks but
-- triggers none (s.7.3.1.4 does not apply to an agent that is not
-- checking), and every link is 200 ms long, so Alice's first answer comes
-- 400 ms after her first check: her first checks all leave, one per Ta,
-- before any answer can change the check list.
--
-- What must hold:
--  - each candidate's priority is s.5.1.2.1's formula with s.5.1.2.2's
--    recommended type preferences (host 126, relayed 0: the ones D100's
--    masked PRIORITY compares) and component 1 in the low byte as
--    256 - 1 = 255, and the local preferences of one agent's host
--    candidates differ (s.5.1.2.1: unique per candidate of a type);
--  - Alice's pairs are her 2 host candidates by Bob's 3 candidates: 6
--    pairs, all of different foundations, so all Waiting (s.6.1.2.6), and
--    she checks them in pair-priority order (s.6.1.4.2: the highest
--    Waiting pair at each tick), the order computed here from the
--    signalled candidate priorities with s.6.1.2.3's formula, Alice
--    controlling (G = hers): 2^32 MIN(G,D) + 2 MAX(G,D) + (G > D ? 1 : 0).
--    With these candidates that order is not the order by MAX (Alice's
--    eth0 candidate with Bob's relayed one has the larger MAX, her eth1
--    one with Bob's eth1 one the larger MIN), so a swapped formula shows.

scenario { name = "ICE: candidate priorities and the order of the first checks", seed = 3, duration = 2,
           covers = { "rfc8445:s5.1.2.1", "rfc8445:s5.1.2.2", "rfc8445:s6.1.2", "rfc8445:s6.1.4.2",
                      "spec:RTCIceCandidateDescription.priority" } }

local link = { latency = 0.2 }
local lan1 = net.subnet { name = "lan1", prefix = "10.0.0.0/24", link = link }
local lan2 = net.subnet { name = "lan2", prefix = "10.1.0.0/24", link = link }
local dc = net.subnet { name = "dc", prefix = "198.51.100.0/24", link = { latency = 0.005 } }
local servers = net.host { name = "turn.example.net" }
servers:interface { name = "eth0", subnet = dc, address = "198.51.100.1" }
net.turn_server { host = servers, realm = "example.net", users = { bob = "secret" } }

local alice = net.host { name = "alice" }
local a0 = alice:interface { name = "eth0", subnet = lan1, address = "10.0.0.1" }
local a1 = alice:interface { name = "eth1", subnet = lan2, address = "10.1.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan1, address = "10.0.0.2" }
bob:interface { name = "eth1", subnet = lan2, address = "10.1.0.2" }
local caps = { net.capture(a0), net.capture(a1) }

local at_alice, at_bob = net.channel { alice, bob, delay = 0.02 }
local mine, theirs = {}, {}     -- candidates as signalled

local a = RTCConnection(alice:RTCSocket())
a.oncandidate = function(c)
  a:setLocalCandidate(c)
  mine[#mine + 1] = c
  at_alice:send({ candidate = c })
end
at_alice:send({ description = a:getLocalDescription() })
at_alice.onmessage = function(m)
  if m.description then a:setRemoteDescription(m.description) end
  if m.candidate then
    a:setRemoteCandidate(m.candidate)
    theirs[#theirs + 1] = m.candidate
  end
  -- every candidate of Bob's first, then the checks
  if m.done then a:connect() end
end

local sock_b = bob:RTCSocket({ { url = "turn:bob@turn.example.net", credential = "secret" } })
local b
at_bob.onmessage = function(m)
  if m.description then
    b = RTCConnection(sock_b, m.description)
    b.oncandidate = function(c)
      b:setLocalCandidate(c)
      at_bob:send({ candidate = c })
    end
    b.onendofcandidates = function() at_bob:send({ done = true }) end
    at_bob:send({ description = b:getLocalDescription() })
  end
  if m.candidate and b then b:setRemoteCandidate(m.candidate) end
end

local function key(ip, port) return ip .. ":" .. port end

-- s.5.1.2.1 / s.5.1.2.2: every candidate, both sides
expect.measure { "candidates signalled (Alice 2 host; Bob 2 host, 1 relayed)", function()
  return #mine + #theirs end, min = 5, max = 5 }
local TYPE_PREF = { host = 126, srflx = 100, prflx = 110, relay = 0 }
expect.measure { "candidates whose priority is not s.5.1.2.1's (type preference, 256 - component)", function()
  local bad = 0
  for _, list in ipairs { mine, theirs } do
    for _, c in ipairs(list) do
      if c.priority >> 24 ~= TYPE_PREF[c.type] or c.priority & 0xff ~= 256 - c.component then
        bad = bad + 1
      end
    end
  end
  return bad
end, min = 0, max = 0 }
expect.measure { "host candidates of one agent sharing a local preference", function()
  local same = 0
  for _, list in ipairs { mine, theirs } do
    local seen = {}
    for _, c in ipairs(list) do
      if c.type == "host" then
        local lp = (c.priority >> 8) & 0xffff
        if seen[lp] then same = same + 1 end
        seen[lp] = true
      end
    end
  end
  return same
end, min = 0, max = 0 }

-- s.6.1.2.3 with Alice controlling, then s.6.1.4.2's order
local function pair_priority(g, d)
  local lo, hi = math.min(g, d), math.max(g, d)
  return (lo << 32) + 2 * hi + (g > d and 1 or 0)
end
local function expected_order()
  local pairs_ = {}
  for _, l in ipairs(mine) do
    if l.type == "host" then
      for _, r in ipairs(theirs) do
        pairs_[#pairs_ + 1] = { p = pair_priority(l.priority, r.priority),
                                k = key(l.connectionAddress, l.connectionPort) .. ">" ..
                                    key(r.connectionAddress, r.connectionPort) }
      end
    end
  end
  table.sort(pairs_, function(x, y) return x.p > y.p end)
  local out = {}
  for i, p in ipairs(pairs_) do out[i] = p.k end
  return out
end
-- Alice's Binding requests (type 0x0001) in the order they left, both
-- interfaces merged by time
local function checks_sent()
  local list = {}
  for _, cap in ipairs(caps) do
    for n = 1, cap.count do
      local p = cap:packet(n)
      if p.src:match("^10%.[01]%.0%.1:") and #p.data >= 20 and p.data:byte(1) == 0 and p.data:byte(2) == 1 then
        list[#list + 1] = { t = p.time, k = p.src .. ">" .. p.dst }
      end
    end
  end
  table.sort(list, function(x, y) return x.t < y.t end)
  return list
end
local order_ok = 0
sim.at(1.9, function()
  local want, got = expected_order(), checks_sent()
  local ok = #want == 6 and #got >= 6
  for i = 1, #want do
    if not got[i] or got[i].k ~= want[i] then
      ok = false
      print(string.format("check %d: expected %s, sent %s", i, want[i], got[i] and got[i].k or "none"))
    end
  end
  order_ok = ok and 1 or 0
end)
expect.measure { "Alice's first 6 checks in pair-priority order (s.6.1.2.3, s.6.1.4.2)", function()
  return order_ok end, min = 1, max = 1 }
