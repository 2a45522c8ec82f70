-- A two-way audio and video call on a LAN (issue 9, the first scenario).
--
-- Alice and Bob each send one stream of an audio track (Opus) and a video
-- track (VP8, 30 fps, 500 kbit/s) over one RTCConnection (peers.lua),
-- descriptions signalled as JSON over a 20 ms channel (media.lua). Each
-- side's onaddstream fires once, when the other's description lands (20
-- ms after the offer for Bob, 40 ms for Alice); each remote track
-- connects on its first RTP packet, after ICE (about 0.1 s) and the DTLS
-- handshake (two round trips on a 10 ms RTT), so well within 1 s; the
-- stream connects with its first track. Nothing disconnects.
-- (Goldens of the encrypted capture and its decrypted twin are recorded
-- once the engine sends media: captures/media/call-lan.*.)

scenario { name = "media: two-way audio and video call on a LAN", seed = 1, duration = 3 }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }

local function av(who)
  return MediaStream { id = who .. "-stream", tracks = {
    MediaStreamTrack { kind = "audio", id = who .. "-mic" },
    MediaStreamTrack { kind = "video", id = who .. "-cam", fps = 30, bitrate = 500000 } } }
end
local call = media.call { a = { host = alice, streams = { av("alice") } },
                          b = { host = bob, streams = { av("bob") } }, channel = { delay = 0.02 } }

local seen = {}
for _, side in ipairs({ "a", "b" }) do
  call["m" .. side].onaddstream = function(st)
    seen[side] = st
    st.onconnected = function() sim.event("page.stream.connected", { side = side, stream = st.id }) end
    for _, t in ipairs(st:getTracks()) do
      t.onconnected = function() sim.event("page.track.connected", { side = side, track = t.id, kind = t.kind }) end
    end
  end
end

expect.event { src = "bob", name = "addstream", args = { stream = "alice-stream" }, count = 1, within = { 0.02, 0.02 } }
expect.event { src = "alice", name = "addstream", args = { stream = "bob-stream" }, count = 1, within = { 0.04, 0.04 } }
expect.event { src = "bob", name = "addtrack", count = 2 }
expect.event { src = "alice", name = "addtrack", count = 2 }
for _, t in ipairs({ { "bob", "alice-mic" }, { "bob", "alice-cam" }, { "alice", "bob-mic" }, { "alice", "bob-cam" } }) do
  expect.event { src = t[1], name = "track.connected", args = { track = t[2] }, count = 1, within = { 0.1, 1 } }
end
expect.event { src = "bob", name = "stream.connected", args = { stream = "alice-stream" }, count = 1, within = { 0.1, 1 } }
expect.event { src = "alice", name = "stream.connected", args = { stream = "bob-stream" }, count = 1, within = { 0.1, 1 } }
expect.sequence { { src = "bob", name = "addstream" }, { src = "bob", name = "track.connected" } }
-- the page's handlers on the remote objects fired too
expect.event { name = "page.track.connected", count = 4 }
expect.event { name = "page.stream.connected", count = 2 }
expect.never { name = "track.disconnected" }
expect.never { name = "stream.disconnected" }
expect.never { name = "unknowntrack" }
-- media flowed both ways: 50 audio packets/s and at least 30 video frames/s
-- for the last ~2 s at least, each way
expect.measure { "RTP Bob received", function() return call.mb:stats().rtp_received end, min = 2 * (50 + 30) }
expect.measure { "RTP Alice received", function() return call.ma:stats().rtp_received end, min = 2 * (50 + 30) }
expect.measure { "SRTP dropped at Bob", function()
  local n = 0
  for _, v in pairs(call.mb:stats().dropped) do n = n + v end
  return n
end, min = 0, max = 0 }
