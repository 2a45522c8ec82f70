-- The candidate dictionary a page sees (spec: RTCIceCandidateDescription)
-- and what RFC 8445 fixes in it, read field by field from oncandidate.
--
-- Alice has two interfaces (eth0 10.0.0.1, wlan0 172.16.0.5) and two
-- RTCConnections on one socket (forking), so four host candidates:
--   * connection-id: the connection's id; component 1 (RTP, muxed);
--     transport "udp"; type "host"; connectionAddress and connectionPort
--     the socket's: 10.0.0.1:49152 and 172.16.0.5:49153 (the host's
--     ephemeral ports in order).
--   * priority (RFC 8445 s.5.1.2.1): 2^24 x 126 (host, s.5.1.2.2) +
--     2^8 x local preference + (256 - 1). The local preference falls with
--     the interface's rank (65535 for the first, 65534 for the second):
--     2130706431 for eth0 and 2130706175 for wlan0.
--   * foundation (s.5.1.1.3): 1 to 32 ice-chars; the same for candidates
--     of the same type, base and transport (eth0's two, one per
--     connection), different for another base (eth0 against wlan0).
--   * usefrag and secret (RFC 8445 s.5.3): at least 4 and 22 ice-chars
--     (24 and 128 bits), and a connection's differ from another's.
-- A candidate with a field out of its range is refused by
-- setRemoteCandidate with a message naming the field, and so is an
-- answerer's description whose usefrag or secret is too short.
scenario { name = "ICE: the candidate's fields, priority and foundation", seed = 1, duration = 2,
           covers = { "spec:RTCIceCandidateDescription.connection-id",
                      "spec:RTCIceCandidateDescription.foundation",
                      "spec:RTCIceCandidateDescription.component",
                      "spec:RTCIceCandidateDescription.transport",
                      "spec:RTCIceCandidateDescription.priority",
                      "spec:RTCIceCandidateDescription.connectionAddress",
                      "spec:RTCIceCandidateDescription.connectionPort",
                      "spec:RTCIceCandidateDescription.type", "spec:RTCConnection.oncandidate",
                      "spec:RTCConnection.setRemoteCandidate", "spec:RTCConnection.constructor-remote",
                      "spec:RTCConnectionDescription.usefrag", "spec:RTCConnectionDescription.secret",
                      "rfc8445:s5.1.1", "rfc8445:s5.1.1.3", "rfc8445:s5.1.2.1", "rfc8445:s5.1.2.2",
                      "rfc8445:s5.3" } }

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local guest = net.subnet { name = "guest", prefix = "172.16.0.0/24", link = { latency = 0.010 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
alice:interface { name = "wlan0", subnet = guest, address = "172.16.0.5" }

local sock = alice:RTCSocket()
local conns = { RTCConnection(sock), RTCConnection(sock) }
local got = { {}, {} }     -- per connection, its candidates by address
for i, c in ipairs(conns) do
  c.oncandidate = function(cand) got[i][cand.connectionAddress] = cand end
end

local function ice_chars(s, lo, hi)
  return type(s) == "string" and #s >= lo and #s <= hi and s:match("^[%w+/]+$") ~= nil
end

local rows = { "eth0 #1", "wlan0 #1", "eth0 #2", "wlan0 #2" }
local cols = { "connection-id", "component", "transport", "type", "address", "priority", "foundation" }
local expected, where = {}, {
  { 1, "10.0.0.1", 49152, 2130706431 }, { 1, "172.16.0.5", 49153, 2130706175 },
  { 2, "10.0.0.1", 49152, 2130706431 }, { 2, "172.16.0.5", 49153, 2130706175 } }
for r = 1, 4 do
  expected[r] = { "own", "1", "udp", "host", where[r][2] .. ":" .. where[r][3], tostring(where[r][4]), "ice-chars" }
end
local function measured()
  local t = {}
  for r, w in ipairs(where) do
    local c = got[w[1]][w[2]]
    if not c then
      t[r] = {}
    else
      t[r] = { c["connection-id"] == conns[w[1]].id and "own" or tostring(c["connection-id"]),
               tostring(c.component), tostring(c.transport), tostring(c.type),
               tostring(c.connectionAddress) .. ":" .. tostring(c.connectionPort), string.format("%d", c.priority),
               ice_chars(c.foundation, 1, 32) and "ice-chars" or tostring(c.foundation) }
    end
  end
  return t
end
expect.table { "Alice's host candidates, as oncandidate gave them", rows = rows, cols = cols,
               expected = expected, measured = measured }

local function foundation(i, addr) return got[i][addr] and got[i][addr].foundation end
expect.measure { "one foundation for one base, across connections", function()
  local a, b = foundation(1, "10.0.0.1"), foundation(2, "10.0.0.1")
  return (a and a == b) and 1 or 0 end, min = 1, max = 1 }
expect.measure { "another foundation for another base", function()
  local a, b = foundation(1, "10.0.0.1"), foundation(1, "172.16.0.5")
  return (a and b and a ~= b) and 1 or 0 end, min = 1, max = 1 }
expect.event { src = "alice", name = "candidate", count = 4 }
expect.event { src = "alice", name = "endofcandidates", count = 2 }

-- the credentials (RFC 8445 s.5.3)
local d1, d2 = conns[1]:getLocalDescription(), conns[2]:getLocalDescription()
expect.measure { "usefrag and secret are ice-chars of RFC 8445 s.5.3's lengths", function()
  return (ice_chars(d1.usefrag, 4, 256) and ice_chars(d1.secret, 22, 256)
          and ice_chars(d2.usefrag, 4, 256) and ice_chars(d2.secret, 22, 256)) and 1 or 0 end, min = 1, max = 1 }
expect.measure { "two connections, two sets of credentials", function()
  return (d1.usefrag ~= d2.usefrag and d1.secret ~= d2.secret
          and d1["connection-id"] ~= d2["connection-id"]) and 1 or 0 end, min = 1, max = 1 }

-- refusals, each naming its field; the good candidate is taken
local good = { ["connection-id"] = conns[1].id, foundation = "abcd1234", component = 1, transport = "udp",
               priority = 1694498815, connectionAddress = "192.0.2.33", connectionPort = 10000, type = "host" }
local function with(k, v)
  local c = {}
  for key, val in pairs(good) do c[key] = val end
  c[k] = v
  return c
end
local bad = {
  { "connection-id", "other" }, { "foundation", "no spaces" }, { "foundation", ("x"):rep(33) },
  { "component", 3 }, { "transport", "tcp" }, { "priority", 0 }, { "priority", 2147483648 },
  { "connectionAddress", "example.org" }, { "connectionPort", 0 }, { "connectionPort", 65536 },
  { "type", "relayed" },
}
local answerer = net.host { name = "bob" }
answerer:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local function desc(k, v)
  local d = { ["connection-id"] = "cred-case", usefrag = "abcd", secret = ("s"):rep(22), fingerprints = d1.fingerprints }
  d[k] = v
  return d
end
local refused = 0
sim.at(1, function()
  conns[1]:setRemoteCandidate(good)
  for _, b in ipairs(bad) do
    local ok, err = pcall(conns[1].setRemoteCandidate, conns[1], with(b[1], b[2]))
    assert(not ok, b[1] .. " = " .. tostring(b[2]) .. ": not refused")
    assert(tostring(err):find(b[1], 1, true), b[1] .. ": the message names the field: " .. tostring(err))
    refused = refused + 1
  end
  for _, b in ipairs({ { "usefrag", "abc" }, { "secret", ("s"):rep(21) } }) do
    local ok, err = pcall(RTCConnection, answerer:RTCSocket(), desc(b[1], b[2]))
    assert(not ok, b[1] .. ": a short one is not refused")
    assert(tostring(err):find(b[1], 1, true), b[1] .. ": the message names the field: " .. tostring(err))
    refused = refused + 1
  end
  -- the shortest lengths are taken
  RTCConnection(answerer:RTCSocket(), desc("usefrag", "abcd"))
end)
expect.measure { "refusals naming the field", function() return refused end, min = #bad + 2, max = #bad + 2 }
