-- Two RTCConnections carrying different tracks (spec: addConnection,
-- removeConnection, RTCTrackDescription's connection-id; D64, D68, D71).
--
-- Alice and Bob make two connections (peers.lua's, and a second one
-- signalled the same way over the same channel: two RTCSockets a host, so
-- two ports, 49152 and 49153). Alice's mic rides the first and
-- her camera the second, each told so by setTrackProperties
-- (connection-id) before her description is signalled at 0.1 s (after
-- both offers have landed at 0.02 s, so that Bob knows both ids: an
-- unknown connection-id is refused). Bob only receives.
--   * Each track's RTP is on its own connection: Bob receives both
--     (measures), and in Alice's capture every SRTP packet of the mic's
--     SSRC leaves port 49152 and every one of the camera's leaves 49153
--     (a table: packets per track and local port).
--   * 1.0 s: Alice's removeConnection(c2) while the camera rides it:
--     InvalidStateError, nothing changed (two connections; the camera's
--     packets keep coming: 10 frames/s, one packet each, see below);
--     1.2 s the same at Bob, where the remote camera's description puts it
--     on c2.
--   * 2.0 s: Alice stops the camera (sendTrack false: it no longer rides)
--     and removes c2: allowed, one connection left; she signals the
--     camera's deletion; at 2.1 s (after it lands at 2.02) Bob removes
--     his c2: allowed.
-- The camera: 10 fps at 64 kbit/s, a delta frame D = 90 * 64000 / (8 * 10 *
-- 94) = 766 bytes +-10% (D52), one packet of at most 1100; so in [1.1, 2.0)
-- Bob receives 9 frames, give or take one at each end: [8, 10]; the mic
-- 50/s: [44, 46] in those 0.9 s.

scenario { name = "media: two connections, a track on each; removeConnection refused while a track rides", seed = 1, duration = 2.5,
           covers = { "spec:RTCMediaSession.addConnection", "spec:RTCMediaSession.removeConnection",
                      "spec:RTCMediaSession.getConnections", "spec:RTCMediaSession.setTrackProperties",
                      "spec:RTCMediaSession.sendTrack", "spec:RTCTrackDescription.connection-id",
                      "spec:RTCTrackDescription.delete" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(eth0)

local mic = MediaStreamTrack { kind = "audio", id = "alice-mic" }
local cam = MediaStreamTrack { kind = "video", id = "alice-cam", fps = 10, bitrate = 64000 }
local st = MediaStream { id = "alice-stream", tracks = { mic, cam } }
local call = media.call { a = { host = alice, streams = { st }, signal = false }, b = { host = bob },
                          channel = { delay = 0.02 } }
local ma, mb = call.ma, call.mb
-- the second connection, signalled over the call's channel (one per pair
-- of hosts) in messages marked c2, the page's dance of peers.lua
local c2 = {}
local function trickle(conn, out)
  conn.oncandidate = function(c)
    conn:setLocalCandidate(c)
    out:send({ c2 = true, candidate = c })
  end
end
local sock_b2 = bob:RTCSocket()
local function route(at, fn)
  local inner = at.onmessage
  at.onmessage = function(m) if m.c2 then fn(m) else inner(m) end end
end
route(call.at_a, function(m)
  if m.description then c2.a:setRemoteDescription(m.description) end
  if m.candidate then c2.a:setRemoteCandidate(m.candidate) end
end)
route(call.at_b, function(m)
  if m.description then
    c2.b = RTCConnection(sock_b2, m.description)
    trickle(c2.b, call.at_b)
    call.at_b:send({ c2 = true, description = c2.b:getLocalDescription() })
    c2.b:connect()
    mb:addConnection(c2.b)
  end
  if m.candidate then c2.b:setRemoteCandidate(m.candidate) end
end)
c2.a = RTCConnection(alice:RTCSocket())
trickle(c2.a, call.at_a)
call.at_a:send({ c2 = true, description = c2.a:getLocalDescription() })
c2.a:connect()
ma:addConnection(c2.a)
ma:setTrackProperties(mic, { ["connection-id"] = call.a.id })
ma:setTrackProperties(cam, { ["connection-id"] = c2.a.id })
sim.at(0.1, function() media.signal(call, "a", ma:getLocalDescription()) end)

local rtrack = {}
mb.onaddstream = function(s) for _, t in ipairs(s:getTracks()) do rtrack[t.id] = t end end
local function rx(id) return rtrack[id] and mb:trackStats(rtrack[id]).packets or 0 end

-- removeConnection: refused (InvalidStateError, and nothing changed) or done
local function try_remove(who, ms, conn, label)
  local before = #ms:getConnections()
  local ok, err = pcall(ms.removeConnection, ms, conn)
  local after = #ms:getConnections()
  if ok then
    sim.event("page.removed", { who = who, conn = label, before = before, after = after })
  else
    local state = tostring(err):find("InvalidStateError: removeConnection:", 1, true) ~= nil
    sim.event("page.refused", { who = who, conn = label, invalid_state = state, before = before, after = after })
  end
end
local snap = {}
sim.at(1.0, function() try_remove("alice", ma, c2.a, "c2") end)
sim.at(1.1, function() snap.mic, snap.cam = rx("alice-mic"), rx("alice-cam") end)
sim.at(1.2, function() try_remove("bob", mb, c2.b, "c2") end)
sim.at(2.0, function()
  snap.mic2, snap.cam2 = rx("alice-mic"), rx("alice-cam")
  ma:sendTrack(cam, false)
  try_remove("alice", ma, c2.a, "c2")
  media.signal(call, "a", { ["alice-cam"] = { delete = true } }, true)
end)
sim.at(2.1, function() try_remove("bob", mb, c2.b, "c2") end)

-- every SRTP packet Alice sent, by SSRC and local port (read before the end)
local by = {}
sim.at(2.49, function()
  local ssrc = { [ma:trackStats(mic).ssrc] = "alice-mic", [ma:trackStats(cam).ssrc] = "alice-cam" }
  for i = 1, cap.count do
    local p = cap:packet(i)
    local b1, b2 = p.data:byte(1, 2)
    -- SRTP from Alice: first byte 128-191 (RFC 7983 s.7), second not an
    -- RTCP packet type 192-223 (RFC 5761 s.4); the SSRC is in clear
    if p.src:sub(1, 9) == "10.0.0.1:" and #p.data >= 12 and b1 >= 128 and b1 <= 191
       and not (b2 >= 192 and b2 <= 223) then
      local s = string.format("%d", string.unpack(">I4", p.data, 9))
      local key = (ssrc[s] or "other") .. "@" .. p.src:sub(10)
      by[key] = (by[key] or 0) + 1
    end
  end
end)

expect.event { src = "alice", name = "dtlsconnected", count = 2 }
expect.event { src = "bob", name = "dtlsconnected", count = 2 }
expect.event { src = "bob", name = "track.connected", args = { track = "alice-mic" }, count = 1 }
expect.event { src = "bob", name = "track.connected", args = { track = "alice-cam" }, count = 1 }
expect.event { name = "page.refused", args = { who = "alice", invalid_state = true, before = 2, after = 2 }, count = 1, within = { 1.0, 1.0 } }
expect.event { name = "page.refused", args = { who = "bob", invalid_state = true, before = 2, after = 2 }, count = 1, within = { 1.2, 1.2 } }
expect.event { name = "page.removed", args = { who = "alice", before = 2, after = 1 }, count = 1, within = { 2.0, 2.0 } }
expect.event { name = "page.removed", args = { who = "bob", before = 2, after = 1 }, count = 1, within = { 2.1, 2.1 } }
expect.event { src = "bob", name = "track.disconnected", args = { track = "alice-cam", reason = "bye" }, count = 1, within = { 2.0, 2.02 } }
expect.sequence { { name = "page.refused", args = { who = "alice" } }, { name = "page.refused", args = { who = "bob" } },
                  { src = "bob", name = "track.disconnected" }, { name = "page.removed", args = { who = "bob" } } }
expect.never { name = "track.disconnected", args = { track = "alice-mic" } }
expect.never { name = "dtlsfailed" }
expect.never { name = "unknowntrack" }
expect.measure { "mic packets at Bob after the refusals", function() return snap.mic2 - snap.mic end, min = 44, max = 46 }
expect.measure { "camera packets at Bob after the refusals", function() return snap.cam2 - snap.cam end, min = 8, max = 10 }
expect.table { "Alice's SRTP packets by track and local port", rows = { "alice-mic", "alice-cam", "other" },
               cols = { "49152", "49153" },
               expected = { { "yes", "-" }, { "-", "yes" }, { "-", "-" } },
               measured = function()
                 local t = {}
                 for _, r in ipairs({ "alice-mic", "alice-cam", "other" }) do
                   t[#t + 1] = { by[r .. "@49152"] and "yes" or "-", by[r .. "@49153"] and "yes" or "-" }
                 end
                 return t
               end }
expect.capture { cap, golden = "media/connections.alice.eth0.pcap", decrypted = "media/connections.alice.eth0.decrypted.pcap" }
