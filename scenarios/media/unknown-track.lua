-- An unknown track with header extensions, later matched by a
-- description (issue 9; spec: onunknowntrack; RFC 8285, RFC 6464,
-- RFC 8852; D65, D69).
--
-- Both sessions name two header extensions in their options' extmap (not
-- in the spec: D72): the RFC 6464 client-to-mixer audio level as id 1 and
-- the RFC 8852 RtpStreamId, the track's id on the wire, as id 2. Alice's
-- mic is told to send both (setTrackProperties rtpExtHeaders: level byte
-- 0xaa = V 1, level 42 dBov; the id "alice-mic" in ASCII), so its packets
-- carry the one-byte form (RFC 8285 s.4.2: ids 1-14, values of 1-16
-- bytes). Alice sends at once but does not signal her description:
--   * Bob's first packet of her SSRC (after ICE and DTLS, in the window
--     call-lan.lua derives: [0.08, 0.26] s) fires onunknowntrack once,
--     whatever follows, with her SSRC and both extensions parsed by the
--     extmap's names, and no addstream.
--   * 1 s: Alice signals her description; at 1.02 Bob adds the stream
--     and the track (addstream), and the next RTP packet (due within
--     20 ms) connects the track: track.connected in [1.02, 1.04], and
--     its stream; its receiver statistics are kept from the unknown
--     time (D69): by the end, about 50 packets/s since the first.

local T = 2
scenario { name = "media: an unknown track with header extensions, later matched by a description", seed = 1, duration = T,
           covers = { "spec:RTCMediaSession.onunknowntrack", "spec:RTCMediaSession.onaddstream",
                      "spec:MediaStream.onconnected", "spec:MediaStreamTrack.onconnected",
                      "spec:RTCTrackDescription.rtpExtHeaders", "rfc8285:s4.2" } }
local media = require("media")

local LEVEL = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
local RID = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
local opts = { extmap = { [LEVEL] = 1, [RID] = 2 } }

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
local beth0 = bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(beth0)

local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
local mic = MediaStreamTrack { kind = "audio", id = "alice-mic" }
local call = media.call { a = { host = alice, options = opts, signal = false,
                                streams = { MediaStream { id = "alice-stream", tracks = { mic } } } },
                          b = { host = bob, options = opts }, channel = { delay = 0.02 } }
local ma, mb = call.ma, call.mb
local want = { [LEVEL] = "aa", [RID] = hex("alice-mic") }
ma:setTrackProperties(mic, { rtpExtHeaders = want })

local rtrack
mb.onunknowntrack = function(u)
  local same = media.same(want, u.rtpExtHeaders)
  sim.event("page.unknowntrack", { ssrc = u.ssrc, ours = u.ssrc == ma:trackStats(mic).ssrc,
                                   extensions = same or "as sent" })
end
mb.onaddstream = function(st)
  rtrack = st:getTracks()[1]
  rtrack.onconnected = function() sim.event("page.track.connected", { track = rtrack.id }) end
end
sim.at(1, function() media.signal(call, "a", ma:getLocalDescription()) end)

expect.event { src = "bob", name = "unknowntrack", count = 1, within = { 0.08, 0.26 },
               args = { rtpExtHeaders = want } }
expect.event { name = "page.unknowntrack", args = { ours = true, extensions = "as sent" }, count = 1, within = { 0.08, 0.26 } }
expect.never { src = "bob", name = "addstream", within = { 0, 1.02 - 1e-9 } }
expect.event { src = "bob", name = "addstream", args = { stream = "alice-stream" }, count = 1, within = { 1.02, 1.02 } }
expect.event { src = "bob", name = "track.connected", args = { track = "alice-mic" }, count = 1, within = { 1.02, 1.04 } }
expect.event { src = "bob", name = "stream.connected", args = { stream = "alice-stream" }, count = 1, within = { 1.02, 1.04 } }
expect.event { name = "page.track.connected", count = 1, within = { 1.02, 1.04 } }
expect.sequence { { src = "bob", name = "unknowntrack" }, { src = "bob", name = "addstream" },
                  { src = "bob", name = "track.connected" } }
expect.never { name = "track.disconnected" }
-- kept from the first packet: everything since [0.08, 0.26], to T - L
expect.measure { "packets of the matched track at Bob", function() return mb:trackStats(rtrack).packets end,
                 min = math.floor((T - 0.01 - 0.26) * 50), max = math.floor((T - 0.08) * 50) + 1 }
expect.measure { "packets dropped at Bob", function()
  local n = 0
  for _, v in pairs(mb:stats().dropped) do n = n + v end
  return n
end, min = 0, max = 0 }
expect.capture { cap, golden = "media/unknown-track.bob.eth0.pcap", decrypted = "media/unknown-track.bob.eth0.decrypted.pcap" }
