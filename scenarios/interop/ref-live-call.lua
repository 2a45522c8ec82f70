-- ref/ behind the live bridge against ref/ simulated, a media call on a
-- LAN (issue 12): Alice is ref/ in the simulator, the offerer; Bob is
-- build/ref.so served by build/rtcsim-live (docs/live.md) on a live host:
-- in its own network namespace, in real time, driven through the control
-- protocol, its RTCMediaSession the program's (sim/lua/live_media.c).
-- Each sends one stream of an audio track (Opus), a video track (VP8, 30
-- fps, 500 kbit/s) and an RTCDTMFTrack, over one RTCConnection, with
-- the expectations of media/call-lan.lua and dtmf/defaults.lua; windows
-- are theirs, widened by the live tolerance T = 0.5 s (docs/live.md: a
-- process's start and the scheduler) where Bob's side is in them.
--
-- The times (call-lan.lua's derivation): each access link is 5 ms, so
-- L = 10 ms host to host, R = 20 ms a round trip; the channel 20 ms.
--   addstream   Bob at 0.02 (Alice's offer), Alice at 0.04 (Bob's
--               answer, sent when the offer lands): + T at Bob's side.
--   tracks      connect in [0.08, 0.27] (DTLS two round trips after the
--               ICE pair, RFC 6347 s.4.2.1; the first RTP packet within
--               20 ms and L) + T; a stream with its first track.
--   DTMF        at t0 = 1.5 s each side inserts three tones of D = 1000 ms
--               with a gap G = 60 ms (spec, "insertDTMF"; D86, D93): tone
--               k leaves at t0 + k * (ceil(D / 50) + 1) * 50 ms + k * G,
--               its end packet at start + (ceil(D / 50) - 1) * 50 ms. The
--               receiver reports it when its first end packet lands (RFC
--               4733 s.2.5.2), with the duration the packets carry: D
--               exactly (units = D * 48 at pt 110's 48 kHz, s.2.5.1.3;
--               the sender's count, not a clock's), its start the first
--               packet's arrival. Alice (simulated) sends on time to the
--               ns; Bob starts within T of the request. The tones are long
--               so that a start dated by the report's line rather than by
--               its first packet (age, docs/live.md) is off by D - 50 ms,
--               more than T.
--   BYE         at 5.5 s each side stops its video (sendTrack(cam, false):
--               a BYE for its SSRC, RFC 3550 s.6.6, ref/media.c), and the
--               other's remote cam disconnects with reason "bye" within
--               [5.5 + L, 5.5 + L + T]; at 6 s Bob closes (close(): a BYE
--               for every source it sends), and Alice's remote mic and
--               stream disconnect within [6 + L, 6 + L + T].
--   packets     received from a track's connecting at c (in the window
--               above, [c0, c1]) to S = 5 s, when the stats are taken: those
--               due in [c - L, S - L] (call-lan.lua). Audio: 50/s, held
--               while a tone plays (D93: from its first packet to its last,
--               (ceil(D / 50) + 1) * 50 ms = 1.05 s, 52 or 53 packets a
--               tone): floor((S - L - c1) * 50) - 3 * 53 .. floor((S - c0)
--               * 50) + 1 - 3 * 52. Video: 30 frames/s of two packets, a key
--               frame 8 more (D52), at most two key frames by S (frames 0
--               and 90): 2 floor((S - L - c1) * 30) .. 2 (floor((S - c0) *
--               30) + 1) + 2 * 2 * 8.

local Tol = 0.5     -- the live tolerance (docs/live.md)
local D, G, t0 = 1000, 60, 1.5
local t_stats, t_stop, t_close = 5, 5.5, 6
scenario { name = "interop: ref/ live (build/rtcsim-live) against ref/, audio, video and DTMF on a LAN",
           seed = 1, duration = 6.5 }
local media = require("media")
local dc = require("dtmfcall")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob", run = { "build/rtcsim-live", "--impl", "build/ref.so" }, control = true }
local bob_if = bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap_a = net.capture(eth0)
local cap_b = net.capture(bob_if)

local dtmf, cams = {}, {}
local function av(who)
  dtmf[who] = RTCDTMFTrack { id = who .. "-dtmf" }
  cams[who] = MediaStreamTrack { kind = "video", id = who .. "-cam", fps = 30, bitrate = 500000 }
  return MediaStream { id = who .. "-stream", tracks = {
    MediaStreamTrack { kind = "audio", id = who .. "-mic" },
    cams[who],
    dtmf[who] } }
end
local call = media.call { a = { host = alice, streams = { av("alice") } },
                          b = { host = bob, streams = { av("bob") } }, channel = { delay = 0.02 } }

local remote, tones = {}, { a = {}, b = {} }
for _, side in ipairs({ "a", "b" }) do
  call["m" .. side].onaddstream = function(st)
    st.onconnected = function() sim.event("page.stream.connected", { side = side, stream = st.id }) end
    for _, t in ipairs(st:getTracks()) do
      remote[t.id] = { side = side, track = t, stream = st }
      t.onconnected = function() sim.event("page.track.connected", { side = side, track = t.id }) end
      t.ondisconnected = function(why) sim.event("page.track.disconnected", { side = side, track = t.id }) end
      if t.kind == "dtmf" then
        t.ontone = function(e) tones[side][#tones[side] + 1] = { e = e, at = sim.now() } end
      end
    end
  end
end

sim.at(t0, function()
  dtmf.alice:insertDTMF("12#", D, G)
  dtmf.bob:insertDTMF("*90", D, G)
end)
-- setTrackProperties changes only the keys given (the spec: id, kind,
-- ssrc and msid cannot change): Bob's cam keeps its kind and stream
local cam_desc
sim.at(0.5, function()
  call.mb:setTrackProperties(cams.bob, { mediaAttributes = { videoMaxWidth = 640, videoMaxHeight = 360 } })
  cam_desc = call.mb:getLocalDescription({ msid = "bob-stream" })["bob-cam"]
end)
-- Bob's RTCDTMFTrack attributes (dtmfState) while his first tone plays:
-- the first character taken (D91), the rest buffered
local attrs
sim.at(t0 + D / 2000, function() attrs = { dtmf.bob.toneBuffer, dtmf.bob.duration, dtmf.bob.interToneGap } end)
local stats, lists = {}, {}
sim.at(t_stats, function()
  for id, r in pairs(remote) do stats[id] = call["m" .. r.side]:trackStats(r.track) end
  -- Bob's getters give back the scenario's objects (the same userdata)
  local cs, snd, rcv = call.mb:getConnections(), call.mb:getSendingStreams(), call.mb:getReceivingStreams()
  lists.conn = #cs == 1 and cs[1] == call.b
  lists.sending = #snd == 1 and snd[1].id == "bob-stream" and snd[1] == call.mb:getSendingStreams()[1]
  lists.receiving = #rcv == 1 and rcv[1].id == "alice-stream" and rcv[1] == remote["alice-mic"].stream
end)
for _, st in ipairs({ "alice", "bob" }) do
  sim.at(t_stop, function() call["m" .. (st == "alice" and "a" or "b")]:sendTrack(cams[st], false) end)
end
sim.at(t_close, function() call.mb:close() end)

local L, R = 0.01, 0.02
local rtp_at = { 0.08, 0.27 + Tol }
-- the offer, the answer
expect.event { src = "bob", name = "addstream", args = { stream = "alice-stream" }, count = 1, within = { 0.02, 0.02 + Tol } }
expect.event { src = "alice", name = "addstream", args = { stream = "bob-stream" }, count = 1, within = { 0.04, 0.04 + Tol } }
expect.event { src = "bob", name = "addtrack", args = { stream = "alice-stream" }, count = 3 }
expect.event { src = "alice", name = "addtrack", args = { stream = "bob-stream" }, count = 3 }
expect.event { src = "alice", name = "connected", count = 1, within = { 0.04, 0.2 + Tol } }
expect.event { src = "bob", name = "connected", count = 1, within = { 0.04, 0.2 + Tol } }
for _, t in ipairs({ { "bob", "alice" }, { "alice", "bob" } }) do
  for _, k in ipairs({ "mic", "cam" }) do
    expect.event { src = t[1], name = "track.connected", args = { stream = t[2] .. "-stream", track = t[2] .. "-" .. k },
                   count = 1, within = rtp_at }
  end
  expect.event { src = t[1], name = "stream.connected", args = { stream = t[2] .. "-stream" }, count = 1, within = rtp_at }
  expect.sequence { { src = t[1], name = "addstream" }, { src = t[1], name = "connected" },
                    { src = t[1], name = "track.connected" }, { src = t[1], name = "stream.connected" } }
end
expect.event { name = "page.stream.connected", count = 2 }
expect.never { name = "dtlsfailed" }
expect.never { name = "unknowntrack" }
expect.never { name = "stream.disconnected", within = { 0, t_close } }
expect.never { name = "track.disconnected", args = { reason = "timeout" } }

-- DTMF each way
local function expect_tones(from, to, side, digits)
  local sched = dc.schedule(t0, digits, D, G)
  local seq = {}
  for _, e in ipairs(sched) do
    local late = from == "bob" and Tol or 0
    expect.event { src = from, name = "dtmf.sent", args = { digit = e.digit, duration = D }, count = 1,
                   within = { e.sent, e.sent + late } }
    -- Bob's reports come from his program's line: its `age` dates the
    -- start; the event itself is late by what the pipe and the pacer take
    expect.event { src = to, name = "dtmf.tone", args = { digit = e.digit, duration = D, units = D * 48, ended = true },
                   count = 1, within = { e.first_end + L, e.first_end + L + Tol } }
    seq[#seq + 1] = { src = to, name = "dtmf.tone", args = { digit = e.digit } }
  end
  expect.sequence(seq)
  expect.event { src = to, name = "dtmf.tone", count = #sched }
  for k, e in ipairs(sched) do
    expect.measure { "tone " .. k .. " (" .. e.digit .. ") at " .. to .. ": its start less its sending (s)", function()
      local t = tones[side][k]
      return t and t.e.digit == e.digit and t.e.start - e.sent or -1
    end, min = L - 1e-6, max = L + Tol }
  end
end
expect_tones("alice", "bob", "b", "12#")
expect_tones("bob", "alice", "a", "*90")

expect.measure { "Bob's toneBuffer as his first tone plays is \"90\"", function()
  return attrs and attrs[1] == "90" and 1 or 0 end, min = 1, max = 1 }
expect.measure { "Bob's RTCDTMFTrack duration", function() return attrs and attrs[2] or -1 end, min = D, max = D }
expect.measure { "Bob's RTCDTMFTrack interToneGap", function() return attrs and attrs[3] or -1 end, min = G, max = G }
expect.measure { "Bob's cam after setTrackProperties: video of bob-stream, 640x360", function()
  local d = cam_desc
  return d and d.kind == "video" and d.msid == "bob-stream" and d.mediaAttributes and
         d.mediaAttributes.videoMaxWidth == 640 and d.mediaAttributes.videoMaxHeight == 360 and 1 or 0
end, min = 1, max = 1 }
for _, k in ipairs({ "conn", "sending", "receiving" }) do
  expect.measure { "Bob's session lists the scenario's objects: " .. k, function() return lists[k] and 1 or 0 end,
                   min = 1, max = 1 }
end

-- packets by S
local held = (math.ceil(D / 50) + 1) * 0.05 * 50    -- audio packets a tone holds, 52.5
for _, id in ipairs({ "alice-mic", "alice-cam", "bob-mic", "bob-cam" }) do
  local c0, c1 = rtp_at[1], rtp_at[2]
  local lo, hi
  if id:match("mic$") then
    lo = math.floor((t_stats - L - c1) * 50) - 3 * math.ceil(held)
    hi = math.floor((t_stats - c0) * 50) + 1 - 3 * math.floor(held)
  else
    lo, hi = 2 * math.floor((t_stats - L - c1) * 30), 2 * (math.floor((t_stats - c0) * 30) + 1) + 2 * 2 * 8
  end
  expect.measure { "RTP of " .. id .. " received by " .. t_stats .. " s", function()
    return stats[id] and stats[id].packets or -1
  end, min = lo, max = hi }
end

-- BYE: Alice's stopped cam, seen by Bob's program; Bob's stopped cam and
-- his close(), seen by Alice
expect.event { src = "bob", name = "track.disconnected", args = { track = "alice-cam", reason = "bye" }, count = 1,
               within = { t_stop + L, t_stop + L + Tol } }
expect.event { src = "alice", name = "track.disconnected", args = { track = "bob-cam", reason = "bye" }, count = 1,
               within = { t_stop + L, t_stop + L + Tol } }
expect.event { src = "alice", name = "track.disconnected", args = { track = "bob-mic", reason = "bye" }, count = 1,
               within = { t_close + L, t_close + L + Tol } }
expect.event { src = "alice", name = "stream.disconnected", args = { stream = "bob-stream" }, count = 1,
               within = { t_close + L, t_close + L + Tol } }
expect.never { src = "bob", name = "track.disconnected", args = { track = "alice-mic" } }
expect.event { name = "page.track.disconnected", args = { side = "b", track = "alice-cam" }, count = 1 }
expect.event { name = "page.track.disconnected", args = { side = "a", track = "bob-cam" }, count = 1 }
