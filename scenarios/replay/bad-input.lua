-- Bad input to net.trace and its player (issue 13, "Bad input"; docs/replay.md):
-- each a Lua error naming the field, the file or the state, from the
-- script's line; nothing is played. A scenario author is an adversary: no
-- path outside captures/, no second player, no player on a live host or
-- before its description.
scenario { name = "replay: bad input to net.trace is refused, naming what is wrong", seed = 1, duration = 1 }

local lan = net.subnet { name = "lan", prefix = "192.0.2.0/24" }
local h = net.host { name = "h" }
h:interface { name = "eth0", subnet = lan, address = "192.0.2.1" }
local bare = net.host { name = "bare" }
local good = { file = "media/call-lan.alice.eth0.pcap", side = "10.0.0.1", keylog = "replay/call-lan.keylog" }
local function with(t)
  local o = {}
  for k, v in pairs(good) do o[k] = v end
  for k, v in pairs(t) do o[k] = v end
  return o
end
local tr = net.trace(good)
local replay = require("replay")

local cases = {
  { "an absolute path", function() net.trace(with { file = "/etc/passwd" }) end, "must be a path under captures/" },
  { "a path with ..", function() net.trace(with { file = "../README.md" }) end, "must be a path under captures/" },
  { "a key log outside", function() net.trace(with { keylog = "../../x" }) end, "keylog '../../x' must be a path" },
  { "no file", function() net.trace { side = "10.0.0.1" } end, "field 'file'" },
  { "no side", function() net.trace { file = good.file } end, "field 'side'" },
  { "a misspelt field", function() net.trace(with { sidcar = "x" }) end, "sidcar" },
  { "a file that is not there", function() net.trace(with { file = "replay/none.pcap" }) end, "none.pcap" },
  { "a file that is not a capture", function() net.trace(with { file = "replay/call-lan.keylog" }) end,
    "not a pcap or pcapng capture" },
  { "a side not in the trace", function() net.trace(with { side = "10.9.9.9" }) end, "no datagram from 10.9.9.9" },
  { "a side that is no address", function() net.trace(with { side = "alice" }) end, "is not ADDR or ADDR:PORT" },
  { "a bad credentials line", function() net.trace(with { credentials = { "ice onlyufrag" } }) end, "credentials[1]" },
  { "a sidecar that is not JSON text", function() net.trace(with { sidecar = "replay/none.json" }) end, "none.json" },
  { "command = true outside rtcsim replay", function() net.trace { command = true } end, "not rtcsim replay's" },
  { "the description before a player", function() tr:description() end, "no player yet" },
  { "start before a player", function() tr:start() end, "no player yet" },
  { "play on no host", function() tr:play { host = lan } end, "must be a host" },
  { "play on a host with no interface", function() tr:play { host = bare } end, "has no interface" },
  { "play, a misspelt field", function() tr:play { host = h, controling = true } end, "controling" },
  { "start before the IUT's description", function() tr:play { host = h }; tr:start() end,
    "needs its host and the IUT's description" },
  { "play again", function() tr:play { host = h } end, "has a player already" },
  { "a short ufrag", function() tr:set_remote { usefrag = "ab", secret = string.rep("s", 22) } end, "4-256" },
  { "a secret not a string", function() tr:set_remote { usefrag = "abcd", secret = 12 } end, "secret" },
  { "a candidate address", function() tr:add_remote { connectionAddress = "somewhere", connectionPort = 1 } end,
    "not an IPv4 address" },
  { "a candidate port", function() tr:add_remote { connectionAddress = "192.0.2.2", connectionPort = 70000 } end,
    "connectionPort" },
  { "replay{}, a misspelt option", function() replay { trace = good.file, side = good.side, sidcar = "x" } end,
    "unknown option 'sidcar'" },
}
local refused = 0
for _, c in ipairs(cases) do
  local ok, err = pcall(c[2])
  assert(not ok, c[1] .. ": not refused")
  assert(tostring(err):find(c[3], 1, true), c[1] .. ": the message should name '" .. c[3] .. "': " .. tostring(err))
  assert(tostring(err):find("bad-input.lua:", 1, true), c[1] .. ": the message names the file and line: " .. tostring(err))
  refused = refused + 1
end
expect.measure { "refusals", function() return refused end, min = #cases, max = #cases }
-- nothing was played: the player never started
expect.never { src = "replay" }
expect.measure { "datagrams the player sent", function() return tr:stats().sent_checks end, max = 0 }
