-- UDP echo across a lossy, jittery link.
--
-- The client's access link loses 10% of datagrams each way and adds up to
-- 30 ms of jitter (uniform) on top of 10 ms of latency. The client sends
-- a numbered datagram every 10 ms, faster than the jitter, so datagrams
-- overtake each other. The counts of loss and reordering are asserted
-- against what the model implies, and the capture is a golden, so any
-- change to the link model's draws shows up here.

scenario { name = "UDP echo across a lossy, jittery link", seed = 7 }

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24" }
local client = net.host { name = "client" }
local eth0 = client:interface { name = "eth0", subnet = lan, address = "10.0.0.10",
                                link = { latency = 0.010, jitter = 0.030, loss = 0.1 } }
local server = net.host { name = "server" }
server:interface { name = "eth0", subnet = lan, address = "10.0.0.20" }

local cap = net.capture(eth0)

local echo = server:udp { port = 7 }
echo.onreceive = function(data, from, port) echo:send(from, port, data) end

local sent, got, out_of_order, highest = 0, 0, 0, 0
local sock = client:udp {}
sock.onreceive = function(data)
  local n = tonumber(data:match("^seq (%d+)$"))
  got = got + 1
  if n < highest then out_of_order = out_of_order + 1 else highest = n end
end

sim.every(0.010, function()
  sent = sent + 1
  sock:send("10.0.0.20", 7, "seq " .. sent)
end, { start = 0, count = 200 })

sim.run(3)

local up, down = eth0.link:stats("up"), eth0.link:stats("down")
print(string.format("sent %d, echoed back %d; lost up %d, down %d; reordered up %d, down %d",
                    sent, got, up.dropped.loss, down.dropped.loss, up.reordered, down.reordered))

-- The bounds below hold over every seed, not just this one: each is
-- derived from the link model (D2: Bernoulli loss, delay latency + uniform
-- jitter) with a false-failure probability below 5e-6 per seed, so the 6
-- statistical measures fail at a correct seed with probability < 3e-5, and
-- a sweep of 100 seeds with probability < 3e-3.

-- Identities: every datagram is either delivered or dropped for loss
-- (nothing vanishes), the server echoes all it gets, the client gets all
-- that the down direction delivers.
expect.measure { "accounted up", up.delivered + up.dropped.loss, min = 200, max = 200 }
expect.measure { "accounted down", down.delivered + down.dropped.loss,
                 min = up.delivered, max = up.delivered }
expect.measure { "echoed", got, min = down.delivered, max = down.delivered }

-- Losses are binomial(n, 0.1), n the datagrams offered (200 up; down, the
-- up ones delivered). The bounds are the exact binomial quantiles with at
-- most 2.5e-6 of probability outside each side (for n = 200: 4 to 42
-- losses, where mean +- 4.5 sd would be 1 to 39: the upper tail is the
-- heavier one).
local function binomial_bounds(n, p, tail)
  local pmf, cdf, lo = (1 - p) ^ n, 0, nil
  for k = 0, n do
    if k > 0 then pmf = pmf * (n - k + 1) / k * p / (1 - p) end
    if not lo and cdf + pmf > tail then lo = k end  -- P(X < lo) <= tail
    cdf = cdf + pmf
    if 1 - cdf <= tail then return lo, k end         -- P(X > k) <= tail
  end
  return lo, n
end
local lo_up, hi_up = binomial_bounds(up.sent, 0.1, 2.5e-6)
local lo_dn, hi_dn = binomial_bounds(down.sent, 0.1, 2.5e-6)
expect.measure { "loss ratio up", up.dropped.loss / up.sent, min = lo_up / up.sent, max = hi_up / up.sent }
expect.measure { "loss ratio down", down.dropped.loss / down.sent,
                 min = lo_dn / down.sent, max = hi_dn / down.sent }

-- Reordering. Datagrams 10 ms apart with 0-30 ms of jitter: one is
-- overtaken by the next with probability P(J1 - J2 > 10 ms) = (2/3)^2 / 2
-- = 22%, and by the one after with P(J1 - J2 > 20 ms) = 5.6%. The
-- fraction of delivered datagrams that arrive after a later one is a sum
-- of dependent indicators, so its law comes from the model simulated
-- directly (20,000 runs of 200 datagrams, 10% loss, jitter uniform; the
-- down direction sends at the up arrivals, as the echo does):
--   up:     mean 0.224, sd 0.025 -> mean +- 5.5 sd = [0.086, 0.361]
--   down:   mean 0.249, sd 0.029 -> [0.089, 0.408]
--   client (round trip, by sequence number): mean 0.296, sd 0.030 -> [0.132, 0.459]
-- 5.5 sd is 4e-8 for a normal law; the extremes of the 20,000 runs
-- (0.131-0.333, 0.133-0.363, 0.177-0.410) sit well inside. No reordering
-- at all (a FIFO link) or reordering of most datagrams fails them.
expect.measure { "reordered up", up.reordered / up.delivered, min = 0.086, max = 0.361 }
expect.measure { "reordered down", down.reordered / down.delivered, min = 0.089, max = 0.408 }
expect.measure { "out of order at the client", out_of_order / got, min = 0.132, max = 0.459 }
expect.event { name = "drop", src = "link:client.eth0:up", args = { reason = "loss" } }
expect.never { name = "drop", args = { reason = "queue" } }
expect.capture { cap, golden = "net/lossy-echo.client.eth0.pcap" }
