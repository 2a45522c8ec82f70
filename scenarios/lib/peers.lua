-- peers.lua: the page-level glue of a call between two peers, as a web
-- page would write it, for scenarios that are about something else.
--
--   local peers = require("peers")
--   local call = peers.call { a = sock_a, b = sock_b, channel = { alice, bob, delay = 0.02 } }
--   -- call.a is the offerer's RTCConnection; call.b appears when the offer lands
--
-- Options:
--   a, b          the two RTCSockets (offerer, answerer)
--   channel       net.channel arguments for the signalling channel
--   hold          seconds the offerer keeps its candidates before sending
--                 them (trickle after the description, not with it)
--   connect_a     false: the offerer does not call connect(); the scenario
--                 does, as call.a:connect(), when it wants
--   on_b          function(b) called when the answerer's connection exists
--   relay_only    the offerer uses and signals relay candidates only (a
--                 page's relay-only policy: its addresses stay private)
--
-- peers.restart(call) restarts ICE from the offerer's side (update(), the
-- new description signalled, connect()); the answerer answers a restarted
-- description with an update() of its own.
local M = {}

function M.call(o)
  local call = {}
  call.at_a, call.at_b = net.channel(o.channel)

  local function trickle(conn, out, hold, relay_only)
    conn.oncandidate = function(c)
      if relay_only and c.type ~= "relay" then return end
      conn:setLocalCandidate(c)
      if hold and hold > 0 then
        sim.after(hold, function() out:send({ candidate = c }) end)
      else
        out:send({ candidate = c })
      end
    end
  end

  -- the offerer
  call.a = RTCConnection(o.a)
  trickle(call.a, call.at_a, o.hold, o.relay_only)
  call.at_a:send({ description = call.a:getLocalDescription() })
  call.at_a.onmessage = function(m)
    if m.description then call.a:setRemoteDescription(m.description) end
    if m.candidate then call.a:setRemoteCandidate(m.candidate) end
  end
  if o.connect_a ~= false then call.a:connect() end

  -- the answerer, when the offer lands
  call.at_b.onmessage = function(m)
    if m.description and call.b then
      -- a restarted offer: take it, restart too, answer
      call.b:setRemoteDescription(m.description)
      call.b:update()
      call.at_b:send({ description = call.b:getLocalDescription() })
      call.b:connect()
    elseif m.description then
      call.b = RTCConnection(o.b, m.description)
      trickle(call.b, call.at_b)
      call.at_b:send({ description = call.b:getLocalDescription() })
      call.b:connect()
      if o.on_b then o.on_b(call.b) end
    end
    if m.candidate then call.b:setRemoteCandidate(m.candidate) end
  end
  return call
end

function M.restart(call)
  call.a:update()
  call.at_a:send({ description = call.a:getLocalDescription() })
  call.a:connect()
end

return M
