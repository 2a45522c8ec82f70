-- dtmfcall.lua: the call of the DTMF scenarios (issue 10), and the
-- sender's schedule the scenarios derive their windows from.
--
--   local dc = require("dtmfcall")
--   local c = dc.call()      -- c.call (media.lua's), c.dtmf, c.cap, c.tones
--
-- Alice sends one stream of an audio track (Opus, the defaults: so the
-- telephone-event of its clock, pt 110 at 48 kHz, D92) and an RTCDTMFTrack
-- "a-dtmf" on a LAN; Bob sends nothing and records each tone his remote
-- dtmf track decodes (ontone) in c.tones, in order. Each access link is
-- 5 ms, so a packet takes L = 10 ms from Alice to Bob, exactly (no
-- jitter, no loss). Alice's audio sends once her DTLS is done, at 0.23 s
-- at the latest (media/call-lan.lua); the scenarios insert tones from 1 s.
--
-- dc.schedule(t0, tones, duration, gap) is the sender's timeline of an
-- insertDTMF at t0 (D86, D89, D93): a tone of D ms has its end packet at
-- the first 50 ms slot k whose (k + 1) * 50 >= D and two more copies one
-- slot apart, so its last packet goes at start + ceil(D / 50) * 50 ms and
-- the next character is taken interToneGap later (D93); ',' waits 2 s from
-- when it is taken (D89). Each entry: digit, sent (its first packet),
-- first_end (its first end packet), done (the next character's time).
local media = require("media")
local M = { L = 0.01, INTERVAL = 0.05 }

function M.call(o)
  o = o or {}
  local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
  local alice = net.host { name = "alice" }
  local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
  local bob = net.host { name = "bob" }
  bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
  local c = { cap = net.capture(eth0), tones = {} }
  c.dtmf = RTCDTMFTrack { id = "a-dtmf" }
  local s = MediaStream { id = "a-stream", tracks = { MediaStreamTrack { kind = "audio", id = "a-mic" }, c.dtmf } }
  c.call = media.call { a = { host = alice, streams = { s } }, b = { host = bob }, channel = { delay = 0.02 } }
  c.call.mb.onaddstream = function(st)
    for _, t in ipairs(st:getTracks()) do
      if t.kind == "dtmf" then
        t.ontone = function(e)
          c.tones[#c.tones + 1] = { digit = e.digit, start = e.start, duration = e.duration,
                                    units = e.units, volume = e.volume, ended = e.ended }
        end
      end
    end
  end
  return c
end

function M.schedule(t0, tones, duration, gap)
  local D, G = duration or 100, gap or 50
  local out, t = {}, t0
  for ch in tones:gmatch(".") do
    if ch == "," then
      t = t + 2
    else
      local slots = math.ceil(D / 50)
      local e = { digit = ch, sent = t, first_end = t + (slots - 1) * M.INTERVAL, duration = D }
      t = t + (slots + 1) * M.INTERVAL + G / 1000
      e.done = t
      out[#out + 1] = e
    end
  end
  return out
end

-- ns of a time in s (the logged start_ns), rounded: the schedule's sums of
-- decimals are not exact in binary
function M.ns(t) return math.floor(t * 1e9 + 0.5) end

-- Expectations of one tone sent per the schedule entry e and decoded
-- intact by Bob: dtmf.sent at its start, exactly; dtmf.tone when its
-- first end packet lands (RFC 4733 s.2.5.2: the end reports it), with its
-- start at its first packet's arrival and the whole duration, ended.
function M.expect_tone(e)
  expect.event { src = "alice", name = "dtmf.sent", args = { digit = e.digit, start_ns = M.ns(e.sent), duration = e.duration },
                 count = 1, within = { e.sent, e.sent } }
  expect.event { src = "bob", name = "dtmf.tone",
                 args = { digit = e.digit, start_ns = M.ns(e.sent + M.L), duration = e.duration, ended = true, volume = 10 },
                 count = 1, within = { e.first_end + M.L, e.first_end + M.L } }
end

-- Nothing dropped at Bob, every tone's three end packets seen (2
-- duplicates each, D95), no tone reported without its end.
function M.expect_clean(c, ntones)
  expect.never { src = "bob", name = "dtmf.tone", args = { ended = false } }
  expect.measure { "packets dropped at Bob", function()
    local n = 0
    for _, v in pairs(c.call.mb:stats().dropped) do n = n + v end
    return n
  end, min = 0, max = 0 }
  expect.measure { "repeated end packets at Bob (2 per tone)", function() return c.call.mb:stats().dtmf_duplicates end,
                   min = 2 * ntones, max = 2 * ntones }
end

-- A call across the NAT matrix's world (natmatrix.lua): Alice's mic and
-- DTMF track "alice-dtmf" to Bob, their sockets on the matrix's STUN and
-- TURN servers. Returns { call, dtmf, tones (what Bob's ontone gave:
-- { e = ev, at = }), pair () (the pair Alice selected, "local/remote") }.
function M.call_across(alice, bob)
  local nm = require("natmatrix")
  local c = { tones = {} }
  local mic = MediaStreamTrack { kind = "audio", id = "alice-mic" }
  c.dtmf = RTCDTMFTrack { id = "alice-dtmf" }
  c.call = media.call {
    a = { host = alice, socket = alice:RTCSocket(nm.servers("alice", "alice-pw")),
          streams = { MediaStream { id = "alice-stream", tracks = { mic, c.dtmf } } } },
    b = { host = bob, socket = bob:RTCSocket(nm.servers("bob", "bob-pw")) },
    channel = { delay = 0.05 } }
  local pair
  c.call.a.onactivecandidate = function(l, r) pair = l.type .. "/" .. r.type end
  c.pair = function() return pair end
  c.call.mb.onaddstream = function(st)
    for _, t in ipairs(st:getTracks()) do
      if t.kind == "dtmf" then t.ontone = function(e) c.tones[#c.tones + 1] = { e = e, at = sim.now() } end end
    end
  end
  return c
end

-- The expectations of tones sent across a path of one-way delay P (the
-- NAT and relay scenarios): o = { alice =, bob = (their host names),
-- digits = { ... }, t0 =, period = (one tone's start to the next),
-- duration = D, interval = I (s), path = P, tones = (what bob's ontone
-- recorded: { e = ev }), session = (bob's), duplicates =, pair =
-- function returning the pair Alice selected, want_pair = }. Tone k
-- leaves at s_k = t0 + (k - 1) period, its first end packet at s_k + D -
-- I (D86), so Bob reports it at s_k + D - I + P, and gives it the start
-- s_k + P (its first packet's arrival).
function M.expect_across(o)
  local D, I, P = o.duration, o.interval, o.path
  local ms = math.floor(D * 1000 + 0.5)     -- the events say ms as an integer
  for k, digit in ipairs(o.digits) do
    local s = o.t0 + (k - 1) * o.period
    expect.event { src = o.alice, name = "dtmf.sent", args = { digit = digit, duration = ms }, count = 1, within = { s, s } }
    expect.event { src = o.bob, name = "dtmf.tone", args = { digit = digit, duration = ms, ended = true }, count = 1,
                   within = { s + D - I + P, s + D - I + P } }
    expect.measure { "tone " .. k .. "'s start at Bob less its sending (s)", function()
      return o.tones[k] and o.tones[k].e.start - s or -1 end, min = P - 1e-9, max = P + 1e-9 }
  end
  expect.event { src = o.bob, name = "dtmf.tone", count = #o.digits }
  local seq = {}
  for _, digit in ipairs(o.digits) do seq[#seq + 1] = { src = o.bob, name = "dtmf.tone", args = { digit = digit } } end
  expect.sequence(seq)
  expect.measure { "selected pair at Alice is " .. o.want_pair, function() return o.pair() == o.want_pair and 1 or 0 end,
                   min = 1, max = 1 }
  expect.measure { "repeated end packets at Bob (dtmf_duplicates)", function() return o.session:stats().dtmf_duplicates end,
                   min = o.duplicates, max = o.duplicates }
  expect.measure { "packets dropped at Bob", function()
    local n = 0
    for _, v in pairs(o.session:stats().dropped) do n = n + v end
    return n
  end, min = 0, max = 0 }
  expect.never { name = "dtlsfailed" }
  expect.never { name = "track.disconnected" }
end

return M
