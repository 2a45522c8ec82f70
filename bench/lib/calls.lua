-- calls.lua: the calls of `make bench` (issue 9, "Performance"), shared by
-- the files of bench/. Not conformance scenarios: bench/ is outside
-- scenarios/, so `make test` never runs them, and their measures state no
-- bounds (a benchmark fails no one; tests/bench.c reads the numbers).
--
--   require("calls").run { name =, calls = N, duration = s, profile = "SRTP_..." }
--
-- N 1:1 calls at once, each between its own two hosts on one LAN (5 ms
-- each way), as scenarios/media/call-lan.lua makes one: each side sends a
-- stream of Opus (50 packets/s) and VP8 at 30 fps and 1 Mbit/s, SRTP with
-- the one profile both sockets offer, and each call's Alice captured on
-- her interface with its decrypted twin. The measures are the packets and
-- payload octets sent per kind over all calls, both sides together: the
-- work libsrtp2 alone is timed on for the ratio (tests/bench.c).
local media = require("media")
local M = {}

function M.run(o)
  scenario { name = o.name, seed = 1, duration = o.duration }
  local lan = net.subnet { name = "lan", prefix = "10.0.0.0/16", link = { latency = 0.005 } }
  local tracks = {}
  local function av(who)
    local mic = MediaStreamTrack { kind = "audio", id = who .. "-mic" }
    local cam = MediaStreamTrack { kind = "video", id = who .. "-cam", fps = 30, bitrate = 1000000 }
    return MediaStream { id = who .. "-stream", tracks = { mic, cam } }, mic, cam
  end
  local caps = {}
  for i = 1, o.calls do
    local alice = net.host { name = "alice" .. i }
    local eth0 = alice:interface { name = "eth0", subnet = lan, address = string.format("10.0.%d.1", i) }
    local bob = net.host { name = "bob" .. i }
    bob:interface { name = "eth0", subnet = lan, address = string.format("10.0.%d.2", i) }
    caps[#caps + 1] = net.capture(eth0)
    local opt = { srtpProfiles = o.profile }
    local sa, amic, acam = av("alice" .. i)
    local sb, bmic, bcam = av("bob" .. i)
    local call = media.call {
      a = { host = alice, socket = alice:RTCSocket(nil, opt), streams = { sa } },
      b = { host = bob, socket = bob:RTCSocket(nil, opt), streams = { sb } },
      channel = { delay = 0.02 } }
    tracks[#tracks + 1] = { call = call, audio = { { "ma", amic }, { "mb", bmic } },
                            video = { { "ma", acam }, { "mb", bcam } } }
  end
  local function sum(kind, field)
    local n = 0
    for _, c in ipairs(tracks) do
      for _, p in ipairs(c[kind]) do n = n + c.call[p[1]]:trackStats(p[2])[field] end
    end
    return n
  end
  for _, kind in ipairs({ "audio", "video" }) do
    expect.measure { kind .. " packets", function() return sum(kind, "packets") end }
    expect.measure { kind .. " octets", function() return sum(kind, "octets") end }
  end
  expect.measure { "captured", function()
    local n = 0
    for _, c in ipairs(caps) do n = n + c.count end
    return n
  end }
  -- a call that did not connect would time nothing: no SRTP dropped, and
  -- every session received media
  expect.measure { "sessions without media", function()
    local n = 0
    for _, c in ipairs(tracks) do
      for _, m in ipairs({ c.call.ma, c.call.mb }) do
        if m:stats().rtp_received == 0 then n = n + 1 end
      end
    end
    return n
  end, max = 0 }
end

return M
