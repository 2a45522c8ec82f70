-- toneBuffer read as it drains (spec, "toneBuffer": the tones that remain
-- to be played). The characters leave the buffer when their tone starts
-- (D89, docs/scenarios.md: "what has not started").
--
-- insertDTMF("1234", 120, 80) at t0 = 1 s. From the schedule
-- (dtmfcall.lua): a 120 ms tone has its end packet at slot 2 (100 ms),
-- its last copy at 200 ms, and the next tone 80 ms later: starts at t0 +
-- 0.28 k. toneBuffer is sampled (sim.at) at instants derived from it:
-- as insertDTMF returns (nothing started: the playout runs after the
-- call), 1 ms after each start, 1 ms before each next start (the gap,
-- the tone still counted as started), and after the last tone's end.
-- A buffer that drained at a tone's end rather than its start, or in
-- the gap, differs at those samples.

scenario { name = "dtmf: toneBuffer drains as the tones start", seed = 1, duration = 3,
           covers = { "spec:RTCDTMFTrack.toneBuffer" } }
local dc = require("dtmfcall")
local c = dc.call()
local t0, D, G = 1, 120, 80

local sched = dc.schedule(t0, "1234", D, G)
local P = sched[2].sent - sched[1].sent
assert(math.abs(P - 0.28) < 1e-9, "the schedule: 0.2 + 0.08")
for _, e in ipairs(sched) do dc.expect_tone(e) end
dc.expect_clean(c, 4)

local rows, expected, seen = { "as insertDTMF returns" }, { { "1234" } }, {}
local function sample(label, t, want)
  rows[#rows + 1] = label
  expected[#expected + 1] = { want }
  local i = #rows
  sim.at(t, function() seen[i] = { c.dtmf.toneBuffer == "" and "(empty)" or c.dtmf.toneBuffer } end)
end
sim.at(t0, function()
  c.dtmf:insertDTMF("1234", D, G)
  seen[1] = { c.dtmf.toneBuffer }
end)
local left = { "234", "34", "4", "(empty)" }
for k = 1, 4 do
  sample(string.format("%.3f s, tone %d started", sched[k].sent + 0.001, k), sched[k].sent + 0.001, left[k])
  sample(string.format("%.3f s, before the next", sched[k].done - 0.001), sched[k].done - 0.001, left[k])
end
sample("after the last tone", sched[4].done + 0.2, "(empty)")

expect.table { "toneBuffer as it drains", rows = rows, cols = { "toneBuffer" }, expected = expected,
               measured = function() return seen end }
expect.capture { c.cap, golden = "dtmf/tone-buffer.alice.eth0.pcap", decrypted = "dtmf/tone-buffer.alice.eth0.decrypted.pcap" }
