-- insertDTMF's characters (spec, "insertDTMF"; D89): A-D, # and * are
-- tones (RFC 4733 s.3.2: events 12-15, 11, 10), a-d are the same tones as
-- A-D, and any other character is dropped when insertDTMF is called, so
-- toneBuffer never shows it and nothing goes on the wire for it.
--
-- Three calls, each after the one before has finished (the schedule,
-- dtmfcall.lua: 3 and 4 tones of 200 ms take 0.6 and 0.8 s):
--   1 s  "A#*"          A, #, * at 1, 1.2, 1.4
--   2 s  "abcd"         A, B, C, D at 2, 2.2, 2.4, 2.6; toneBuffer "ABCD"
--   3 s  "1x2 ?3;EZ9"   toneBuffer "1239" as insertDTMF returns; 1, 2, 3, 9
--                       at 3, 3.2, 3.4, 3.6: as if "1239" was given
-- Each tone is sent and decoded at its slot (dtmfcall.expect_tone): a
-- dropped character took a slot, a lower-case letter decoded as another
-- event, would move or rename a tone. Eleven tones in all, no others.

scenario { name = "dtmf: A#*, abcd as ABCD, unknown characters dropped", seed = 1, duration = 4,
           covers = { "spec:RTCDTMFTrack.insertDTMF", "spec:RTCDTMFTrack.toneBuffer", "rfc4733:s3.2" } }
local dc = require("dtmfcall")
local c = dc.call()

local calls = { { 1, "A#*", "A#*" }, { 2, "abcd", "ABCD" }, { 3, "1x2 ?3;EZ9", "1239" } }
local bufs = {}
for i, k in ipairs(calls) do
  sim.at(k[1], function()
    c.dtmf:insertDTMF(k[2])
    bufs[i] = c.dtmf.toneBuffer
  end)
  for _, e in ipairs(dc.schedule(k[1], k[3])) do dc.expect_tone(e) end
  expect.measure { "toneBuffer after insertDTMF(\"" .. k[2] .. "\") is \"" .. k[3] .. "\"",
                   function() return bufs[i] == k[3] and 1 or 0 end, min = 1, max = 1 }
end
expect.event { src = "alice", name = "dtmf.sent", count = 11 }
expect.event { src = "bob", name = "dtmf.tone", count = 11 }
for _, d in ipairs({ "x", " ", "?", ";", "E", "Z", "a", "b", "c", "d" }) do
  expect.never { name = "dtmf.sent", args = { digit = d } }
  expect.never { name = "dtmf.tone", args = { digit = d } }
end
dc.expect_clean(c, 11)

expect.capture { c.cap, golden = "dtmf/characters.alice.eth0.pcap", decrypted = "dtmf/characters.alice.eth0.decrypted.pcap" }
