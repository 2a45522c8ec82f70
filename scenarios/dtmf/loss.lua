-- DTMF under 20% loss (issue 10): RFC 4733's redundancy at work.
--
-- Alice sends one stream of an audio track (Opus) and an RTCDTMFTrack
-- (its telephone-event is /48000, pt 110: D92) to Bob, who only receives.
-- The LAN is clean until the call is up (Bob's remote audio connects by
-- 0.26 s: call-lan.lua's window), so ICE and DTLS are not what is tested;
-- at T0 = 0.5 s the downlink of Bob's access link starts losing each
-- datagram with p = 0.2, independently (sim/net/net.c lose()), and Alice
-- inserts "123" with D = 300 ms and the default gap G = 50 ms.
--
-- The sender's schedule (D86, D93: a packet every I = 50 ms): slot k says
-- (k + 1) I, so a 300 ms tone is updates 50..250 ms (slots 0-4, the marker
-- on slot 0) and slot 5 says 300 with E, sent three times (slots 5, 6, 7):
-- 8 packets at 0..350 ms from its start; the next tone starts G after the
-- last end packet: tone k starts at T0 + k (350 + 50) ms = T0 + 0.4 k
-- (D93), exactly, and Alice logs dtmf.sent then. Each packet takes L = 10
-- ms to Bob (two 5 ms links, no jitter: nothing reorders).
--
-- What Bob reports (D87, D94), per tone:
--   * the tone is decoded unless all 8 of its packets are lost: 0.2^8 =
--     2.6e-6 per tone, 7.7e-4 over the 300 tones of seeds 1..100. Its
--     digit is the one sent (one event per timestamp, s.2.5.2);
--   * when one of the three end packets arrives before the tone is
--     reported, its duration is the sent one, 300 ms, exactly (the E
--     packet carries the whole duration, s.2.5.1.4), ended = true;
--   * otherwise (all three ends lost, p = 0.008, or four packets in a row
--     lost so that D94's 200 ms silence reported it first, about 1e-2)
--     it is reported from its last update: ended = false and the duration
--     one of 50..250 ms, a multiple of I, below the sent one (an update
--     never says more than the time elapsed, D86);
--   * its first packet seen arrives in [start + L, start + 350 ms + L];
--   * nothing is reported twice: a late copy or a retransmitted end is a
--     duplicate (D87), so exactly 3 tones, in order 1, 2, 3;
--   * no decoder refusal: no reordering, no corruption: the drops
--     dtmf-truncated, -bad-event, -no-start, -backwards stay 0.
-- And exactly, from the wire: SRTP (AEAD, RFC 7714) leaves the RTP header
-- plain, so the captures show each telephone-event packet's PT, marker,
-- timestamp and sequence number. At Alice: 8 packets per tone, one
-- timestamp, consecutive sequence numbers, the marker on the first only
-- (D86: the three ends are there). At Bob (his interface, after the
-- loss): which slots j (sequence less the tone's first) arrived; slot j
-- says min((j + 1) I, D), E from j = 5. Walking the arrived slots in
-- order, D94 reports the tone from the previous one when the next comes
-- 5 or more slots (250 ms > 200) later (4 slots, 200 ms, is D94's own
-- instant: either outcome, D98), else at the first arrived end slot, else
-- from the last arrived update; its start is its first arrived slot's
-- arrival, s + j I + L; every packet after the reporting one (or after
-- the timeout) is a duplicate (D87), so Bob's dtmf_duplicates is their
-- sum over the tones.
-- Statistical (the loss draws change with the seed): these hold over
-- seeds 1..100 (Makefile STATISTICAL). The golden capture is Alice's
-- interface (before the lossy link: every packet sent); its decrypted twin
-- is read by tests/test_dtmf.c `capture_own_123`.

local T = 2.5
scenario { name = "dtmf: \"123\" across 20% loss: every tone, its digit, its duration", seed = 1, duration = T,
           covers = { "rfc4733:s2.5.1.1", "rfc4733:s2.5.1.2", "rfc4733:s2.5.1.4", "rfc4733:s2.5.2" } }
local media = require("media")

local P, T0, D, G, I, L = 0.2, 0.5, 0.300, 0.050, 0.050, 0.010
local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
local beth0 = bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(eth0)
local capb = net.capture(beth0, "bob-eth0")   -- what got through: no golden

local mic = MediaStreamTrack { kind = "audio", id = "alice-mic" }
local dtmf = RTCDTMFTrack { id = "alice-dtmf" }
local call = media.call { a = { host = alice, streams = { MediaStream { id = "alice-stream", tracks = { mic, dtmf } } } },
                          b = { host = bob }, channel = { delay = 0.02 } }

-- Bob's page: the tones of the remote dtmf track
local tones = {}
call.mb.onaddstream = function(st)
  for _, t in ipairs(st:getTracks()) do
    if t.kind == "dtmf" then t.ontone = function(e) tones[#tones + 1] = e end end
  end
end

sim.at(T0, function()
  net.link("bob.eth0"):set("down", { loss = P })
  dtmf:insertDTMF("123", D * 1000)
end)

local PERIOD = D + I + G    -- slot k at k I: the last end packet (slot 7) at D + I
local digits = { "1", "2", "3" }
for k = 1, 3 do
  local s = T0 + (k - 1) * PERIOD
  expect.event { src = "alice", name = "dtmf.sent", args = { digit = digits[k], duration = 300 }, count = 1, within = { s, s } }
end
expect.event { src = "bob", name = "dtmf.tone", count = 3 }
expect.sequence { { src = "bob", name = "dtmf.tone", args = { digit = "1" } },
                  { src = "bob", name = "dtmf.tone", args = { digit = "2" } },
                  { src = "bob", name = "dtmf.tone", args = { digit = "3" } } }
expect.never { name = "track.disconnected" }
expect.never { name = "dtlsfailed" }

-- each tone against the bounds of the header: digit, duration, ended, start
local function check(k)
  return function()
    local e = tones[k]
    if not e then return 0 end
    local s = T0 + (k - 1) * PERIOD
    if e.digit ~= digits[k] then return 0 end
    if e.start < s + L - 1e-9 or e.start > s + D + I + L + 1e-9 then return 0 end
    if e.ended then
      if e.duration ~= D * 1000 then return 0 end
    else
      local q = e.duration / (I * 1000)
      if e.duration < I * 1000 or e.duration > D * 1000 - I * 1000 or q ~= math.floor(q) then
        return 0
      end
    end
    return 1
  end
end
for k = 1, 3 do
  expect.measure { "tone " .. k .. " at Bob (digit, start, duration, ended)", check(k), min = 1, max = 1 }
end
expect.measure { "DTMF refusals at Bob", function()
  local d, n = call.mb:stats().dropped, 0
  for _, r in ipairs({ "dtmf-truncated", "dtmf-bad-event", "dtmf-no-start", "dtmf-backwards" }) do n = n + (d[r] or 0) end
  return n
end, min = 0, max = 0 }

-- the wire's telephone-events by tone: { ts =, seqs = { ... }, markers = n, t = { arrival ns } }
local function events_of(c, from)
  local by, order = {}, {}
  for i = 1, c.count do
    local p = c:packet(i)
    local d = p.data
    if p.src:match(from) and #d >= 12 and d:byte(1) >= 128 and d:byte(1) <= 191 and d:byte(2) % 128 == 110 then
      local ts = ((d:byte(5) * 256 + d:byte(6)) * 256 + d:byte(7)) * 256 + d:byte(8)
      local g = by[ts]
      if not g then g = { ts = ts, seqs = {}, t = {}, markers = 0 }; by[ts] = g; order[#order + 1] = g end
      g.seqs[#g.seqs + 1] = d:byte(3) * 256 + d:byte(4)
      g.t[#g.t + 1] = p.time
      if d:byte(2) >= 128 then g.markers = g.markers + 1 end
    end
  end
  return order
end
local sent, got
sim.after(T - 0.001, function()
  sent, got = events_of(cap, "^10%.0%.0%.1:"), events_of(capb, "^10%.0%.0%.1:")
end)
expect.measure { "tones on the wire at Alice", function() return #sent end, min = 3, max = 3 }
for k = 1, 3 do
  expect.measure { "tone " .. k .. " at Alice: 8 packets, consecutive, marker on the first only", function()
    local g = sent[k]
    if not g or #g.seqs ~= 8 or g.markers ~= 1 then return 0 end
    for i = 2, 8 do if g.seqs[i] ~= (g.seqs[i - 1] + 1) % 65536 then return 0 end end
    return 1
  end, min = 1, max = 1 }
end
-- the prediction of the header for tone k: duration (ms), ended, start (s), duplicates, or nil when D94's tie leaves it open
local function predict(k)
  local g0 = sent[k]
  local g
  for _, x in ipairs(got) do if x.ts == g0.ts then g = x end end
  if not g then return nil end
  local slots = {}
  for _, q in ipairs(g.seqs) do slots[#slots + 1] = (q - g0.seqs[1]) % 65536 end
  local function dur(j) return math.min((j + 1) * I, D) * 1000 end
  local at = nil
  for i, j in ipairs(slots) do
    if i > 1 and j - slots[i - 1] == 4 then return nil end
    if i > 1 and j - slots[i - 1] >= 5 then
      return { duration = dur(slots[i - 1]), ended = false, start = g.t[1] / 1e9, dups = #slots - i + 1 }
    end
    if j >= 5 then return { duration = D * 1000, ended = true, start = g.t[1] / 1e9, dups = #slots - i } end
  end
  return { duration = dur(slots[#slots]), ended = false, start = g.t[1] / 1e9, dups = 0 }
end
for k = 1, 3 do
  expect.measure { "tone " .. k .. " at Bob as the arrived packets predict (1, or 2: D94's tie)", function()
    if not sent[k] then return 0 end
    local w, e = predict(k), tones[k]
    if not w then return 2 end
    if not e or e.duration ~= w.duration or e.ended ~= w.ended or math.abs(e.start - w.start) > 1e-9 then return 0 end
    return 1
  end, min = 1, max = 2 }
end
expect.measure { "Bob's dtmf_duplicates as the arrived packets predict (-1: D94's tie)", function()
  local n = 0
  for k = 1, 3 do
    local w = sent[k] and predict(k)
    if not w then return -1 end
    n = n + w.dups
  end
  return call.mb:stats().dtmf_duplicates - n
end, min = -1, max = 0 }

expect.capture { cap, golden = "dtmf/loss.alice.eth0.pcap", decrypted = "dtmf/loss.alice.eth0.decrypted.pcap" }
