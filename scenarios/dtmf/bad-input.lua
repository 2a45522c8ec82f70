-- Bad input to RTCDTMFTrack (issue 10, "Bad input"; D89-D92): each a Lua
-- error that names the argument or the state, and nothing sent. Alice
-- has a stream with a mic and a DTMF track, sent; a second DTMF track is
-- in no stream; a third in a stream added but not sent; a fourth in a
-- stream without audio.

scenario { name = "dtmf: bad input is refused, naming the argument", seed = 1, duration = 1,
           covers = { "spec:RTCDTMFTrack.constructor", "spec:RTCDTMFTrack.insertDTMF",
                      "spec:RTCDTMFTrack.toneBuffer" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }

local dtmf = RTCDTMFTrack { id = "alice-dtmf" }
local call = media.call { a = { host = alice, streams = { MediaStream { id = "alice-stream", tracks = {
                                  MediaStreamTrack { kind = "audio", id = "alice-mic" }, dtmf } } } },
                          b = { host = bob }, channel = { delay = 0.02 } }
local loose = RTCDTMFTrack { id = "loose" }
local unsent = RTCDTMFTrack { id = "unsent-dtmf" }
local added_not_sent = MediaStream { id = "later", tracks = { MediaStreamTrack { kind = "audio", id = "mic2" }, unsent } }
local video_only = MediaStream { id = "v", tracks = { MediaStreamTrack { kind = "video", id = "cam" },
                                                      RTCDTMFTrack { id = "v-dtmf" } } }

local cases = {
  { "tones not a string", function() dtmf:insertDTMF(123) end, "tones" },
  { "tones a table", function() dtmf:insertDTMF({ "1" }) end, "tones" },
  { "duration not a number", function() dtmf:insertDTMF("1", "long") end, "duration" },
  { "interToneGap not a number", function() dtmf:insertDTMF("1", 100, {}) end, "interToneGap" },
  { "a track in no stream", function() loose:insertDTMF("1") end, "InvalidStateError" },
  { "a track added, not sent", function() call.ma:addStream(added_not_sent); unsent:insertDTMF("1") end,
    "InvalidStateError" },
  { "a stream without audio", function() call.ma:addStream(video_only) end, "audio" },
  { "a DTMF track's id taken", function() RTCDTMFTrack { id = "alice-dtmf" } end, "alice-dtmf" },
}
local refused = 0
sim.at(0.5, function()
  for _, c in ipairs(cases) do
    local ok, err = pcall(c[2])
    assert(not ok, c[1] .. ": not refused")
    assert(tostring(err):find(c[3], 1, true), c[1] .. ": the message should name '" .. c[3] .. "': " .. tostring(err))
    assert(tostring(err):find("bad-input.lua:", 1, true), c[1] .. ": the message names the file and line: " .. tostring(err))
    refused = refused + 1
  end
  assert(dtmf.toneBuffer == "", "nothing was queued: " .. dtmf.toneBuffer)
end)
expect.measure { "refusals", function() return refused end, min = #cases, max = #cases }
expect.never { name = "dtmf.sent" }
expect.never { name = "dtmf.tone" }
