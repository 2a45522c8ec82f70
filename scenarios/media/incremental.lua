-- Remote descriptions, incremental and full (spec: setRemoteDescription,
-- "Usage of setRemoteDescription with incremental mode", the filter).
--
-- Alice sends; Bob receives. Her whole description reaches him at 0.02 s
-- (stream "s1": a-mic, a-cam). Then, each signalled as JSON over the
-- channel (20 ms):
--   1 s  she adds stream "s2" (a-screen) and signals only it, by the
--        msid filter: incremental; Bob: addstream s2, addtrack a-screen
--   2 s  she stops a-cam and signals { a-cam = { delete = true } }: Bob
--        removes the track; s1 keeps a-mic, so no removestream
--   3 s  the same for a-mic: the last track of s1, so removetrack and
--        then removestream s1 (the spec's example)
--   4 s  a full description of s3 (a-talk) alone: whatever Bob had that
--        it does not name (s2) is removed, then s3 is added
-- Every description Bob takes is the one Alice sent, through JSON
-- unchanged (getRemoteDescription equals it), hyphenated keys included.

scenario { name = "media: incremental and full remote descriptions, filters", seed = 1, duration = 5,
           covers = { "spec:RTCMediaSession.getLocalDescription",
                      "spec:RTCMediaSession.setRemoteDescription",
                      "spec:RTCMediaSession.getRemoteDescription",
                      "spec:RTCMediaSession.getReceivingStreams", "spec:RTCMediaSession.addStream",
                      "spec:RTCMediaSession.removeStream", "spec:RTCMediaSession.onaddstream",
                      "spec:RTCMediaSession.onremovestream", "spec:RTCTrackDescription.delete",
                      "spec:RTCMediaSessionDescriptionFilter.msid",
                      "spec:RTCMediaSessionDescriptionFilter.connection-id" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }

local mic = MediaStreamTrack { kind = "audio", id = "a-mic" }
local cam = MediaStreamTrack { kind = "video", id = "a-cam", fps = 15, bitrate = 300000 }
local s1 = MediaStream { id = "s1", tracks = { mic, cam } }
local screen = MediaStreamTrack { kind = "video", id = "a-screen", fps = 5, bitrate = 200000 }
local s2 = MediaStream { id = "s2", tracks = { screen } }
local talk = MediaStreamTrack { kind = "audio", id = "a-talk" }
local s3 = MediaStream { id = "s3", tracks = { talk } }

local call = media.call { a = { host = alice, streams = { s1 } }, b = { host = bob },
                          channel = { delay = 0.02 } }
local ma, mb = call.ma, call.mb

-- what Bob took must be what Alice sent, after JSON (mismatches counted)
local mismatches, checked = 0, 0
call.onremote = function(side, d, incremental)
  if side ~= "b" then return end
  for id, td in pairs(d) do
    if not td.delete then
      checked = checked + 1
      local got = mb:getRemoteDescription({ msid = td.msid })[id]
      local diff = media.same(json.decode(json.encode(td)), got)
      if diff then
        mismatches = mismatches + 1
        print("mismatch " .. diff)
      end
    end
  end
end

local added, removed = {}, {}
mb.onaddstream = function(st)
  added[#added + 1] = st.id
  st.onremovetrack = function(t) sim.event("page.removetrack", { stream = st.id, track = t.id }) end
end
mb.onremovestream = function(st) removed[#removed + 1] = st.id end

sim.at(1, function()
  ma:addStream(s2)
  ma:sendStream(s2)
  local only = ma:getLocalDescription({ msid = "s2" })
  local n = 0
  for id in pairs(only) do n = n + 1; assert(id == "a-screen", "the msid filter gives s2's track only") end
  assert(n == 1, "one track in s2")
  -- the connection-id filter: every track rides the one connection
  local all = ma:getLocalDescription({ ["connection-id"] = call.a.id })
  assert(all["a-mic"] and all["a-cam"] and all["a-screen"], "the connection-id filter gives every track")
  assert(next(ma:getLocalDescription({ ["connection-id"] = "nope" })) == nil, "an unknown connection-id gives none")
  media.signal(call, "a", only, true)
end)
sim.at(2, function()
  ma:sendTrack(cam, false)
  media.signal(call, "a", { ["a-cam"] = { delete = true } }, true)
end)
sim.at(2.5, function()
  local rest = mb:getRemoteDescription({ msid = "s1" })
  assert(rest["a-mic"] and not rest["a-cam"], "s1 keeps a-mic only")
  local st = mb:getReceivingStreams()
  assert(#st == 2 and st[1].id == "s1" and st[2].id == "s2", "s1 and s2 are received")
  assert(#st[1]:getTracks() == 1 and st[1]:getTracks()[1].id == "a-mic", "s1's one track")
  assert(st[1] == mb:getReceivingStreams()[1], "the same object each time")
end)
sim.at(3, function()
  ma:removeStream(s1)
  media.signal(call, "a", { ["a-mic"] = { delete = true } }, true)
end)
sim.at(4, function()
  ma:removeStream(s2)
  ma:addStream(s3)
  ma:sendStream(s3)
  media.signal(call, "a", ma:getLocalDescription())     -- full mode
end)

local bob_ = { src = "bob" }
local function at(name, args) return { src = "bob", name = name, args = args } end
expect.sequence {
  at("addstream", { stream = "s1" }),
  at("addtrack", { stream = "s1", track = "a-cam" }),
  at("addstream", { stream = "s2" }),
  at("addtrack", { stream = "s2", track = "a-screen" }),
  at("removetrack", { stream = "s1", track = "a-cam" }),
  at("removetrack", { stream = "s1", track = "a-mic" }),
  at("removestream", { stream = "s1" }),
  at("removetrack", { stream = "s2", track = "a-screen" }),
  at("removestream", { stream = "s2" }),
  at("addstream", { stream = "s3" }),
  at("addtrack", { stream = "s3", track = "a-talk" }),
}
-- both tracks of s1 with its addstream (the description lands whole)
expect.event { src = "bob", name = "addtrack", args = { stream = "s1" }, count = 2, within = { 0.02, 0.02 } }
expect.event { src = "bob", name = "addstream", args = { stream = "s2" }, count = 1, within = { 1.02, 1.02 } }
expect.event { src = "bob", name = "removetrack", args = { track = "a-cam" }, count = 1, within = { 2.02, 2.02 } }
-- s1 still has a-mic at 2 s: removed only at 3 s, with its last track
expect.event { src = "bob", name = "removestream", args = { stream = "s1" }, count = 1, within = { 3.02, 3.02 } }
expect.event { src = "bob", name = "removestream", args = { stream = "s2" }, count = 1, within = { 4.02, 4.02 } }
expect.event { src = "bob", name = "addstream", count = 3 }
expect.event { src = "bob", name = "removestream", count = 2 }
-- the remote stream's onremovetrack saw each removal
expect.event { name = "page.removetrack", count = 3 }
expect.never { src = "alice", name = "addstream" }
expect.measure { "descriptions checked after JSON", function() return checked end, min = 4, max = 4 }
expect.measure { "descriptions changed by JSON", function() return mismatches end, min = 0, max = 0 }
expect.measure { "streams bob was told of", function() return #added end, min = 3, max = 3 }
