-- Wifi to cellular mid-session.
--
-- Alice talks to Bob over wifi. At t = 5 s her phone brings up its
-- cellular interface and loses wifi. The connection's pair used the wifi
-- address, so it fires ondisconnected at once (the spec's update() is
-- "usually called upon network interfaces change", and the stack hears of
-- the change as the application does). The page calls update(): the
-- socket binds the new interface, gathering runs again, the new host
-- candidate is trickled, both sides restart, and onactivecandidate and
-- onconnected fire again, on the cellular address.

scenario { name = "faults: wifi to cellular", seed = 31, duration = 15,
           covers = { "spec:RTCConnection.ondisconnected", "spec:RTCConnection.update",
                      "spec:RTCConnection.onactivecandidate", "rfc8445:s5.1.1", "rfc8445:s9" } }
local peers = require("peers")

local wifi = net.subnet { name = "wifi", prefix = "10.1.0.0/24", link = { latency = 0.004 } }
local cell = net.subnet { name = "cell", prefix = "10.2.0.0/24", link = { latency = 0.040 } }
local office = net.subnet { name = "office", prefix = "10.3.0.0/24", link = { latency = 0.002 } }
net.core { latency = 0.010 }
local alice = net.host { name = "alice" }
local wlan0 = alice:interface { name = "wlan0", subnet = wifi, address = "10.1.0.7" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = office, address = "10.3.0.2" }
local cap = net.capture(net.link("bob.eth0"))

local call = peers.call { a = alice:RTCSocket(), b = bob:RTCSocket(), channel = { alice, bob, delay = 0.05 } }
call.a.ondisconnected = function() peers.restart(call) end

sim.at(5, function()
  alice:interface { name = "rmnet0", subnet = cell, address = "10.2.0.7" }
  wlan0:down()
end)

expect.sequence {
  { src = "alice", name = "connected" },
  { src = "alice.wlan0", name = "iface-down", within = { 5, 5 } },
  { src = "alice", name = "disconnected", within = { 5, 5 } },
  { src = "alice", name = "candidate", args = { ["local"] = "host 10.2.0.7:49153" } },
  { src = "alice", name = "activecandidate", args = { ["local"] = "host 10.2.0.7:49153" } },
  { src = "alice", name = "connected", within = { 5, 6 } },
}
expect.event { src = "alice", name = "connected", count = 2 }
expect.event { src = "bob", name = "activecandidate", args = { remote = "host 10.2.0.7:49153" } }
expect.capture { cap, golden = "faults/wifi-to-cellular.bob.eth0.pcap" }
