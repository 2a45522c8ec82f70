-- An SSRC collision (RFC 3550 s.8.2; decisions.md D69) and a remote track
-- that connects again (D66).
--
-- Alice sends audio to Bob (LAN: 10 ms one way; signalling 20 ms). At
-- 1 s Bob's page signals a description of a track of his whose SSRC is
-- the one Alice's mic uses (as two random draws could make it). Alice,
-- on taking it (1.02 s), must give her source a new SSRC (s.8.2): she
-- logs ssrc-changed, and her BYE for the old SSRC disconnects her track
-- at Bob with reason "bye" when it lands (1.03 s). Her packets then come
-- from the new SSRC, which no description at Bob names: one unknowntrack
-- at her next packet (within 20 ms more). At 1.5 s her page signals her
-- description again, with the new SSRC; at 1.52 s Bob's track takes it,
-- and the next packet (within 20 ms, plus the 10 ms path) connects it
-- again (D66): two track.connected in all, the second in [1.52, 1.55].

scenario { name = "media: an SSRC collision, the new SSRC, the track connected again", seed = 1, duration = 2,
           covers = { "spec:RTCMediaSession.onunknowntrack", "spec:MediaStreamTrack.onconnected",
                      "spec:MediaStreamTrack.ondisconnected", "spec:RTCTrackDescription.ssrc",
                      "rfc3550:s8.2", "rfc3550:s6.6" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }

local mic = MediaStreamTrack { kind = "audio", id = "alice-mic" }
local call = media.call { a = { host = alice, streams = { MediaStream { id = "alice-stream", tracks = { mic } } } },
                          b = { host = bob }, channel = { delay = 0.02 } }
local ma, mb = call.ma, call.mb

local old_ssrc, new_ssrc
sim.at(1, function()
  old_ssrc = ma:trackStats(mic).ssrc      -- a decimal string, as in descriptions (D73)
  media.signal(call, "b", { ["bob-mic"] = { id = "bob-mic", kind = "audio", ssrc = old_ssrc,
    msid = "bob-stream", codecs = { { ["payload-id"] = 0, kind = "audio", name = "PCMU", clockRate = 8000 } } } }, true)
end)
sim.at(1.5, function()
  new_ssrc = ma:trackStats(mic).ssrc
  media.signal(call, "a", ma:getLocalDescription(), true)
end)

expect.event { src = "bob", name = "track.connected", args = { track = "alice-mic" }, count = 1, within = { 0, 1 } }
expect.event { src = "alice", name = "ssrc-changed", args = { track = "alice-mic" }, count = 1, within = { 1.02, 1.02 } }
expect.event { src = "bob", name = "track.disconnected", args = { track = "alice-mic", reason = "bye" },
               count = 1, within = { 1.03, 1.031 } }
expect.event { src = "bob", name = "unknowntrack", count = 1, within = { 1.03, 1.051 } }
expect.event { src = "bob", name = "track.connected", args = { track = "alice-mic" }, count = 1, within = { 1.52, 1.55 } }
expect.sequence { { src = "alice", name = "ssrc-changed" }, { src = "bob", name = "track.disconnected" },
                  { src = "bob", name = "unknowntrack" }, { src = "bob", name = "track.connected" } }
expect.measure { "the new SSRC differs from the old", function()
  return (new_ssrc and old_ssrc and new_ssrc ~= old_ssrc) and 1 or 0 end, min = 1, max = 1 }
expect.measure { "Bob's description of Alice's track has the new SSRC", function()
  local d = mb:getRemoteDescription()["alice-mic"]
  return (d and d.ssrc == new_ssrc) and 1 or 0 end, min = 1, max = 1 }
