-- A two-way audio and video call on a LAN (issue 9, the first scenario).
--
-- Alice and Bob each send one stream of an audio track (Opus) and a video
-- track (VP8, 30 fps, 500 kbit/s) over one RTCConnection (peers.lua),
-- descriptions signalled as JSON over a 20 ms channel (media.lua).
--
-- The times, from the topology: each access link is 5 ms, so a datagram
-- takes L = 10 ms from host to host and a round trip R = 20 ms; the
-- channel takes 20 ms.
--   addstream   Bob at 0.02 (Alice's description, sent at 0), Alice at
--               0.04 (Bob's, sent when the offer lands), exactly.
--   ICE         Bob has Alice's candidate at 0.02; a pair cannot be
--               nominated before one check round trip: no sooner than
--               0.02 + R = 0.04. The latest: lan-host.lua's 0.2 s (Ta
--               pacing, RFC 8445 s.6.1.4.2, and regular nomination).
--   DTLS        Bob, the answerer, is the client (D43) and sends the
--               ClientHello once ICE selects a pair. A full DTLS 1.2
--               handshake without a cookie exchange is two round trips
--               (RFC 6347 s.4.2.1-4.2.2: ClientHello; ServerHello..Done;
--               Certificate..Finished; ChangeCipherSpec, Finished): the
--               server (Alice) is done 1.5 R after the ClientHello, the
--               client 2 R after it: dtlsconnected Alice in
--               [0.04 + 0.03, 0.2 + 0.03], Bob in [0.04 + 0.04, 0.2 + 0.04].
--   RTP         a sender's media starts when its DTLS is done (the keys,
--               RFC 5764 s.4.2); its first packet is due at once or within
--               one audio packet time (20 ms) and takes L to arrive: Bob's
--               tracks connect in [0.07 + L, 0.23 + 0.02 + L] =
--               [0.08, 0.26], Alice's in [0.08 + L, 0.24 + 0.02 + L] =
--               [0.09, 0.27]; a stream connects with its first track.
-- Nothing disconnects, nothing is dropped.
--
-- Packets per remote track over the call (duration T = 3 s), from the
-- sources (D52, rtp.h): audio sends a packet every 20 ms, 50/s; a video
-- delta frame at 500 kbit/s, 30 fps, a key frame every N = 90 frames K =
-- 5 times larger is D = N * 500000 / (8 * 30 * (N - 1 + K)) = 1994.7 bytes,
-- +-10%: 1795..2194 bytes, two packets of at most 1100 bytes each; a key
-- frame is 5 D +-10%: 8976..10970 bytes, at most 10 packets (8 more than
-- a delta frame), and the frames of [0, 3 s] hold at most two key frames
-- (frames 0 and 90). A track that connects at c in the window above
-- receives every packet due in [c - L, T - L]:
--   audio  floor((T - L - c1) * 50)     .. floor((T - c0) * 50) + 1
--   video  2 floor((T - L - c1) * 30)   .. 2 (floor((T - c0) * 30) + 1) + 2 * 8
-- (c0, c1 the window's ends). Goldens: Alice's interface, encrypted
-- (STUN, DTLS, SRTP and SRTCP on one port, RFC 7983) and its decrypted
-- twin (plain RTP/RTCP in place of the protected packets).

local T = 3
scenario { name = "media: two-way audio and video call on a LAN", seed = 1, duration = T,
           covers = { "spec:RTCMediaSession.constructor", "spec:RTCMediaSession.addConnection",
                      "spec:RTCMediaSession.addStream", "spec:RTCMediaSession.sendStream",
                      "spec:RTCMediaSession.getLocalDescription",
                      "spec:RTCMediaSession.setRemoteDescription", "spec:RTCMediaSession.onaddstream",
                      "spec:MediaStream.onconnected", "spec:MediaStreamTrack.onconnected", "rfc8842:s5.3",
                      "rfc5764:s4.2", "rfc7983:s7", "rfc3550:s5.1",
                      "rfc3550:s6.1" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
-- Bob is always ref/ (impl = "ref"): under `rtcsim run --impl X` this is
-- the interop case, X's Alice calling ref/'s Bob (D105); without --impl
-- both are ref/.
local bob = net.host { name = "bob", impl = "ref" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(eth0)

local function av(who)
  return MediaStream { id = who .. "-stream", tracks = {
    MediaStreamTrack { kind = "audio", id = who .. "-mic" },
    MediaStreamTrack { kind = "video", id = who .. "-cam", fps = 30, bitrate = 500000 } } }
end
local call = media.call { a = { host = alice, streams = { av("alice") } },
                          b = { host = bob, streams = { av("bob") } }, channel = { delay = 0.02 } }

local L, R = 0.01, 0.02
local ice0, ice1 = 0.02 + R, 0.2
local dtls_server = { ice0 + 1.5 * R, ice1 + 1.5 * R }   -- Alice
local dtls_client = { ice0 + 2 * R, ice1 + 2 * R }       -- Bob
local rtp_at = {                                          -- a track connects, by receiver
  bob = { dtls_server[1] + L, dtls_server[2] + 0.02 + L },
  alice = { dtls_client[1] + L, dtls_client[2] + 0.02 + L } }

local remote = {}   -- remote tracks by id, from the page's handlers
for _, side in ipairs({ "a", "b" }) do
  call["m" .. side].onaddstream = function(st)
    st.onconnected = function() sim.event("page.stream.connected", { side = side, stream = st.id }) end
    for _, t in ipairs(st:getTracks()) do
      remote[t.id] = { side = side, track = t }
      t.onconnected = function() sim.event("page.track.connected", { side = side, track = t.id, kind = t.kind }) end
    end
  end
end

expect.event { src = "bob", name = "addstream", args = { stream = "alice-stream" }, count = 1, within = { 0.02, 0.02 } }
expect.event { src = "alice", name = "addstream", args = { stream = "bob-stream" }, count = 1, within = { 0.04, 0.04 } }
expect.event { src = "bob", name = "addtrack", count = 2, within = { 0.02, 0.02 } }
expect.event { src = "alice", name = "addtrack", count = 2, within = { 0.04, 0.04 } }
expect.event { src = "alice", name = "connected", count = 1, within = { ice0, ice1 } }
expect.event { src = "bob", name = "connected", count = 1, within = { ice0, ice1 } }
expect.event { src = "alice", name = "dtlsconnected", count = 1, within = dtls_server }
expect.event { src = "bob", name = "dtlsconnected", count = 1, within = dtls_client }
for _, t in ipairs({ { "bob", "alice-mic" }, { "bob", "alice-cam" }, { "alice", "bob-mic" }, { "alice", "bob-cam" } }) do
  expect.event { src = t[1], name = "track.connected", args = { track = t[2] }, count = 1, within = rtp_at[t[1]] }
end
expect.event { src = "bob", name = "stream.connected", args = { stream = "alice-stream" }, count = 1, within = rtp_at.bob }
expect.event { src = "alice", name = "stream.connected", args = { stream = "bob-stream" }, count = 1, within = rtp_at.alice }
-- in order, each side: its stream added, DTLS up, then its tracks and stream connect
for _, s in ipairs({ { "bob", "alice" }, { "alice", "bob" } }) do
  expect.sequence { { src = s[1], name = "addstream" }, { src = s[1], name = "connected" },
                    { src = s[2], name = "dtlsconnected" }, { src = s[1], name = "track.connected" },
                    { src = s[1], name = "stream.connected" } }
end
-- the page's handlers on the remote objects fired too
expect.event { name = "page.track.connected", count = 4 }
expect.event { name = "page.stream.connected", count = 2 }
expect.never { name = "dtlsfailed" }
expect.never { name = "track.disconnected" }
expect.never { name = "stream.disconnected" }
expect.never { name = "unknowntrack" }

local function received(id)
  return function()
    local r = remote[id]
    if not r then return -1 end
    return call["m" .. r.side]:trackStats(r.track).packets
  end
end
for _, t in ipairs({ { "bob", "alice-mic", "audio" }, { "bob", "alice-cam", "video" },
                     { "alice", "bob-mic", "audio" }, { "alice", "bob-cam", "video" } }) do
  local c0, c1 = rtp_at[t[1]][1], rtp_at[t[1]][2]
  local lo, hi
  if t[3] == "audio" then
    lo, hi = math.floor((T - L - c1) * 50), math.floor((T - c0) * 50) + 1
  else
    lo, hi = 2 * math.floor((T - L - c1) * 30), 2 * (math.floor((T - c0) * 30) + 1) + 2 * 8
  end
  expect.measure { "RTP " .. t[2] .. " received at " .. t[1], received(t[2]), min = lo, max = hi }
end
for _, m in ipairs({ { "Alice", "ma" }, { "Bob", "mb" } }) do
  expect.measure { "packets dropped at " .. m[1], function()
    local n = 0
    for _, v in pairs(call[m[2]]:stats().dropped) do n = n + v end
    return n
  end, min = 0, max = 0 }
end
-- D43: the answerer (Bob) is the DTLS client. The first DTLS record on
-- the wire (RFC 7983: first byte 20-63) is a handshake (content type 22,
-- RFC 6347 s.4.1) whose message type, the byte after the 13-byte record
-- header, is ClientHello (1, RFC 5246 s.7.4), and it comes from Bob.
local hello_from
sim.after(T - 0.01, function()
  for i = 1, cap.count do
    local p = cap:packet(i)
    local b0 = p.data:byte(1)
    if b0 >= 20 and b0 <= 63 then
      if b0 == 22 and p.data:byte(14) == 1 then hello_from = p.src end
      break
    end
  end
end)
expect.measure { "first DTLS record is Bob's ClientHello", function()
  return hello_from and hello_from:match("^10%.0%.0%.2:") and 1 or 0 end, min = 1, max = 1 }

expect.capture { cap, golden = "media/call-lan.alice.eth0.pcap", decrypted = "media/call-lan.alice.eth0.decrypted.pcap", masked = true }
