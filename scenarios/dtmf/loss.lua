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
-- Statistical (the loss draws change with the seed): these hold over
-- seeds 1..100 (Makefile STATISTICAL). The golden capture is Alice's
-- interface (before the lossy link: every packet sent); its decrypted twin
-- is read by tests/test_dtmf.c `capture_own_123`.

local T = 2.5
scenario { name = "dtmf: \"123\" across 20% loss: every tone, its digit, its duration", seed = 1, duration = T }
local media = require("media")

local P, T0, D, G, I, L = 0.2, 0.5, 0.300, 0.050, 0.050, 0.010
local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(eth0)

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

expect.capture { cap, golden = "dtmf/loss.alice.eth0.pcap", decrypted = "dtmf/loss.alice.eth0.decrypted.pcap" }
