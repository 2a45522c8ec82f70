-- The bridge follows its host's interface (sim/host/live.c, D149): a
-- program on a live host sends a datagram every 50 ms from port 4000 on
-- any address (tests/live/bad_program.c's "send", bound to 0.0.0.0:4000,
-- the address chosen per datagram by its kernel) to Alice. At 1 s Bob's interface is renumbered
-- (10.0.0.2 to .3), at 2 s it goes down, at 2.5 s up. Alice must hear
-- port 4000 from .2 before, from .3 after (the host's socket on the old
-- address dropped and bound again on the new one, the namespace's address
-- replaced), nothing while down, and from .3 again after the up (the
-- default route put back). Not in the suite: tests/live_check.sh runs it.
-- Counts: 20 datagrams a second less the program's start (the live
-- tolerance, 0.5 s): at least 5 in each half second or more it is up.
scenario { name = "live: the bridge follows its interface", duration = 3.5 }
local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24" }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob", run = { "build/live/bad_program", "send", "10.0.0.1", "5000" } }
local eth0 = bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local got = {}
local sink = alice:udp { port = 5000 }
sink.onreceive = function(data, from, port) got[#got + 1] = { t = sim.now(), from = from .. ":" .. port } end
sim.at(1, function() eth0:set_address("10.0.0.3") end)
sim.at(2, function() eth0:down() end)
sim.at(2.5, function() eth0:up() end)
local function count(from, to, who)
  local n = 0
  for _, g in ipairs(got) do if g.t >= from and g.t < to and g.from == who then n = n + 1 end end
  return n
end
expect.measure { "from 10.0.0.2:4000 before", function() return count(0, 1, "10.0.0.2:4000") end, min = 5 }
expect.measure { "from 10.0.0.2:4000 after", function() return count(1, 4, "10.0.0.2:4000") end, min = 0, max = 0 }
expect.measure { "from 10.0.0.3:4000 renumbered", function() return count(1, 2, "10.0.0.3:4000") end, min = 5 }
expect.measure { "any while down", function() return #got - count(0, 2, "10.0.0.2:4000") - count(0, 2, "10.0.0.3:4000") - count(2.5, 4, "10.0.0.3:4000") end, min = 0, max = 0 }
expect.measure { "from 10.0.0.3:4000 after the up", function() return count(2.5, 4, "10.0.0.3:4000") end, min = 5 }
