-- nat/turn-refresh.lua against both TURN servers: the project's and
-- Debian's coturn (a live host), the same ref/ clients, the outcomes in
-- one table (issue 12). Real time: 700 s (make interop-long).
--
-- A relayed call outlives its allocation's lifetime (RFC 8656 s.3.2: 600 s
-- unless the server says otherwise; s.8: the client refreshes before it
-- expires). Without a refresh the allocation would expire at about 601 s
-- and Alice would lose consent 30 s later (RFC 7675 s.5.1). With it,
-- relayed datagrams keep coming through the last 100 s: consent checks,
-- one each way every 4-6 s from each side, so at least
-- 2 x 2 x floor(90 / 6) = 60 between Bob and the server from 605 to
-- 695 s. Both servers must give the same row.

scenario { name = "interop: a relayed call outlives its allocation, the project's server and coturn", seed = 30,
           duration = 700 }
local tp = require("turnpair")

local dc, internet, servers = tp.servers()
local rows, measured = {}, {}
for i, server in ipairs(servers) do
  local row = tp.relayed_call(i, server, dc, internet, 1.0)
  rows[i] = row
  measured[i] = { "none", "?", "?" }
  sim.at(699, function()
    local relayed = tp.count(server.cap, 605, 695, function(p)
      return p.src:sub(1, #row.bob_ip + 1) == row.bob_ip .. ":" or p.dst:sub(1, #row.bob_ip + 1) == row.bob_ip .. ":"
    end)
    measured[i] = { row.pair, row.disconnected and string.format("at %.1f s", row.disconnected) or "never",
                    relayed >= 60 and "60 or more" or tostring(relayed) }
  end)
end
expect.table { "Alice's relayed call past 600 s through each TURN server",
               rows = { "project TURN", "coturn" },
               cols = { "pair at Alice", "disconnected", "relayed 605-695 s" },
               expected = { { "relay/host", "never", "60 or more" }, { "relay/host", "never", "60 or more" } },
               measured = measured }
