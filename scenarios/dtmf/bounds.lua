-- The bounds of insertDTMF's duration (70-6000 ms) and interToneGap (at
-- least 50 ms) (spec, "insertDTMF"), and what D90 says outside them:
-- clamped, as RTCDTMFSender clamps (interToneGap also at most 60000 ms,
-- negative values to the minimum); the attributes read the clamped values
-- and the tones on the wire have them.
--
-- The timeline, from the schedule (dtmfcall.lua: a tone of D ms has its
-- last end packet at ceil(D / 50) * 50 ms, the next tone interToneGap
-- later):
--   1.0   ("12", 70, 50)     70 ms, gap 50: 1 at 1.0, its end at 0.05,
--                            last copy 0.15; 2 at 1.2
--   2.0   ("34", 69, 49)     clamped to 70 and 50: the same times, 3 at
--                            2.0, 4 at 2.2 (unclamped, 69 ms would still
--                            end at 0.05 but the 4 would start at 2.199)
--   2.5   ("67", 100, 300)   a gap above the minimum: 7 at 2.5 + 0.15 + 0.3
--   3.0   ("", 6000, 60001)  no tones; the attributes read 6000, 60000
--   3.0   ("", -5, -1)       negative: 70, 50
--   3.5   ("5", 6001, 50)    clamped to 6000: 288,000 units at 48 kHz,
--                            past 0xffff, so sent in segments (RFC 4733
--                            s.2.5.1.3, D86) and decoded as one tone of
--                            6000 ms (s.2.5.2.3, D87); its end packet at
--                            slot 119 (3.5 + 5.95), dtmf.tone then.
-- Bob's decoded durations are 70, 70, 70, 70, 100, 100, 6000 ms (units at
-- 48 kHz: 3360, ..., 4800, 288000), each start its first packet's
-- arrival: the gaps measured at Bob are the sender's exactly.

scenario { name = "dtmf: duration and interToneGap bounds, clamped (D90)", seed = 1, duration = 9.6,
           covers = { "spec:RTCDTMFTrack.insertDTMF", "spec:RTCDTMFTrack.duration",
                      "spec:RTCDTMFTrack.interToneGap", "rfc4733:s2.3", "rfc4733:s2.5.1.3", "rfc4733:s2.5.2" } }
local dc = require("dtmfcall")
local c = dc.call()

local attrs = {}
local function insert(label, tones, d, g)
  c.dtmf:insertDTMF(tones, d, g)
  attrs[label] = { c.dtmf.duration, c.dtmf.interToneGap }
end
sim.at(1.0, function() insert("70/50", "12", 70, 50) end)
sim.at(2.0, function() insert("69/49", "34", 69, 49) end)
sim.at(2.5, function() insert("100/300", "67", 100, 300) end)
sim.at(3.0, function()
  insert("6000/60001", "", 6000, 60001)
  insert("-5/-1", "", -5, -1)
end)
sim.at(3.5, function() insert("6001/50", "5", 6001, 50) end)

local tones = {}
for _, s in ipairs({ dc.schedule(1.0, "12", 70, 50), dc.schedule(2.0, "34", 70, 50),
                     dc.schedule(2.5, "67", 100, 300), dc.schedule(3.5, "5", 6000, 50) }) do
  for _, e in ipairs(s) do
    dc.expect_tone(e)
    tones[#tones + 1] = e
  end
end
assert(math.abs(tones[6].sent - 2.95) < 1e-9 and math.abs(tones[7].first_end - 9.45) < 1e-9, "the schedule")
expect.event { src = "alice", name = "dtmf.sent", count = 7 }
expect.event { src = "bob", name = "dtmf.tone", count = 7 }
dc.expect_clean(c, 7)

for _, a in ipairs({ { "70/50", 70, 50 }, { "69/49", 70, 50 }, { "100/300", 100, 300 },
                     { "6000/60001", 6000, 60000 }, { "-5/-1", 70, 50 }, { "6001/50", 6000, 50 } }) do
  expect.measure { "duration read after insertDTMF " .. a[1], function() return attrs[a[1]] and attrs[a[1]][1] or -1 end,
                   min = a[2], max = a[2] }
  expect.measure { "interToneGap read after insertDTMF " .. a[1], function() return attrs[a[1]] and attrs[a[1]][2] or -1 end,
                   min = a[3], max = a[3] }
end
-- the units at Bob: the duration at 48 kHz (RFC 4733 s.2.3.5)
local units = { 3360, 3360, 3360, 3360, 4800, 4800, 288000 }
for i, u in ipairs(units) do
  expect.measure { "units of tone " .. i .. " at Bob", function() return c.tones[i] and c.tones[i].units or -1 end, min = u, max = u }
end
-- start to start at Bob, each the sender's (a fixed path): 70 ms tones
-- with a 50 ms gap 0.2 s apart, clamped or not; 100 ms with 300 ms 0.45
for _, g in ipairs({ { 1, 2, 0.2 }, { 3, 4, 0.2 }, { 5, 6, 0.45 } }) do
  expect.measure { "start of tone " .. g[2] .. " after tone " .. g[1] .. " at Bob (s)", function()
    local a, b = c.tones[g[1]], c.tones[g[2]]
    return a and b and b.start - a.start or -1
  end, min = g[3] - 1e-6, max = g[3] + 1e-6 }
end

expect.capture { c.cap, golden = "dtmf/bounds.alice.eth0.pcap", decrypted = "dtmf/bounds.alice.eth0.decrypted.pcap" }
