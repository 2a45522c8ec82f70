-- A ',' in the tones waits 2 s before the next character (spec,
-- "insertDTMF"; D89: the pause is the whole wait, no interToneGap added
-- to it), measured on the receiver from the decoded tones' start times.
--
-- insertDTMF("1,2,,3") at t0 = 1 s, defaults (100 ms, gap 50 ms). From
-- the schedule (dtmfcall.lua): the 1 starts at t0 and the next character
-- is taken 0.2 s later (its last end packet at 0.15, the gap 0.05); that
-- is the ',' so the 2 starts at t0 + 0.2 + 2 = 3.2, the 3 after two
-- pauses at 3.4 + 4 = 7.4. On Bob's side the start of a tone is its first
-- packet's arrival, each L = 10 ms after its sending (a fixed path), so
-- the pause seen is start(2) - start(1) - 0.2 = 2 s exactly, and two
-- commas 4 s; a pause that added the gap, or that was not run from the
-- character after the tone's gap, would be 2.05 or 1.8. (Floating point:
-- the starts are ns integers / 1e9, so within 1 us.) toneBuffer shows the
-- ',' while it waits: ",2,,3" while the 1 plays, "2,,3" during the pause.

scenario { name = "dtmf: a ',' pauses 2 s, measured at the receiver", seed = 1, duration = 8,
           covers = { "spec:RTCDTMFTrack.insertDTMF", "spec:RTCDTMFTrack.toneBuffer" } }
local dc = require("dtmfcall")
local c = dc.call()
local t0 = 1

sim.at(t0, function() c.dtmf:insertDTMF("1,2,,3") end)
local buf = {}
sim.at(t0 + 0.1, function() buf.playing = c.dtmf.toneBuffer end)
sim.at(t0 + 1.2, function() buf.pause = c.dtmf.toneBuffer end)
sim.at(5, function() buf.pause2 = c.dtmf.toneBuffer end)

local sched = dc.schedule(t0, "1,2,,3")
assert(#sched == 3 and math.abs(sched[2].sent - 3.2) < 1e-9 and math.abs(sched[3].sent - 7.4) < 1e-9, "the schedule")
for _, e in ipairs(sched) do dc.expect_tone(e) end
expect.event { src = "bob", name = "dtmf.tone", count = 3 }
dc.expect_clean(c, 3)

local P = 0.2   -- the 1's packets, end copies and gap (100 ms tone)
local function pause(i, j)
  return function()
    local a, b = c.tones[i], c.tones[j]
    if not (a and b) then return -1 end
    return b.start - a.start - P
  end
end
expect.measure { "pause between 1 and 2 at Bob (s)", pause(1, 2), min = 2 - 1e-6, max = 2 + 1e-6 }
expect.measure { "two pauses between 2 and 3 at Bob (s)", pause(2, 3), min = 4 - 1e-6, max = 4 + 1e-6 }
expect.measure { "toneBuffer while the 1 plays", function() return buf.playing == ",2,,3" and 1 or 0 end, min = 1, max = 1 }
expect.measure { "toneBuffer during the first pause", function() return buf.pause == "2,,3" and 1 or 0 end, min = 1, max = 1 }
expect.measure { "toneBuffer during the double pause", function() return buf.pause2 == ",3" and 1 or 0 end, min = 1, max = 1 }

expect.capture { c.cap, golden = "dtmf/pause.alice.eth0.pcap", decrypted = "dtmf/pause.alice.eth0.decrypted.pcap" }
