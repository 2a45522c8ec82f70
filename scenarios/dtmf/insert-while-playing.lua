-- An insertDTMF while a previous buffer plays (D91: it replaces the
-- buffer, as RTCDTMFSender; D96: the gap after the tone under way is
-- the new interToneGap).
--
-- The timeline, from the schedule (dtmfcall.lua):
--   1.00  insertDTMF("123"): 1 at 1.0, 2 at 1.2 (100 ms tones, 50 ms gap)
--   1.23  insertDTMF("9#", 200, 100) while the 2 plays (its end packet
--         due at 1.25): toneBuffer "9#" (the "3" replaced, never sent);
--         the 2 finishes as it was sent, 100 ms with its three end
--         packets, the last at 1.35; the 9 starts the new gap later, at
--         1.45 (D96), 200 ms: end packet at slot 3 (1.60), last copy
--         1.70; the # at 1.80, its last copy at 1.80 + 0.25 = 2.05.
--   2.10  insertDTMF("5") in the #'s gap (buffer empty, nothing playing):
--         the gap was timed with 100 ms when the #'s last packet went, so
--         the 5 starts at 2.15, not at once (the gap is kept, D91).
-- Bob decodes 1, 2, 9, #, 5 with 100, 100, 200, 200, 100 ms at those
-- starts (+ L), and never a 3.

scenario { name = "dtmf: insertDTMF while tones play replaces the buffer (D91, D96)", seed = 1, duration = 2.6,
           covers = { "spec:RTCDTMFTrack.insertDTMF", "spec:RTCDTMFTrack.toneBuffer",
                      "spec:RTCDTMFTrack.duration", "spec:RTCDTMFTrack.interToneGap" } }
local dc = require("dtmfcall")
local c = dc.call()

local seen = {}
sim.at(1.0, function() c.dtmf:insertDTMF("123") end)
sim.at(1.23, function()
  seen.before = c.dtmf.toneBuffer
  c.dtmf:insertDTMF("9#", 200, 100)
  seen.after = c.dtmf.toneBuffer
  seen.attrs = { c.dtmf.duration, c.dtmf.interToneGap }
end)
sim.at(2.10, function()
  c.dtmf:insertDTMF("5")
  seen.idle = c.dtmf.toneBuffer
end)
sim.at(2.12, function() seen.gap = c.dtmf.toneBuffer end)

local s12 = dc.schedule(1.0, "12")
local s9 = dc.schedule(1.45, "9#", 200, 100)
local s5 = dc.schedule(2.15, "5")
assert(math.abs(s9[2].sent - 1.80) < 1e-9 and math.abs(s9[2].done - 2.15) < 1e-9, "the schedule")
for _, s in ipairs({ s12, s9, s5 }) do
  for _, e in ipairs(s) do dc.expect_tone(e) end
end
expect.event { src = "alice", name = "dtmf.sent", count = 5 }
expect.event { src = "bob", name = "dtmf.tone", count = 5 }
expect.never { name = "dtmf.sent", args = { digit = "3" } }
expect.never { name = "dtmf.tone", args = { digit = "3" } }
dc.expect_clean(c, 5)
local function is(k, v) return function() return seen[k] == v and 1 or 0 end end
expect.measure { "toneBuffer while the 2 plays is \"3\"", is("before", "3"), min = 1, max = 1 }
expect.measure { "toneBuffer after the second insertDTMF is \"9#\"", is("after", "9#"), min = 1, max = 1 }
expect.measure { "duration read after the second insertDTMF", function() return seen.attrs and seen.attrs[1] or -1 end, min = 200, max = 200 }
expect.measure { "interToneGap read after the second insertDTMF", function() return seen.attrs and seen.attrs[2] or -1 end, min = 100, max = 100 }
expect.measure { "toneBuffer after insertDTMF in the gap is \"5\"", is("idle", "5"), min = 1, max = 1 }
expect.measure { "toneBuffer still \"5\" in the gap (2.12 s)", is("gap", "5"), min = 1, max = 1 }

expect.capture { c.cap, golden = "dtmf/insert-while-playing.alice.eth0.pcap", decrypted = "dtmf/insert-while-playing.alice.eth0.decrypted.pcap" }
