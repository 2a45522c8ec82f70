-- insertDTMF("123") with the defaults (spec, "insertDTMF": duration 100
-- ms, interToneGap 50 ms), sent as RFC 4733 telephone-events and decoded
-- by the receiver.
--
-- From the sender's schedule (dtmfcall.lua, D86, D93): a 100 ms tone is
-- 400-equivalent (4800 units at 48 kHz) at 0 ms with the marker, then the
-- end packet at 50 ms and its two copies at 100 and 150 ms; the next
-- tone starts 50 ms after the last copy, so tones start at t0, t0 + 0.2,
-- t0 + 0.4 (insertDTMF at t0 = 1 s, the audio sending since 0.23 at the
-- latest). Each is logged dtmf.sent at its start exactly, and dtmf.tone
-- at Bob when its first end packet lands, 50 ms + L later, with its
-- start the first packet's arrival (start + L), 100 ms, ended, volume 10
-- (D93). toneBuffer is "123" when insertDTMF returns (the spec's playout
-- task takes the first character after the call, media.c's timer at the
-- same instant) and "23" 1 ms later. Goldens: Alice's
-- interface, and the decrypted twin with the telephone-event packets
-- (pt 110) in the clear.

scenario { name = "dtmf: \"123\" with the defaults", seed = 1, duration = 2,
           covers = { "spec:RTCDTMFTrack.constructor", "spec:RTCDTMFTrack.insertDTMF",
                      "spec:RTCDTMFTrack.toneBuffer", "spec:RTCDTMFTrack.duration",
                      "spec:RTCDTMFTrack.interToneGap", "rfc4733:s2.1", "rfc4733:s2.3", "rfc4733:s2.5.1.4",
                      "rfc4733:s2.5.2" } }
local dc = require("dtmfcall")
local c = dc.call()
local t0 = 1

local buf_at, buf_after, attrs
sim.at(t0, function()
  c.dtmf:insertDTMF("123")
  buf_at = c.dtmf.toneBuffer
  attrs = { c.dtmf.duration, c.dtmf.interToneGap }
end)
sim.at(t0 + 0.001, function() buf_after = c.dtmf.toneBuffer end)

local sched = dc.schedule(t0, "123")
for _, e in ipairs(sched) do dc.expect_tone(e) end
expect.event { src = "alice", name = "dtmf.sent", count = 3 }
expect.event { src = "bob", name = "dtmf.tone", count = 3 }
expect.sequence { { src = "bob", name = "dtmf.tone", args = { digit = "1" } },
                  { src = "bob", name = "dtmf.tone", args = { digit = "2" } },
                  { src = "bob", name = "dtmf.tone", args = { digit = "3" } } }
dc.expect_clean(c, 3)
expect.measure { "toneBuffer as insertDTMF returns is \"123\"", function() return buf_at == "123" and 1 or 0 end, min = 1, max = 1 }
expect.measure { "toneBuffer once the 1 started is \"23\"", function() return buf_after == "23" and 1 or 0 end, min = 1, max = 1 }
expect.measure { "duration attribute (default)", function() return attrs and attrs[1] or -1 end, min = 100, max = 100 }
expect.measure { "interToneGap attribute (default)", function() return attrs and attrs[2] or -1 end, min = 50, max = 50 }
-- 100 ms at the 48 kHz clock of pt 110 (RFC 4733 s.2.5.1.3: the duration
-- in the clock's units)
expect.measure { "units of each tone (100 ms at 48 kHz)", function()
  local u = {}
  for _, t in ipairs(c.tones) do u[#u + 1] = t.units end
  return #u == 3 and u[1] == 4800 and u[2] == 4800 and u[3] == 4800 and 4800 or -1
end, min = 4800, max = 4800 }

expect.capture { c.cap, golden = "dtmf/defaults.alice.eth0.pcap", decrypted = "dtmf/defaults.alice.eth0.decrypted.pcap" }
