-- An interface change on the live host itself (issue 12): Bob is Debian's
-- libnice (build/rtcsim-nice, a live host) behind a port-restricted NAT,
-- Alice is ref/ on the internet; Bob offers (controlling). As a phone
-- between networks, Bob's own interface changes, and the bridge makes his
-- namespace say so (sim/host/live.c, D149): the program sees the change
-- in its own interfaces, and his page calls update() on the network
-- change (the spec: update() "will usually be called upon network
-- interfaces change"), signals the new description, and Alice's page
-- answers the restart (peers.restart); Bob's checks wait for her
-- restarted answer (D150).
--
-- Phase 1, t = 5: Bob's interface is renumbered (192.168.1.10 to .11, a
-- DHCP lease that changed). His pair's local address is gone, so update()
-- gathers again on a new agent (D148): `disconnected` at once (the pair
-- went with the old agent), candidates on .11 only, a new pair on .11
-- (onactivecandidate), `connected` again.
-- Phase 2, t = 10 to 12: his interface goes down and comes up with its
-- address; update() at the up is a restart with the same candidates
-- (D129): no `disconnected` (consent, RFC 7675 s.5.1, would take 30 s;
-- the link was down for 2), a new pair selected, no `connected` again
-- (D19, D127: the session did not go down).
--
-- Windows (RFC 8445; docs/live.md's live tolerance T = 0.5 s beside
-- each): one way Bob to Alice is 2 (home access) + 10 (core) + 3
-- (Alice's access) ms, so a check round trip (RFC 8445 s.7.2.5, no
-- retransmission: RTO is 500 ms or more, s.14.3, and nothing is lost) is
-- at least 2 x 15 = 30 ms; the restarted description reaches Alice one
-- channel delay (50 ms) after the update, her answer and candidates are
-- back 50 ms later; then checks on the one pair that works (Bob's host
-- through his NAT to Alice's host; Alice's checks to his private address
-- have no route) nominate within ref/'s 0.2 s of ice/lan-host.lua
-- (libnice paces at Ta = 20 ms, RFC 8445 s.14.2). So a new pair within
-- [t + 0.03, t + 0.1 + 0.2 + T] of the change (libnice may check Alice's
-- old candidates under her old credentials before her answer is back,
-- hence the lower bound of one round trip, not of the answer).

scenario { name = "interop: libnice's own interface changes (live)", seed = 12, duration = 18 }
local peers = require("peers")

local internet = net.subnet { name = "internet", prefix = "203.0.113.0/24", link = { latency = 0.003 } }
net.core { latency = 0.010 }
local nat = net.nat { name = "bob-nat", outside = internet, address = "203.0.113.10",
                      type = "port-restricted-cone" }
local home = net.subnet { name = "home", prefix = "192.168.1.0/24", behind = nat, link = { latency = 0.002 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = internet, address = "203.0.113.20" }
local bob = net.host { name = "bob", run = { "build/rtcsim-nice" }, control = true }
local eth0 = bob:interface { name = "eth0", subnet = home, address = "192.168.1.10" }
net.capture(eth0)

local call = peers.call { a = bob:RTCSocket(), b = alice:RTCSocket(), channel = { bob, alice, delay = 0.05 } }

-- what Bob's connection announced and selected, and when
local cands, pairs = {}, {}
local function rec(c) return { t = sim.now(), type = c.type, addr = c.connectionAddress, port = c.connectionPort } end
local trickle = call.a.oncandidate
call.a.oncandidate = function(c)
  cands[#cands + 1] = rec(c)
  trickle(c)
end
call.a.onactivecandidate = function(l, r) pairs[#pairs + 1] = rec(l) end

-- the page on the network change (its OS told it), as peers.restart does
sim.at(5, function()
  eth0:set_address("192.168.1.11")
  peers.restart(call)
end)
sim.at(10, function() eth0:down() end)
sim.at(12, function()
  eth0:up()
  peers.restart(call)
end)

local T = 0.5
local NEW, OLD, NAT = "192.168.1.11", "192.168.1.10", "203.0.113.10"
local function within(list, from, to)
  local out = {}
  for _, e in ipairs(list) do if e.t >= from and e.t < to then out[#out + 1] = e end end
  return out
end
-- A candidate of Bob's on NEW: a host candidate there, or a reflexive one
-- (Bob has no STUN server, so only peer-reflexive, RFC 8445 s.7.2.5.3.1)
-- at his NAT's address whose base is one: the NAT keeps the port of the
-- mapping's inside (net.nat's default), so the base is the host
-- candidate on NEW with that port, announced in the same phase.
local function on_new(c, phase)
  if c.type == "host" then return c.addr == NEW end
  if c.addr ~= NAT then return false end
  for _, h in ipairs(phase) do
    if h.type == "host" and h.addr == NEW and h.port == c.port then return true end
  end
  return false
end
local function count_new(from, to, want)
  local phase, n = within(cands, from, to), 0
  for _, c in ipairs(phase) do if on_new(c, phase) == want then n = n + 1 end end
  return n
end
local function first_pair_on_new(from, to)
  local phase = within(cands, from, to)
  for _, p in ipairs(within(pairs, from, to)) do
    if on_new(p, phase) then return p.t - from end
  end
  return math.huge
end

-- the call is up before the change
expect.event { src = "bob", name = "connected", count = 1, within = { 0, 1 + T } }

-- phase 1: the renumbering
expect.sequence {
  { src = "bob.eth0", name = "iface-address", args = { old = OLD, address = NEW } },
  { src = "bob", name = "disconnected", within = { 5, 5 + T } },
  { src = "bob", name = "connected", within = { 5 + 0.03, 5 + 0.1 + 0.2 + T } },
}
expect.measure { "Bob's candidates after the renumbering not on " .. NEW,
                 function() return count_new(5, 10, false) end, min = 0, max = 0 }
expect.measure { "Bob's candidates after the renumbering on " .. NEW,
                 function() return count_new(5, 10, true) end, min = 1 }
expect.measure { "s from the renumbering to Bob's pair on " .. NEW,
                 function() return first_pair_on_new(5, 10) end, min = 0.03, max = 0.1 + 0.2 + T }
expect.event { src = "alice", name = "activecandidate", min = 1, within = { 5 + 0.03, 5 + 0.1 + 0.2 + T } }

-- phase 2: down and up, the same address
expect.never { src = "bob", name = "disconnected", within = { 6, 18 } }
expect.never { src = "bob", name = "connected", within = { 6, 18 } }
expect.measure { "Bob's candidates after the up not on " .. NEW,
                 function() return count_new(12, 18, false) end, min = 0, max = 0 }
expect.measure { "Bob's candidates after the up on " .. NEW,
                 function() return count_new(12, 18, true) end, min = 1 }
expect.measure { "s from the up to Bob's pair on " .. NEW,
                 function() return first_pair_on_new(12, 18) end, min = 0.03, max = 0.1 + 0.2 + T }
-- ref/ never lost the call: its consent (RFC 7675 s.5.1, 30 s) outlasts
-- both changes, and each restart gave it a new pair in time
expect.never { src = "alice", name = "disconnected" }
expect.event { src = "alice", name = "activecandidate", min = 1, within = { 12 + 0.03, 12 + 0.1 + 0.2 + T } }
