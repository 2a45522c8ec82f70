-- RTCDTMFTrack's read-only attributes id and label (spec: RTCDTMFTrack),
-- the remote track's kind and id as the description carries them, and a
-- session whose codecs have no telephone-event (RFC 4733 s.7.1.1): its
-- DTMF track cannot play, and insertDTMF says why.
--
-- Alice's first call has the default codecs (opus and telephone-event,
-- D92); her second session's options list opus alone.
scenario { name = "dtmf: id and label, the remote track, no telephone-event codec", seed = 1, duration = 1,
           covers = { "spec:RTCDTMFTrack.constructor", "spec:RTCDTMFTrack.id", "spec:RTCDTMFTrack.label",
                      "rfc4733:s7.1.1" } }

local media = require("media")
local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }

local named = RTCDTMFTrack { id = "alice-dtmf", label = "keypad" }
local plain = RTCDTMFTrack {}
local call = media.call { a = { host = alice, streams = { MediaStream { id = "a-stream", tracks = {
                                  MediaStreamTrack { kind = "audio", id = "a-mic" }, named } } } },
                          b = { host = bob }, channel = { delay = 0.02 } }
local remote
call.mb.onaddstream = function(st)
  for _, t in ipairs(st:getTracks()) do
    if t.kind == "dtmf" then remote = t end
  end
end

-- read only: a page cannot set them
local function set(t, k, v) t[k] = v end
local ro = 0
for _, k in ipairs({ "id", "label", "toneBuffer", "duration", "interToneGap" }) do
  if not pcall(set, named, k, "x") then ro = ro + 1 end
end

-- a session with no telephone-event codec
local opus_only = alice:RTCMediaSession { codecs = { { ["payload-id"] = 111, kind = "audio", name = "opus", clockRate = 48000, numChannels = 2 } } }
local lonely = RTCDTMFTrack { id = "no-codec-dtmf" }
local st = MediaStream { id = "opus-only", tracks = { MediaStreamTrack { kind = "audio", id = "a-mic3" }, lonely } }
opus_only:addStream(st)
opus_only:sendStream(st)
local ok, err = pcall(lonely.insertDTMF, lonely, "1")

expect.measure { "id as given", named.id == "alice-dtmf" and 1 or 0, min = 1, max = 1 }
expect.measure { "label as given", named.label == "keypad" and 1 or 0, min = 1, max = 1 }
expect.measure { "a default id, an empty label", (type(plain.id) == "string" and #plain.id > 0 and plain.id ~= named.id
                 and plain.label == "") and 1 or 0, min = 1, max = 1 }
expect.measure { "kind dtmf", named.kind == "dtmf" and 1 or 0, min = 1, max = 1 }
expect.measure { "attributes a page cannot set", ro, min = 5, max = 5 }
expect.measure { "Bob's remote track: kind dtmf, Alice's id", function()
  return (remote and remote.kind == "dtmf" and remote.id == "alice-dtmf") and 1 or 0 end, min = 1, max = 1 }
expect.measure { "insertDTMF without telephone-event refused, saying so", (not ok and tostring(err):find("telephone-event", 1, true))
                 and 1 or 0, min = 1, max = 1 }
