-- A check from the peer triggers a check of its pair ahead of the check
-- list (RFC 8445 s.7.3.1.4, s.6.1.4.2), judged from the wire, for any
-- implementation.
--
-- Alice has four host candidates (four addresses on one LAN, local
-- preferences falling with the interface's rank, so the pairs with Bob's
-- one candidate rank eth0, eth1, eth2, eth3) and learns Bob's candidate
-- before she calls connect(). Bob learns only Alice's eth3 candidate, so
-- his first check is on her lowest pair, and both call connect() at the
-- same instant. On a 5 ms link, Bob's check reaches Alice when she has
-- sent her first check (eth0) and the eth1 and eth2 pairs still wait
-- (s.14.2: Ta is not below 5 ms). s.7.3.1.4: the pair the check came in
-- on (Alice eth3, Bob) goes into the triggered-check queue, and s.6.1.4.2:
-- at the next tick that queue is served before the Waiting pairs. So the
-- first check Alice sends after Bob's arrived is on the eth3 pair, not on
-- eth1's, whatever her Ta.

scenario { name = "ICE: a check received triggers a check of its pair first", seed = 5, duration = 2,
           covers = { "rfc8445:s7.3.1.4", "rfc8445:s6.1.4.2" } }

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local caps = {}
for i = 0, 3 do
  caps[#caps + 1] = net.capture(alice:interface { name = "eth" .. i, subnet = lan, address = "10.0.0." .. (i + 1) })
end
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.10" }

local at_alice, at_bob = net.channel { alice, bob, delay = 0.02 }

local a = RTCConnection(alice:RTCSocket())
a.oncandidate = function(c)
  a:setLocalCandidate(c)
  -- Bob hears of Alice's eth3 candidate only
  if c.connectionAddress == "10.0.0.4" then at_alice:send({ candidate = c }) end
end
at_alice:send({ description = a:getLocalDescription() })
at_alice.onmessage = function(m)
  if m.description then a:setRemoteDescription(m.description) end
  if m.candidate then a:setRemoteCandidate(m.candidate) end
  if m.done then a:connect() end
end

local sock_b = bob:RTCSocket()
local b
at_bob.onmessage = function(m)
  if m.description then
    b = RTCConnection(sock_b, m.description)
    b.oncandidate = function(c)
      b:setLocalCandidate(c)
      at_bob:send({ candidate = c })
    end
    at_bob:send({ description = b:getLocalDescription() })
  end
  if m.candidate then
    b:setRemoteCandidate(m.candidate)
    -- Alice connects when `done` reaches her, one channel delay on
    at_bob:send({ done = true })
    sim.after(0.02, function() b:connect() end)
  end
end

-- Binding requests (type 0x0001) seen on Alice's interfaces, by time
local function requests()
  local list = {}
  for _, cap in ipairs(caps) do
    for n = 1, cap.count do
      local p = cap:packet(n)
      if #p.data >= 20 and p.data:byte(1) == 0 and p.data:byte(2) == 1 then
        list[#list + 1] = { t = p.time, n = n, src = p.src, dst = p.dst }
      end
    end
  end
  table.sort(list, function(x, y) return x.t < y.t or (x.t == y.t and x.n < y.n) end)
  return list
end

local first_after = "none"
local before = -1
sim.at(1.9, function()
  local list, arrived = requests(), nil
  for i, r in ipairs(list) do
    if not arrived and r.src:match("^10%.0%.0%.10:") then
      arrived = i
    elseif arrived and r.src:match("^10%.0%.0%.[1-4]:") then
      first_after = r.src:match("^([%d.]+):") .. " > " .. r.dst:match("^([%d.]+):")
      break
    end
  end
  before = 0
  for i = 1, (arrived or 0) - 1 do
    if list[i].src:match("^10%.0%.0%.[1-4]:") then before = before + 1 end
  end
end)

expect.event { src = "alice", name = "connected", count = 1 }
-- the premise: Bob's first check arrived while Alice's eth1 and eth2
-- pairs still waited (she had sent at most one check, or two at a Ta of
-- 5 ms)
expect.measure { "Alice's checks before Bob's first arrived", function() return before end, min = 0, max = 2 }
expect.table { "Alice's first check after Bob's arrived (s.7.3.1.4 triggered, s.6.1.4.2 first)",
               rows = { "check" }, cols = { "from > to" }, expected = { { "10.0.0.4 > 10.0.0.10" } },
               measured = function() return { { first_after } } end }
