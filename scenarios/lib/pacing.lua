-- pacing.lua: RFC 8445 s.14.2's floor on a capture: "all transactions
-- from all agents ... MUST NOT be sent more often than once every 5 ms".
--
--   local pacing = require("pacing")
--   pacing.watch(cap, t)   -- at virtual time t (before the run ends: a
--                          -- capture is read while it runs)
--   expect.measure { "...", pacing.min_gap, min = 5 }
--
-- The measure is the shortest interval, in milliseconds (from the
-- capture's integer nanoseconds: 5 ms is exactly 5), between two new
-- connectivity checks (Binding requests with PRIORITY, RFC 8445 s.7.1.1;
-- a transaction id not seen before: retransmissions are not new
-- transactions) sent from one transport address in the capture; 1e9 when
-- no address sent two. Gathering's transactions (to STUN and TURN
-- servers) are left out, as rtcsim lint's ice.pacing leaves them (D157).
local M = {}
local gap = 1e9

-- a Binding request (RFC 8489 s.5: type 0x0001, the cookie) carrying
-- PRIORITY (0x0024), attributes walked by their lengths (s.14)
local function is_check(d)
  if #d < 20 or d:byte(1) ~= 0 or d:byte(2) ~= 1 or d:sub(5, 8) ~= "\x21\x12\xa4\x42" then return false end
  local o = 21
  while o + 3 <= #d do
    local t = d:byte(o) * 256 + d:byte(o + 1)
    local l = d:byte(o + 2) * 256 + d:byte(o + 3)
    if t == 0x0024 then return true end
    o = o + 4 + (l + 3) // 4 * 4
  end
  return false
end

function M.watch(cap, t)
  sim.at(t, function()
    local last, seen = {}, {}
    for k = 1, cap.count do
      local p = cap:packet(k)
      if is_check(p.data) then
        local tid = p.data:sub(9, 20)
        if not seen[tid] then
          seen[tid] = true
          local ns = p.time
          if last[p.src] and (ns - last[p.src]) / 1e6 < gap then gap = (ns - last[p.src]) / 1e6 end
          last[p.src] = ns
        end
      end
    end
  end)
end

function M.min_gap() return gap end

return M
