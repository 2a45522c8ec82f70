-- setTrackProperties (spec: "setTrackProperties", its TODO: id, kind,
-- ssrc, msid cannot be modified).
--
-- Alice's audio track starts with the session's codecs (Opus 111, PCMU 0,
-- from the options, the example's hzRate/connections names read as
-- clockRate/numChannels). Each of id, kind, ssrc and msid is refused by
-- setTrackProperties with a message naming the key, and changes nothing;
-- codecs, mediaAttributes and rtpExtHeaders are applied: getLocalDescription
-- shows them, and Bob, given the track's description again (incremental,
-- filtered by msid), has them too.

scenario { name = "media: setTrackProperties refuses id, kind, ssrc, msid; applies codecs", seed = 1, duration = 2,
           covers = { "spec:RTCMediaSession.constructor", "spec:RTCMediaSession.setTrackProperties",
                      "spec:RTCMediaSession.getRemoteDescription", "spec:RTCMediaSessionOptions.codecs",
                      "spec:RTCMediaSessionOptions.mediaAttributes", "spec:RTCCodec.payload-id",
                      "spec:RTCCodec.name", "spec:RTCCodec.clockRate", "spec:RTCCodec.numChannels",
                      "spec:RTCCodec.params", "spec:RTCMediaAttributes.videoMaxWidth",
                      "spec:RTCMediaAttributes.videoMaxHeight", "spec:RTCTrackDescription.id",
                      "spec:RTCTrackDescription.kind", "spec:RTCTrackDescription.ssrc",
                      "spec:RTCTrackDescription.msid", "spec:RTCTrackDescription.codecs",
                      "spec:RTCTrackDescription.mediaAttributes", "spec:RTCTrackDescription.rtpExtHeaders" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }

local mic = MediaStreamTrack { kind = "audio", id = "a-mic" }
local cam = MediaStreamTrack { kind = "video", id = "a-cam" }
local s = MediaStream { id = "s1", tracks = { mic, cam } }
local options = {
  codecs = {
    { ["payload-id"] = 111, kind = "audio", name = "opus", hzRate = 48000, connections = 2,
      params = { { name = "minptime", value = "10" }, { name = "useinbandfec", value = "1" } } },
    { ["payload-id"] = 0, kind = "audio", name = "PCMU", clockRate = 8000 },
    { ["payload-id"] = 96, kind = "video", name = "VP8", clockRate = 90000 },
  },
  mediaAttributes = { { videoMaxWidth = 1280 }, { videoMaxHeight = 720 } },   -- the IDL's sequence
  extmap = { ["urn:ietf:params:rtp-hdrext:ssrc-audio-level"] = 1 },
}
local call = media.call { a = { host = alice, streams = { s }, options = options },
                          b = { host = bob }, channel = { delay = 0.02 } }
local ma, mb = call.ma, call.mb

-- the options as the IDL names them
local d0 = ma:getLocalDescription()["a-mic"]
assert(#d0.codecs == 2 and d0.codecs[1].clockRate == 48000 and d0.codecs[1].numChannels == 2,
       "hzRate/connections read as clockRate/numChannels")
assert(d0.codecs[1].hzRate == nil, "written with the IDL's names")
assert(d0.codecs[1].params[1].name == "minptime" and d0.codecs[1].params[1].value == "10", "params kept")
local v0 = ma:getLocalDescription()["a-cam"]
assert(v0.mediaAttributes.videoMaxWidth == 1280 and v0.mediaAttributes.videoMaxHeight == 720,
       "a sequence of mediaAttributes, written as one dictionary")

local refused = 0
local function refuse(key, value)
  local before = json.encode(ma:getLocalDescription())
  local ok, err = pcall(ma.setTrackProperties, ma, mic, { [key] = value })
  assert(not ok, "setTrackProperties of " .. key .. " must be refused")
  assert(err:find("'" .. key .. "'", 1, true), "the message names the key: " .. err)
  assert(json.encode(ma:getLocalDescription()) == before, "a refusal changes nothing")
  refused = refused + 1
  sim.event("refused", { key = key, message = err })
end

sim.at(1, function()
  refuse("id", "other")
  refuse("kind", "video")
  refuse("ssrc", "12345")
  refuse("msid", "s9")
  -- applied: the codecs (PCMU alone), and the audio-level extension
  ma:setTrackProperties(mic, { codecs = { { ["payload-id"] = 0, kind = "audio", name = "PCMU", clockRate = 8000 } },
                               rtpExtHeaders = { ["urn:ietf:params:rtp-hdrext:ssrc-audio-level"] = "aa" } })
  local d = ma:getLocalDescription()["a-mic"]
  assert(#d.codecs == 1 and d.codecs[1].name == "PCMU", "getLocalDescription shows the new codecs")
  assert(d.ssrc == d0.ssrc and d.msid == d0.msid and d.kind == "audio", "the rest unchanged")
  sim.event("applied", { codecs = #d.codecs, first = d.codecs[1]["payload-id"] })
  media.signal(call, "a", ma:getLocalDescription({ msid = "s1" }), true)
end)

sim.at(1.5, function()
  local r = mb:getRemoteDescription()["a-mic"]
  sim.event("bob.codecs", { n = #r.codecs, first = r.codecs[1].name,
                            level = r.rtpExtHeaders["urn:ietf:params:rtp-hdrext:ssrc-audio-level"] })
end)

for _, k in ipairs({ "id", "kind", "ssrc", "msid" }) do
  expect.event { name = "refused", args = { key = k }, count = 1, within = { 1, 1 } }
end
expect.event { name = "applied", args = { codecs = 1, first = 0 }, count = 1 }
expect.event { name = "bob.codecs", args = { n = 1, first = "PCMU", level = "aa" }, count = 1 }
-- the track's identity did not change on Bob's side: no removal, no second add
expect.never { src = "bob", name = "removetrack" }
expect.event { src = "bob", name = "addtrack", args = { track = "a-mic" }, count = 1 }
expect.measure { "refusals", function() return refused end, min = 4, max = 4 }
