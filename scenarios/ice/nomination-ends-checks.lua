-- Nomination ends the checks on the other pairs (RFC 8445 s.8.1.2).
--
-- Alice has a wired interface on Bob's LAN and a wifi one on a guest
-- network whose uplink loses everything Alice sends. The LAN pair is the
-- best; it succeeds at once and is nominated. The wifi pairs rank lower
-- and are still being checked then: Alice's checks from wlan0 get no
-- answer (lost on the way out), and Bob's checks to wlan0 arrive but
-- Alice's answers are lost, so both sides have those checks in progress
-- when the LAN pair is nominated. Once nominated, each side removes its
-- Waiting and Frozen pairs and stops retransmitting the checks of lower
-- priority; only consent checks on the selected pair (over eth0) go on.
-- So nothing at all crosses wlan0 once the nomination is a round trip
-- over the guest network old: before the fix the retransmissions went on
-- for 39.5 s (RFC 8489 s.6.2.1: 0.5, 1.5, 3.5, 7.5, 15.5 s, ...).

scenario { name = "ICE: nomination ends the checks on lower-priority pairs", seed = 11, duration = 45,
           covers = { "spec:RTCConnection.onactivecandidate", "rfc8445:s8.1.2" } }
local peers = require("peers")

local office = net.subnet { name = "office", prefix = "10.0.0.0/24", link = { latency = 0.002 } }
local guest = net.subnet { name = "guest", prefix = "172.16.0.0/24", link = { latency = 0.030 } }
net.core { latency = 0.020 }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = office, address = "10.0.0.1" }
local wlan0 = alice:interface { name = "wlan0", subnet = guest, address = "172.16.0.5" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = office, address = "10.0.0.2" }
wlan0.link:set("up", { loss = 1 })
local cap = net.capture(wlan0)

-- one round trip between Bob and wlan0 (access links and the core, both
-- ways), with room to spare: what is in flight at the nomination lands
local RTT = 2 * (0.002 + 0.020 + 0.030) + 0.05
local nominated = {}
local after = {}    -- datagrams on wlan0 from nomination + RTT on, per side

local function watch(side, conn)
  conn.onactivecandidate = function()
    if nominated[side] then return end
    nominated[side] = sim.now()
    sim.after(RTT, function() after[side] = cap.count end)
  end
end
local call = peers.call { a = alice:RTCSocket(), b = bob:RTCSocket(),
                          channel = { alice, bob, delay = 0.02 },
                          on_b = function(b) watch("bob", b) end }
watch("alice", call.a)

expect.event { src = "alice", name = "candidate", args = { ["local"] = "host 172.16.0.5:49153" } }
expect.event { src = "alice", name = "activecandidate", count = 1,
               args = { ["local"] = "host 10.0.0.1:49152", remote = "host 10.0.0.2:49152" } }
expect.event { src = "bob", name = "activecandidate", count = 1,
               args = { ["local"] = "host 10.0.0.2:49152", remote = "host 10.0.0.1:49152" } }
expect.never { name = "disconnected" }
-- the wifi pairs were in progress at the nomination: checks crossed wlan0
expect.measure { "datagrams on wlan0 before the nomination settled",
                 function() return after.alice or -1 end, min = 2 }
-- and none after it (the later of the two sides' nominations)
expect.measure { "datagrams on wlan0 after nomination + RTT", function()
                   local from = math.max(after.alice or 0, after.bob or 0)
                   return (after.alice and after.bob) and cap.count - from or -1 end,
                 min = 0, max = 0 }
expect.capture { cap, golden = "ice/nomination-ends-checks.alice.wlan0.pcap" }
