-- What a scenario can observe is a function of the seed.
--
-- Everything the sandbox lets a script see that could differ from run to
-- run if the process leaked through (a memory address, Lua's per-process
-- string hash seed, the wall clock, the OS's randomness) is written into
-- the event log here, one `observe` event per observable. The suite runs
-- every scenario twice and diffs the reports byte for byte, so a leak in
-- any of these makes `make test` fail.
--
-- Keep it current as the API grows: a new binding type, a new function
-- that shows or orders values, a new library: add what it shows here.

scenario { name = "Sandbox: every observable is a function of the seed", seed = 5 }

local function observe(what, value)
  sim.event("observe", { what = what, value = value })
end

-- ---- the objects of every binding type ------------------------------------

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24" }
local wan = net.subnet { name = "wan", prefix = "192.0.2.0/24" }
local nat = net.nat { name = "nat", outside = wan, address = "192.0.2.1", type = "full-cone" }
local home = net.subnet { name = "home", prefix = "192.168.1.0/24", behind = nat }
local fw = net.firewall { name = "fw", subnet = lan, allow = { "192.0.2.0/24" } }
local h = net.host { name = "h" }
local eth0 = h:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local srv = net.host { name = "srv" }
srv:interface { name = "eth0", subnet = wan, address = "192.0.2.10" }
local pc = net.host { name = "pc" }
pc:interface { name = "eth0", subnet = home, address = "192.168.1.2" }
local udp = h:udp { port = 5000 }
local cap = net.capture(eth0)
local end_a, end_b = net.channel { h, srv }
local stun_server = net.stun_server { host = srv }
local turn_server = net.turn_server { host = srv, port = 3479, users = { u = "pw" } }
local rtc_socket = h:RTCSocket()
local conn = RTCConnection(rtc_socket)
conn.oncandidate = function(c) observe("candidate", json.encode(c)) end

local objects = {
  { "Subnet", lan }, { "NAT", nat }, { "Firewall", fw }, { "Host", h },
  { "Interface", eth0 }, { "Link", net.link("h.eth0") }, { "Socket", udp },
  { "Capture", cap }, { "ChannelEnd", end_a }, { "StunServer", stun_server },
  { "TurnServer", turn_server }, { "RTCSocket", rtc_socket }, { "RTCConnection", conn },
}
for _, o in ipairs(objects) do
  observe("object " .. o[1], string.format("%s|%p|%10s|%-12p|", tostring(o[2]), o[2], o[2], o[2]))
end

-- ---- tostring, string.format and print of every type ----------------------

local named = setmetatable({}, { __name = "Thing" })
local shown = setmetatable({}, { __tostring = function() return "shown" end })
local values = {
  { "nil", nil }, { "true", true }, { "integer", 42 }, { "float", 1.5 }, { "minus zero", -0.0 },
  { "huge", math.huge }, { "max integer", math.maxinteger }, { "string", "text" },
  { "table", {} }, { "named table", named }, { "table with __tostring", shown },
  { "Lua function", observe }, { "C function", print }, { "library function", string.format },
  { "json.null", json.null }, { "library table", string },
}
for _, v in ipairs(values) do
  local x = v[2]
  observe("value " .. v[1], table.concat({ tostring(x), string.format("%s", x), string.format("%p", x),
                                            type(x) }, "|"))
end
print("print:", {}, print, h, named, shown, nil, 1.5, json.null)
observe("%q", string.format("%q %q %q", "a\nb\0c", 7, 0.1))
observe("coroutines", type(coroutine))
observe("string.dump length", tostring(#string.dump(observe)))

-- ---- the order of next and pairs -------------------------------------------

local mixed = { zeta = 1, alpha = 2, [3] = "c", [1] = "a", mid = 3, [2.5] = "x", [true] = "y",
                [false] = "n", [-7] = "m", [math.mininteger] = "min", [""] = "empty" }
for i = 1, 100 do mixed["k" .. i] = i end
local order = {}
for k in pairs(mixed) do order[#order + 1] = tostring(k) end
observe("pairs order", table.concat(order, ","))
order = {}
local k = next(mixed)
while k ~= nil do
  order[#order + 1] = tostring(k)
  k = next(mixed, k)
end
observe("next order", table.concat(order, ","))
observe("json object order", json.encode({ b = 1, a = { z = 1, y = 2 }, c = json.null }))

-- Ties in table.sort, which is not stable. The three smallest keys at the
-- ends and the middle unbalance the first partition, after which Lua
-- seeds its pivots from clock().
local records = {}
for i = 1, 1000 do records[i] = { key = 10 + i % 3, id = i } end
records[1].key, records[500].key, records[1000].key = 1, 2, 3
table.sort(records, function(x, y) return x.key < y.key end)
local ids = {}
for i = 1, 1000 do ids[i] = records[i].id end
observe("sort with ties", table.concat(ids, ","))

-- ---- error messages ---------------------------------------------------------

local function err(f, ...)
  local ok, e = pcall(f, ...)
  return tostring(ok) .. " " .. tostring(e)
end
local errors = {
  { "error with a table", function() error({}) end },
  { "error with __tostring", function() error(shown) end },
  { "index nil", function() local t = nil; return t.x end },
  { "call a table", function() local t = {}; t() end },
  { "arithmetic on a Host", function() return h + 1 end },
  { "compare tables", function() return {} < {} end },
  { "concatenate a function", function() return "x" .. print end },
  { "bad argument, a Host", function() return string.rep(h, 2) end },
  { "bad field", function() udp.nope = 1 end },
  { "pairs over a table key", function() for _ in pairs({ [{}] = 1 }) do end end },
  { "next over a function key", function() return next({ [print] = 1 }) end },
  { "malformed pattern", function() return ("x"):find("[a") end },
  { "sim.event argument", function() sim.event("x", { b = print, a = h }) end },
  { "json.encode", function() return json.encode({ f = print }) end },
  { "json.encode keys", function()
      local t = {}
      for i = 1, 8 do t[{}] = i; t[function() end] = i end
      return json.encode(t)
    end },
}
for _, e in ipairs(errors) do observe("error " .. e[1], err(e[2])) end

-- ---- randomness and time ------------------------------------------------------

local draws = {}
for i = 1, 5 do draws[#draws + 1] = tostring(math.random(1000000)) end
draws[#draws + 1] = string.format("%.17g", math.random())
draws[#draws + 1] = tostring(math.random(0))
draws[#draws + 1] = tostring(math.random(-3, 3))
math.randomseed(7)
draws[#draws + 1] = tostring(math.random(1000000))
observe("math.random", table.concat(draws, ","))
observe("time at start", string.format("%s %s %s", os.time(), os.clock(), sim.now()))
sim.at(1.5, function()
  observe("time in a callback", string.format("%s %s %s", os.time(), os.clock(), sim.now()))
end)
sim.run(3)
