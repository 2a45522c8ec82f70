-- A rate-limited link: queue drops start exactly when the sender exceeds
-- the rate.
--
-- The client's uplink carries 1 Mbit/s with a queue of 5 datagrams. The
-- client sends 1000-byte datagrams (1028 bytes of IPv4, 8.224 ms each on
-- the wire): for 2 s at 100 per second (0.82 Mbit/s, under the rate),
-- then from t = 2 s at 200 per second (1.64 Mbit/s, over it). Under the
-- rate the queue never fills; over it, the backlog grows by one datagram
-- every ~12 ms, and the queue of 5 is full after a few tens of ms.

scenario { name = "rate limit: drops start when the sender exceeds the rate", seed = 1 }

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24" }
local client = net.host { name = "client" }
local eth0 = client:interface { name = "eth0", subnet = lan, address = "10.0.0.10",
                                link = { rate = 1e6, queue = 5 } }
local server = net.host { name = "server" }
server:interface { name = "eth0", subnet = lan, address = "10.0.0.20" }

local sink = server:udp { port = 9 }
local received = 0
sink.onreceive = function() received = received + 1 end

local sock = client:udp {}
local payload = string.rep("x", 1000)
local slow = sim.every(0.010, function() sock:send("10.0.0.20", 9, payload) end,
                       { start = 0, count = 200 })
sim.at(2.0, function() sim.event("speed-up") end)
sim.every(0.005, function() sock:send("10.0.0.20", 9, payload) end,
          { start = 2.0, count = 400 })

sim.run(5)
local st = eth0.link:stats("up")
print(string.format("sent %d, delivered %d, queue drops %d", st.sent, st.delivered,
                    st.dropped.queue))

-- No drop before the sender goes over the rate ...
expect.never { name = "drop", within = { 0, 2.0 } }
-- ... and the first queue drop soon after it does: backlog grows by 1028
-- bytes every 5 ms minus what 5 ms of wire carries (625 bytes), so the
-- 5-datagram queue overflows after about 60 ms.
expect.event { name = "drop", args = { reason = "queue" }, within = { 2.0, 2.1 } }
expect.sequence { { name = "speed-up" }, { name = "drop", args = { reason = "queue" } } }
-- Nothing here is random (no loss, no jitter): the counts are the same at
-- every seed, and the bounds are what the model implies. The 200 slow
-- datagrams all get through. Over the rate the link is busy without a
-- break from about 2.0 s: it starts one datagram every 8.224 ms, so by the
-- last fast send (3.995 s) it has started floor(1.995 / 0.008224) + 1 =
-- 243 of them, and the queue then holds at most 5 counting the one on
-- the wire, which all leave: 243 to 247 of the fast ones are delivered,
-- and the other 153 to 157 are queue drops.
expect.measure { "delivered", received, min = 200 + 243, max = 200 + 247 }
expect.measure { "queue drops", st.dropped.queue, min = 400 - 247, max = 400 - 243 }
expect.measure { "nothing else lost", st.sent - st.delivered - st.dropped.queue,
                 min = 0, max = 0 }
