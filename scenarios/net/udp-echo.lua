-- UDP echo across a clean link.
--
-- Two hosts on one LAN. The client sends ten datagrams, one every 100 ms;
-- the server echoes each one back. Nothing is lost, so every echo comes
-- back, 2 x (5 ms + 5 ms) after its request, and the wire is the same on
-- every run: the capture at the client's interface must equal the golden.

scenario { name = "UDP echo across a clean link", seed = 1 }

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24",
                         link = { latency = 0.005 } }

local client = net.host { name = "client" }
local eth0 = client:interface { name = "eth0", subnet = lan, address = "10.0.0.10" }
local server = net.host { name = "server" }
server:interface { name = "eth0", subnet = lan, address = "10.0.0.20" }

local cap = net.capture(eth0)

-- The server: send back whatever arrives, to whoever sent it.
local echo = server:udp { port = 7 }
echo.onreceive = function(data, from, port)
  echo:send(from, port, data)
end

-- The client: an ephemeral port; note each echo as an event of our own.
local sock = client:udp {}
local replies = 0
sock.onreceive = function(data, from, port)
  replies = replies + 1
  sim.event("echo", { data = data, from = from .. ":" .. port })
end

sim.every(0.1, function()
  sock:send("10.0.0.20", 7, string.format("ping %d", replies + 1))
end, { start = 0.1, count = 10 })

expect.event { name = "echo", args = { data = "ping 1" }, within = { 0.120, 0.120 } }
expect.event { name = "echo", count = 10 }
expect.sequence { { name = "echo", args = { data = "ping 1" } },
                  { name = "echo", args = { data = "ping 10" } } }
expect.never { name = "drop" }
expect.measure { "replies", function() return replies end, min = 10, max = 10 }
expect.capture { cap, golden = "net/udp-echo.client.eth0.pcap" }
