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

-- Every datagram is either delivered or dropped for loss: nothing vanishes.
expect.measure { "accounted up", up.delivered + up.dropped.loss, min = 200, max = 200 }
expect.measure { "accounted down", down.delivered + down.dropped.loss,
                 min = up.delivered, max = up.delivered }
expect.measure { "echoed", got, min = down.delivered, max = down.delivered }
-- Loss near 10% each way (binomial, 200 trials: 3 sd is about 6%).
expect.measure { "loss ratio up", up.dropped.loss / up.sent, min = 0.04, max = 0.16 }
expect.measure { "loss ratio down", down.dropped.loss / down.sent, min = 0.04, max = 0.16 }
-- Datagrams 10 ms apart with 0-30 ms of jitter: a datagram is overtaken by
-- the next one with probability P(J1 - J2 > 10 ms) = (2/3)^2 / 2 = 22%,
-- and more often by later ones; so reordering is common each way, but
-- bounded by the number delivered.
expect.measure { "reordered up", up.reordered / up.delivered, min = 0.15, max = 0.6 }
expect.measure { "reordered down", down.reordered / down.delivered, min = 0.15, max = 0.6 }
expect.measure { "out of order at the client", out_of_order, min = 1, max = got }
expect.event { name = "drop", src = "link:client.eth0:up", args = { reason = "loss" } }
expect.never { name = "drop", args = { reason = "queue" } }
expect.capture { cap, golden = "net/lossy-echo.client.eth0.pcap" }
