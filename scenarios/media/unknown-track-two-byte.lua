-- An unknown track whose header extensions take RFC 8285's two-byte form,
-- one of them unmapped at the receiver (issue 9: "rtpExtHeaders parsed
-- from the packets' RFC 8285 one-byte and two-byte header extensions (the
-- names come from the extmap ...; unmapped ids by number)"; D65).
--
-- Alice's extmap puts the RFC 6464 audio level at id 1 and the RFC 8852
-- RtpStreamId at id 20: an id above 14 has no one-byte form (RFC 8285
-- s.4.2), so every packet carries the two-byte block (s.4.3: the
-- "defined by profile" field 0x100 followed by 4 app bits, then id,
-- length, value). That header is in the clear under SRTP (RFC 3711 s.3.1:
-- only the payload is encrypted), so the capture shows it: bytes 13-14 of
-- Alice's RTP are 0x10 0x00. Bob's extmap knows id 1 only: his
-- onunknowntrack names the level by its URI and the stream id by "20".
-- Timing as in unknown-track.lua: the first packet after ICE and DTLS.

scenario { name = "media: an unknown track, two-byte header extensions, an unmapped id", seed = 1, duration = 1,
           covers = { "spec:RTCMediaSession.onunknowntrack", "spec:RTCTrackDescription.rtpExtHeaders",
                      "rfc8285:s4.3" } }
local media = require("media")

local LEVEL = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
local RID = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
local beth0 = bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(beth0)

local function hex(s) return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end)) end
local mic = MediaStreamTrack { kind = "audio", id = "alice-mic" }
local call = media.call { a = { host = alice, options = { extmap = { [LEVEL] = 1, [RID] = 20 } }, signal = false,
                                streams = { MediaStream { id = "alice-stream", tracks = { mic } } } },
                          b = { host = bob, options = { extmap = { [LEVEL] = 1 } } }, channel = { delay = 0.02 } }
call.ma:setTrackProperties(mic, { rtpExtHeaders = { [LEVEL] = "aa", [RID] = hex("alice-mic") } })

expect.event { src = "bob", name = "unknowntrack", count = 1, within = { 0.08, 0.26 },
               args = { rtpExtHeaders = { [LEVEL] = "aa", ["20"] = hex("alice-mic") } } }
expect.never { src = "bob", name = "addstream" }

-- the form on the wire: every RTP packet from Alice, X bit set and the
-- two-byte profile field. Her first packet leaves once DTLS is up (in
-- [0.07, 0.25] s, unknown-track.lua's window less the 10 ms path), then
-- one each 20 ms; the capture is read at 0.999 s.
local rtp, two_byte = 0, 0
sim.at(1 - 0.001, function()
  for i = 1, cap.count do
    local p = cap:packet(i)
    local b0, b1 = p.data:byte(1), p.data:byte(2)
    if p.src:match("^10%.0%.0%.1:") and b0 >= 128 and b0 <= 191 and not (b1 >= 200 and b1 <= 204) then
      rtp = rtp + 1
      if b0 & 0x10 ~= 0 and p.data:byte(13) == 0x10 and p.data:byte(14) & 0xf0 == 0x00 then
        two_byte = two_byte + 1
      end
    end
  end
end)
expect.measure { "Alice's RTP packets at Bob", function() return rtp end,
                 min = math.floor((0.999 - 0.01 - 0.25) * 50), max = math.floor((0.999 - 0.07) * 50) + 1 }
expect.measure { "of them in the two-byte form", function() return two_byte - rtp end, min = 0, max = 0 }
