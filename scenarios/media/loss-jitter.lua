-- The call across a lossy, jittery access link (issue 9): 5% loss and
-- 10 ms of jitter on Bob's access link, both ways. Alice sends one audio
-- track (Opus, 50 packets/s); Bob only receives, so he reports in RTCP RRs
-- (RFC 3550 s.6.4.2) that Alice reads in trackStats(mic).
--
-- Audio alone: the RR's loss and jitter are per source, and a steady
-- 20 ms packet clock makes the jitter model's prediction exact (a video
-- frame's packets leave back to back with one timestamp, so its transit
-- differences mix the link's jitter with the frame's packet spacing);
-- video would add packets, not checks. The jitter J = 10 ms is below the
-- 20 ms packet interval, so nothing reorders (the link draws each delay
-- in [L, L + J]: a packet sent 20 ms after another arrives after it).
--
-- Loss (RFC 3550 s.6.4.1, A.3). Each packet is lost with p = 0.05
-- independently (sim/net/net.c lose()), once, on Bob's link (Alice's has
-- none). So over the E packets a receiver expected, the lost count is
-- binomial(E, p), sd sqrt(E p (1 - p)):
--   * cumulative: Bob's lost / expected over the call (E about 50 per s,
--     known at the end): z = (lost/E - p) / sqrt(p (1-p) / E) in [-4, 4]
--     (a two-sided 4-sigma bound fails with probability 6e-5 per seed).
--   * per report: the RR's fraction lost is floor(256 L / E) / 256 over
--     the packets expected since the previous report. A.7's interval is at
--     least Td * 0.5 / (e - 1.5) with Td = 5 s (the minimum: one sender at
--     about 5 kbit/s of RTCP share), and half that for the first report
--     (s.6.2): 1.026 s, E >= 51 packets. Each report's fraction is
--     <= 0.25: for E = 51, P(L >= 13) = 1.6e-7, less for larger E. The
--     mean of the k reports Alice received (k counted in the run, about
--     one per 2-6 s) is p within 4 sd of a mean of k binomial fractions
--     at E = 51, sqrt(p (1 - p) / 51) / sqrt(k) (the real E are larger,
--     so the bound is wider than 4 sd), less 1/256 for the floor.
--
-- Jitter (RFC 3550 s.6.4.1, A.8). Transit differs from packet to packet
-- only by the link's draws U_i, uniform on [0, J] (net.c delay()): D =
-- U_i - U_(i-1), a triangular variable on [-J, J], E|D| = J/3 and
-- Var|D| = E[D^2] - (J/3)^2 = J^2/6 - J^2/9 = J^2/18. A.8's estimate is
-- J_n = J_(n-1) + (|D_n| - J_(n-1)) / 16, an exponential average with
-- weights w_k = (1/16)(15/16)^k: mean J/3, and, since successive |D|
-- share one U (covariance J^2/180, correlation 0.1, none beyond lag 1),
-- Var J_n = Var|D| (sum w_k^2 + 2 * 0.1 * sum w_k w_(k+1))
--         = (J^2/18) (1/31) (1 + 0.2 * 15/16) = 0.00213 J^2, sd 0.0461 J.
-- At 48000 Hz, J = 480 timestamp units: mean 160, sd 22.1. Each value
-- (Bob's at the end, each report's) is within 5 sd, [49, 271] (a
-- two-sided 5-sigma bound: 6e-7 per value); the mean of the k reports
-- within 4 sd / sqrt(k) of 160 (reports are >= 51 packets apart, where
-- the average's memory is (15/16)^51 = 0.04: as good as independent).
-- What the bounds leave out is small: the estimate starts at 0 and is
-- within (15/16)^51 * 160 = 6 units of its mean by the first report;
-- arrival times are whole timestamp units (20.8 us), under a unit of |D|.

local T = 30
scenario { name = "media: audio across 5% loss and 10 ms jitter: RR fraction lost and jitter", seed = 1, duration = T,
           covers = { "rfc3550:s6.2", "rfc3550:s6.3", "rfc3550:s6.4.1", "rfc3550:s6.4.2",
                      "rfc5761:s4" } }
local media = require("media")

local P, J, RATE = 0.05, 0.010, 48000
local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2",
                link = { latency = 0.005, loss = P, jitter = J } }
local cap = net.capture(eth0)

local mic = MediaStreamTrack { kind = "audio", id = "alice-mic" }
local call = media.call { a = { host = alice, streams = { MediaStream { id = "alice-stream", tracks = { mic } } } },
                          b = { host = bob }, channel = { delay = 0.02 } }

local rmic   -- Bob's remote track
call.mb.onaddstream = function(st) rmic = st:getTracks()[1] end

-- every report Alice takes about her mic (a change in what it says)
local reports, last = {}, nil
sim.every(0.05, function()
  local s = call.ma:trackStats(mic)
  if not s.have_report then return end
  local key = string.format("%d/%d/%d/%.9f", s.fraction_lost, s.cumulative_lost, s.report_jitter, s.rtt)
  if key ~= last then
    last = key
    reports[#reports + 1] = { fraction = s.fraction_lost / 256, jitter = s.report_jitter }
  end
end)

local MEAN_J, SD_J = J * RATE / 3, 0.0461 * J * RATE
local SD_F51 = math.sqrt(P * (1 - P) / 51)

expect.event { src = "alice", name = "dtlsconnected", count = 1 }
expect.event { src = "bob", name = "track.connected", args = { track = "alice-mic" }, count = 1 }
expect.never { name = "track.disconnected" }
expect.never { name = "dtlsfailed" }

expect.measure { "RR reports at Alice", function() return #reports end, min = 3 }
expect.measure { "loss at Bob, z of lost/expected", function()
  local s = call.mb:trackStats(rmic)
  return (s.lost / s.expected - P) / math.sqrt(P * (1 - P) / s.expected)
end, min = -4, max = 4 }
expect.measure { "largest RR fraction lost", function()
  local m = 0
  for _, r in ipairs(reports) do m = math.max(m, r.fraction) end
  return m
end, min = 0, max = 0.25 }
expect.measure { "mean RR fraction lost, z over k reports", function()
  local s = 0
  for _, r in ipairs(reports) do s = s + r.fraction end
  -- each fraction is floored to 1/256: up to 1/256 below L/E, taken
  -- back before the comparison (no nearer to P than P itself)
  local mean = s / #reports
  if mean < P then mean = math.min(mean + 1 / 256, P) end
  return (mean - P) / (SD_F51 / math.sqrt(#reports))
end, min = -4, max = 4 }
expect.measure { "jitter at Bob (ts units)", function() return call.mb:trackStats(rmic).jitter end,
                 min = MEAN_J - 5 * SD_J, max = MEAN_J + 5 * SD_J }
expect.measure { "RR jitter, each report (min)", function()
  local m = math.huge
  for _, r in ipairs(reports) do m = math.min(m, r.jitter) end
  return m
end, min = MEAN_J - 5 * SD_J }
expect.measure { "RR jitter, each report (max)", function()
  local m = 0
  for _, r in ipairs(reports) do m = math.max(m, r.jitter) end
  return m
end, max = MEAN_J + 5 * SD_J }
expect.measure { "mean RR jitter, z over k reports", function()
  local s = 0
  for _, r in ipairs(reports) do s = s + r.jitter end
  return (s / #reports - MEAN_J) / (SD_J / math.sqrt(#reports))
end, min = -4, max = 4 }
-- The RTCP interval (RFC 3550 s.6.2, A.7), from the times Alice's SRTCP
-- leaves (her capture sees every one: the loss is on Bob's link). Alice
-- is the one member and sender of her side (Bob sends nothing), a 64
-- kbit/s source: RTCP's 5% is 400 B/s, so A.7's
-- avg_size x members / rtcp_bw is under 1 s and the 5 s minimum rules:
-- Td = 5 s, halved to 2.5 s before the first compound (s.6.2). The
-- randomised interval is Td x [0.5, 1.5) / (e - 3/2): the first compound
-- 1.026 to 3.078 s after the keys are up (her first SRTP, within one
-- 20 ms packet time of that), each later one 2.052 to 6.156 s after the
-- one before.
local E = 2.71828 - 1.5
local rtcp, first_rtp = {}, nil
sim.after(T - 0.001, function()
  for i = 1, cap.count do
    local p = cap:packet(i)
    local b0, b1 = p.data:byte(1), p.data:byte(2)
    if p.src:match("^10%.0%.0%.1:") and b0 >= 128 and b0 <= 191 then
      if b1 >= 200 and b1 <= 204 then rtcp[#rtcp + 1] = p.time / 1e9
      elseif not first_rtp then first_rtp = p.time / 1e9 end
    end
  end
end)
expect.measure { "first RTCP after the keys (s)", function()
  return rtcp[1] and first_rtp and rtcp[1] - first_rtp or -1 end,
  min = 2.5 * 0.5 / E - 0.020, max = 2.5 * 1.5 / E }
expect.measure { "RTCP intervals after the first (min, s)", function()
  local m = math.huge
  for i = 2, #rtcp do m = math.min(m, rtcp[i] - rtcp[i - 1]) end
  return #rtcp >= 2 and m or -1 end, min = 5 * 0.5 / E, max = 5 * 1.5 / E }
expect.measure { "RTCP intervals after the first (max, s)", function()
  local m = 0
  for i = 2, #rtcp do m = math.max(m, rtcp[i] - rtcp[i - 1]) end
  return #rtcp >= 2 and m or -1 end, min = 5 * 0.5 / E, max = 5 * 1.5 / E }

-- The two loss figures of a report block agree (RFC 3550 s.6.4.1, A.3):
-- report i's fraction lost is f_i = floor(256 L_i / E_i) for the L_i
-- packets lost of the E_i expected since report i - 1, and its
-- cumulative lost C_i grows by exactly L_i. So from the first report
-- Alice sees to the last (k of them), sum_{i>1} f_i E_i / 256 lies in
-- (C_k - C_1 - sum E_i / 256, C_k - C_1]: below by the floors, at most a
-- 256th of each interval's packets, about (28 s x 50) / 256 = 5.5 in
-- all. Alice does not know E_i; she counts the packets she sent between
-- the samples (every 50 ms) in which she saw reports i - 1 and i, which
-- differs from E_i by what was in flight or sent since at either end, at
-- most (50 + 5 + 10) ms / 20 ms = 4 packets each end: weighted by f_i /
-- 256 (about the loss, 0.05) that is 0.4 per report, 5.6 over the
-- at most 14 reports (intervals >= 2.05 s, above). C_k - C_1 is about
-- 0.05 x 50 x (28 - 3) = 62, at least 38 at -4 sd (sd 7.9). So the ratio
-- sum / (C_k - C_1) is above 1 - (5.5 + 5.6) / 38 = 0.71. An RR lost on
-- Bob's link only raises it (the next report's fraction is weighted by
-- the packets of two intervals), so there is no upper bound. A fraction
-- written as a percentage (x 100, not x 256) gives about 100/256 = 0.39.
local seen, last_key = {}, nil
sim.every(0.05, function()
  local s = call.ma:trackStats(mic)
  if not s.have_report then return end
  local key = string.format("%d/%d/%d/%.9f", s.fraction_lost, s.cumulative_lost, s.report_jitter, s.rtt)
  if key ~= last_key then
    last_key = key
    seen[#seen + 1] = { f = s.fraction_lost, c = s.cumulative_lost, sent = s.packets }
  end
end)
expect.measure { "fraction lost x expected over cumulative lost, reports 2..k", function()
  local sum = 0
  for i = 2, #seen do sum = sum + seen[i].f * (seen[i].sent - seen[i - 1].sent) / 256 end
  local c = #seen >= 2 and seen[#seen].c - seen[1].c or 0
  return c > 0 and sum / c or -1
end, min = 0.71 }

expect.capture { cap, golden = "media/loss-jitter.alice.eth0.pcap", decrypted = "media/loss-jitter.alice.eth0.decrypted.pcap" }
