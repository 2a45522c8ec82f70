-- media.lua: the page-level glue of a media call between two peers, as a
-- web page would write it, for scenarios about the media plane.
--
--   local media = require("media")
--   local call = media.call {
--     a = { host = alice, streams = { MediaStream{ tracks = { mic } } }, options = {...} },
--     b = { host = bob, streams = { ... } },
--     channel = { delay = 0.02 },
--   }
--   -- call.a / call.b: the RTCConnections (peers.lua; call.b appears when
--   -- the offer lands); call.ma / call.mb: the RTCMediaSessions, made at
--   -- once so that handlers can be set before anything arrives.
--
-- Each side makes its session on its host, adds its connection (the
-- offerer's at once, the answerer's when the offer lands), adds its
-- streams, sends them (unless send = false) and signals its whole local
-- description as JSON over the call's signalling channel ({ media = d });
-- the other side takes it with setRemoteDescription(d). Per side:
--   host       the simulated host
--   socket     its RTCSocket (default: host:RTCSocket())
--   options    RTCMediaSessionOptions for host:RTCMediaSession
--   streams    local MediaStreams to add
--   send       false: add the streams but do not send them
--   signal     false: do not signal the local description (the scenario does)
-- and channel, hold, relay_only as peers.call takes them.
--
-- media.signal(call, side, description [, incremental]) sends a (partial)
-- description from side "a" or "b"; the other side applies it with the
-- incremental flag given. media.same(x, y) compares two plain values
-- (tables deeply) and returns nil, or the path where they first differ.
-- media.remote_stats(session, id) is the trackStats of a remote track.
local peers = require("peers")
local M = {}

local function other(side) return side == "a" and "b" or "a" end

function M.signal(call, side, d, incremental)
  local out = side == "a" and call.at_a or call.at_b
  out:send({ media = d, incremental = incremental or false })
end

-- a message from the other side: media descriptions here, the rest to
-- peers.lua's handler
local function wrap(call, side)
  local at = side == "a" and call.at_a or call.at_b
  local inner = at.onmessage
  at.onmessage = function(m)
    if m.media then
      call["m" .. side]:setRemoteDescription(m.media, m.incremental)
      if call.onremote then call.onremote(side, m.media, m.incremental) end
    else
      inner(m)
    end
  end
end

local function start(call, side, o)
  local ms = call["m" .. side]
  ms:addConnection(call[side])
  for _, s in ipairs(o.streams or {}) do
    ms:addStream(s)
    if o.send ~= false then ms:sendStream(s) end
  end
  if o.signal ~= false then M.signal(call, side, ms:getLocalDescription()) end
end

function M.call(o)
  local sa = o.a.socket or o.a.host:RTCSocket()
  local sb = o.b.socket or o.b.host:RTCSocket()
  local call
  local ch = { o.a.host, o.b.host }
  for k, v in pairs(o.channel or {}) do ch[k] = v end
  local ma = o.a.host:RTCMediaSession(o.a.options)
  local mb = o.b.host:RTCMediaSession(o.b.options)
  call = peers.call {
    a = sa, b = sb, channel = ch, hold = o.hold, relay_only = o.relay_only,
    on_b = function(b)
      call.b = b
      start(call, "b", o.b)
    end,
  }
  call.ma, call.mb = ma, mb
  wrap(call, "a")
  start(call, "a", o.a)
  wrap(call, "b")
  return call
end

function M.same(x, y, path)
  path = path or "description"
  if type(x) ~= type(y) then
    return string.format("%s: %s against %s", path, type(x), type(y))
  end
  if type(x) ~= "table" then
    if x ~= y then return string.format("%s: %s against %s", path, tostring(x), tostring(y)) end
    return nil
  end
  for k, v in pairs(x) do
    local d = M.same(v, y[k], path .. "." .. tostring(k))
    if d then return d end
  end
  for k, _ in pairs(y) do
    if x[k] == nil then return string.format("%s.%s: missing against present", path, tostring(k)) end
  end
  return nil
end

M.other = other
-- The trackStats of the remote track with this id on session ms, or nil
-- when ms has none (yet).
function M.remote_stats(ms, id)
  for _, st in ipairs(ms:getReceivingStreams()) do
    for _, tr in ipairs(st:getTracks()) do
      if tr.id == id then return ms:trackStats(tr) end
    end
  end
end

return M
