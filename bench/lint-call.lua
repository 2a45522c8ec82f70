-- The capture `make bench` lints (issue 13: lint throughput over a large
-- capture made by a scenario): a two-way audio and video call on a LAN,
-- both directions on Alice's interface, SRTP/SRTCP with STUN consent and
-- the DTLS handshake (media/call-lan.lua's topology, a faster camera), and
-- its key log beside it. Not a conformance scenario (bench/ is outside
-- scenarios/): it asserts nothing but that the call connected.
--
-- Size, from the sources (D52): video at 8 Mbit/s, 30 fps, frames cut in
-- packets of at most 1100 bytes: about 8e6 / 8 / 1100 = 909 packets/s,
-- audio 50/s, each way: about 1900 packets/s, so a call of T = 560 s
-- writes about 1.07 million packets (at least 1 million: the issue's
-- figure), about 1.2 GB.
local T = 560
scenario { name = "bench: a long call whose capture make bench lints", seed = 1, duration = T }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
net.capture(eth0)

local function av(who)
  return MediaStream { id = who .. "-stream", tracks = {
    MediaStreamTrack { kind = "audio", id = who .. "-mic" },
    MediaStreamTrack { kind = "video", id = who .. "-cam", fps = 30, bitrate = 8000000 } } }
end
media.call { a = { host = alice, streams = { av("alice") } }, b = { host = bob, streams = { av("bob") } },
             channel = { delay = 0.02 } }
expect.event { src = "alice", name = "connected", count = 1 }
