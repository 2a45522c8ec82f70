-- Bad input to the media API (issue 9, "Bad input"): each is a Lua error
-- naming the field, and changes nothing.
--
-- Bob holds Alice's description of s1 (a-mic, a-cam). At 1 s every bad
-- call below is made under pcall: its message must hold the words given
-- (the field, the track, the exception), and Bob's remote description
-- and Alice's local one must be as before. A case that is not refused,
-- or refused for another reason, stops the scenario with its name.

scenario { name = "media: bad input is refused, naming the field, changing nothing", seed = 1, duration = 2,
           covers = { "spec:RTCMediaSession.constructor", "spec:RTCMediaSession.setRemoteDescription",
                      "spec:RTCMediaSession.addStream", "spec:RTCMediaSession.removeStream",
                      "spec:RTCMediaSession.sendStream", "spec:RTCMediaSession.sendTrack",
                      "spec:RTCMediaSession.addConnection", "spec:RTCMediaSession.removeConnection",
                      "spec:RTCMediaSession.close", "spec:RTCMediaSessionOptions.mediaAttributes",
                      "spec:RTCMediaAttributes.videoMaxWidth", "spec:RTCTrackDescription.id",
                      "spec:RTCTrackDescription.kind", "spec:RTCTrackDescription.ssrc",
                      "spec:RTCTrackDescription.msid", "spec:RTCTrackDescription.connection-id",
                      "spec:RTCTrackDescription.codecs", "spec:RTCTrackDescription.rtpExtHeaders",
                      "spec:RTCTrackDescription.delete", "spec:RTCCodec.payload-id", "spec:RTCCodec.kind",
                      "spec:RTCCodec.clockRate", "spec:RTCConnectionDescription.fingerprints", "rfc8122:s5" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }

local mic = MediaStreamTrack { kind = "audio", id = "a-mic" }
local cam = MediaStreamTrack { kind = "video", id = "a-cam" }
local s1 = MediaStream { id = "s1", tracks = { mic, cam } }
local call = media.call { a = { host = alice, streams = { s1 } }, b = { host = bob },
                          channel = { delay = 0.02 } }
local ma, mb = call.ma, call.mb

-- a good new track, with the fields of over changed and the field without left out
local function track(over, without)
  local t = { id = "x1", kind = "audio", ssrc = "7", msid = "sx",
              codecs = { { ["payload-id"] = 0, kind = "audio", name = "PCMU", clockRate = 8000 } } }
  for k, v in pairs(over or {}) do t[k] = v end
  if without then t[without] = nil end
  return t
end
local function set(d, incremental) return function() mb:setRemoteDescription(d, incremental) end end
local function codec(c) return set({ x1 = track({ codecs = { c } }) }) end

-- an answerer's RTCConnection made from a description with these fingerprints
local function hexpairs(n) return ("AB:"):rep(n - 1) .. "AB" end
local function desc_with(fps)
  return function()
    RTCConnection(bob:RTCSocket(), { ["connection-id"] = "fp-case", usefrag = "abcd",
                                     secret = "0123456789012345678901", fingerprints = fps })
  end
end

local cases = {
  -- malformed descriptions
  { "missing id (empty key)", set({ [""] = track({}, "id") }), "missing id" },
  { "missing id (a list, not keyed)", set({ track() }), "keys must be strings" },
  { "id differs from its key", set({ x1 = track({ id = "x2" }) }), "field 'id' is 'x2', but the track is keyed by 'x1'" },
  { "missing kind", set({ x1 = track({}, "kind") }), "missing 'kind'" },
  { "missing msid", set({ x1 = track({}, "msid") }), "missing 'msid'" },
  { "kind of the wrong type", set({ x1 = track({ kind = false }) }), "field 'kind' must be a string, got boolean" },
  { "ssrc not decimal", set({ x1 = track({ ssrc = "12ab" }) }), "field 'ssrc' must be a decimal number" },
  { "ssrc negative", set({ x1 = track({ ssrc = "-1" }) }), "field 'ssrc'" },
  { "ssrc past 32 bits", set({ x1 = track({ ssrc = "4294967296" }) }), "field 'ssrc'" },
  { "ssrc a number", set({ x1 = track({ ssrc = 7 }) }), "field 'ssrc' must be a string" },
  { "duplicate ssrc", set({ x1 = track(), x2 = track({ id = "x2" }) }), "ssrc 7" },
  { "ssrc of a track Bob has", function()
      mb:setRemoteDescription({ x1 = track({ ssrc = mb:getRemoteDescription()["a-mic"].ssrc }) }, true) end,
    "is track 'a-mic''s too" },
  { "unknown connection-id", set({ x1 = track({ ["connection-id"] = "nope" }) }), "connection-id 'nope'" },
  { "codec without payload-id", codec({ kind = "audio", name = "PCMU" }), "codecs[1]: field 'payload-id' is missing" },
  { "payload-id 128", codec({ ["payload-id"] = 128, kind = "audio" }), "field 'payload-id' must be 0 to 127, got 128" },
  { "payload-id -1", codec({ ["payload-id"] = -1, kind = "audio" }), "field 'payload-id' must be 0 to 127, got -1" },
  { "codec kind text", codec({ ["payload-id"] = 0, kind = "text" }), "codecs[1]: field 'kind' must be" },
  { "clockRate and hzRate", codec({ ["payload-id"] = 0, kind = "audio", clockRate = 8000, hzRate = 8000 }), "not both" },
  { "kind other than audio/video/dtmf", set({ x1 = track({ kind = "text" }) }), "track 'x1': field 'kind' must be 'audio', 'video' or 'dtmf', got 'text'" },
  { "unknown key", set({ x1 = track({ colour = "red" }) }), "track 'x1': unknown field 'colour'" },
  { "unknown key, a typo", set({ x1 = track({ ssrcc = "1" }) }), "unknown field 'ssrcc' (did you mean 'ssrc'?)" },
  { "codecs not a list", set({ x1 = track({ codecs = 5 }) }), "field 'codecs' must be a list" },
  { "delete not a boolean", set({ ["a-mic"] = { delete = "yes" } }, true), "field 'delete' must be a boolean" },
  { "delete in full mode", set({ ["a-mic"] = { delete = true } }), "field 'delete' is for incremental mode" },
  { "rtpExtHeaders value not hex", set({ x1 = track({ rtpExtHeaders = { ["1"] = "zz" } }) }), "bytes in hex" },
  { "incremental not a boolean", set({}, "yes"), "incremental must be a boolean" },
  -- local media
  { "a track of kind dtmf", function() MediaStreamTrack { kind = "dtmf" } end, "field 'kind' must be 'audio' or 'video'" },
  { "fps on an audio track", function() MediaStreamTrack { kind = "audio", fps = 30 } end, "'fps' is for video tracks" },
  { "a track id taken", function() MediaStreamTrack { kind = "audio", id = "a-mic" } end, "id 'a-mic' is taken" },
  { "a stream of a non-track", function() MediaStream { tracks = { 5 } } end, "tracks[1]: a MediaStreamTrack, got number" },
  { "codecs of the wrong kind for the track", function()
      ma:setTrackProperties(mic, { codecs = { { ["payload-id"] = 96, kind = "video", name = "VP8" } } }) end, "codecs" },
  -- calls in the wrong state
  { "sendTrack of a track not added", function() ma:sendTrack(MediaStreamTrack { kind = "audio" }) end,
    "InvalidStateError: sendTrack: track 'track-1' is in no stream added" },
  { "removeStream of an unknown stream", function() ma:removeStream(MediaStream {}) end,
    "InvalidStateError: removeStream: stream 'stream-1' was not added" },
  { "sendStream with a number flag", function() ma:sendStream(s1, 0) end, "the flag must be a boolean" },
  { "addStream twice", function() ma:addStream(s1) end, "stream 's1' is added already" },
  { "addConnection of a socket", function() ma:addConnection(alice:RTCSocket()) end, "an RTCConnection, got RTCSocket" },
  { "removeConnection while tracks ride it", function() ma:removeConnection(call.a) end, "InvalidStateError: removeConnection" },
  { "a remote track to sendTrack", function() mb:sendTrack(mb:getReceivingStreams()[1]:getTracks()[1]) end, "got a remote one" },
  -- fingerprints (RFC 8122 s.5, D44): the RTCConnection's description
  { "fingerprint without a hash name", desc_with({ "AB:CD" }), "fingerprints[1]: 'AB:CD' is not \"hash HEX:HEX...\"" },
  { "fingerprint with md5", desc_with({ "md5 " .. hexpairs(16) }), "fingerprints[1]: 'md5 " },
  { "fingerprint too short for its hash", desc_with({ "sha-256 AB:CD" }), "a sha-256 fingerprint is 32 hex pairs" },
  { "fingerprint with a bad digit", desc_with({ "sha-256 " .. hexpairs(32):gsub("^A", "G") }),
    "character 9 of the fingerprint is 'G', expected a hex digit" },
  { "second fingerprint bad", desc_with({ "sha-256 " .. hexpairs(32), "sha-1 " .. hexpairs(19) }), "fingerprints[2]" },
  { "fingerprint not a string", desc_with({ 5 }), "fingerprints[1] must be a string" },
  { "fingerprints not a list", desc_with("sha-256"), "field 'fingerprints' must be a list" },
  { "setRemoteDescription with a bad fingerprint", function()
      local d = call.b:getLocalDescription()
      d.fingerprints = { "sha-256 " .. hexpairs(31) }
      call.a:setRemoteDescription(d) end, "a sha-256 fingerprint is 32 hex pairs" },
  -- options
  { "options: extmap id twice", function() alice:RTCMediaSession { extmap = { a = 1, b = 1 } } end, "id 1 is 'a''s already" },
  { "options: mediaAttributes that disagree", function()
      alice:RTCMediaSession { mediaAttributes = { { videoMaxWidth = 640 }, { videoMaxWidth = 320 } } } end, "field 'videoMaxWidth' is 320" },
  { "options: unknown key", function() alice:RTCMediaSession { codec = {} } end, "unknown field 'codec' (did you mean 'codecs'?)" },
}

local refused = 0
sim.at(1, function()
  for _, c in ipairs(cases) do
    local name, fn, words = c[1], c[2], c[3]
    if words then
      local remote, loc = json.encode(mb:getRemoteDescription()), json.encode(ma:getLocalDescription())
      local ok, err = pcall(fn)
      assert(not ok, name .. ": not refused")
      assert(err:find(words, 1, true), name .. ": the message should hold '" .. words .. "': " .. err)
      assert(err:find("bad-input.lua:", 1, true), name .. ": the message names the file and line: " .. err)
      assert(json.encode(mb:getRemoteDescription()) == remote, name .. ": Bob's remote description changed")
      assert(json.encode(ma:getLocalDescription()) == loc, name .. ": Alice's local description changed")
      refused = refused + 1
      sim.event("refused", { case = name })
    end
  end
  -- after close(), every method but the getters refuses
  ma:close()
  for _, m in ipairs({ "addStream", "removeStream", "sendStream", "sendTrack", "setRemoteDescription",
                       "setTrackProperties", "addConnection", "removeConnection", "close" }) do
    local ok, err = pcall(ma[m], ma, s1)
    assert(not ok and err:find("InvalidStateError: " .. m .. ": the RTCMediaSession is closed", 1, true),
           m .. " after close: " .. tostring(err))
    refused = refused + 1
  end
  assert(ma:getLocalDescription() and ma:getConnections(), "getters still answer after close")
  sim.event("closed-refusals")
end)

expect.event { name = "refused", count = #cases }
expect.event { name = "closed-refusals", count = 1 }
expect.measure { "refusals", function() return refused end, min = #cases + 9, max = #cases + 9 }
