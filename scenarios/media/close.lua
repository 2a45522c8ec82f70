-- RTCMediaSession.close() (spec: "Closes all the RTCConnection instances
-- and stops sending RTP to the peer"; decisions.md D75).
--
-- Alice and Bob send each other audio on a LAN (5 ms each access link,
-- so 10 ms one way). At T Alice closes her session: an RTCP BYE for her
-- source and DTLS's close_notify leave at T, and then nothing at all
-- from her: no RTP, no RTCP, no consent checks (her connection is closed
-- too). Bob's remote track and stream disconnect on the BYE, 10 ms
-- later. Bob goes on sending; Alice's socket takes none of it (counted as
-- for no connection). Bob's consent runs out 30 s after his last answered
-- check (RFC 7675 s.5.1); his checks go every 4 to 6 s (0.8-1.2 x 5 s),
-- so the last answer came within 6 s before T and he disconnects between
-- T + 24 and T + 30 (plus a round trip). Alice fires nothing: the page
-- closed it. Her RTCConnection then refuses its methods.

local T = 2
scenario { name = "media: close() says BYE, closes the connections, sends nothing after", seed = 1, duration = T + 34,
           covers = { "spec:RTCMediaSession.close", "spec:MediaStreamTrack.ondisconnected",
                      "spec:MediaStream.ondisconnected", "rfc3550:s6.6", "rfc7675:s5.1-interval",
                      "rfc7675:s5.1-expire" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(eth0)

local function mic(who)
  return MediaStream { id = who .. "-stream", tracks = { MediaStreamTrack { kind = "audio", id = who .. "-mic" } } }
end
local sa = alice:RTCSocket()
local call = media.call { a = { host = alice, socket = sa, streams = { mic("alice") } },
                          b = { host = bob, streams = { mic("bob") } }, channel = { delay = 0.02 } }

local ignored_at_close, refusal
sim.at(T, function()
  ignored_at_close = sa:stats()["not-stun"]
  call.ma:close()
  local ok, err = pcall(call.a.connect, call.a)
  refusal = not ok and err or "not refused"
end)

expect.event { src = "bob", name = "track.connected", args = { track = "alice-mic" }, count = 1, within = { 0, T } }
expect.event { src = "bob", name = "track.disconnected", args = { track = "alice-mic", reason = "bye" },
               count = 1, within = { T, T + 0.011 } }
expect.event { src = "bob", name = "stream.disconnected", args = { stream = "alice-stream" },
               count = 1, within = { T, T + 0.011 } }
expect.event { src = "bob", name = "disconnected", count = 1, within = { T + 24, T + 30.03 } }
expect.never { src = "alice", name = "disconnected" }
expect.never { src = "alice", name = "track.disconnected" }

-- what left Alice after T (the BYE and close_notify leave at T itself),
-- read off the capture just before the run ends
local after = -1
sim.at(T + 34 - 0.001, function()
  after = 0
  for i = 1, cap.count do
    local p = cap:packet(i)
    if p.src:match("^10%.0%.0%.1:") and p.time > T * 1e9 then after = after + 1 end
  end
end)
expect.measure { "datagrams from Alice after close", function() return after end, min = 0, max = 0 }
-- Bob's RTP until his consent ran out (50 a second for 24 s at least)
-- came to a closed connection: ignored
expect.measure { "datagrams Alice's socket ignored after close", function()
  return sa:stats()["not-stun"] - ignored_at_close end, min = 24 * 50 }
expect.measure { "connect() after close refused as closed", function()
  return refusal:find("is closed", 1, true) and 1 or 0 end, min = 1, max = 1 }
