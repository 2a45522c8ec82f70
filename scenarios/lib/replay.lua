-- replay.lua: a recorded trace played to an implementation under test (issue 13,
-- docs/replay.md). The player (net.trace, sim/replay/player.c) plays the recorded
-- side; this file is the page around it: it builds the IUT's objects as a web page
-- would, signals the player's description and candidates to them, and states what
-- the IUT must do with the trace.
--
--   local replay = require("replay")
--   local r = replay { trace = "media/call-lan.alice.eth0.pcap", side = "10.0.0.1",
--                      keylog = "replay/call-lan.keylog", sidecar = "replay/call-lan.sidecar.json" }
--
-- Options (every file is under captures/; command = true takes rtcsim replay's):
--   trace (net.trace's file), side, keylog, srtp_keys, sidecar, credentials, encrypted, command
--                 what net.trace takes
--   iut           the IUT's host (default: a host named as the sidecar's peer of the
--                 side, else "iut", on a LAN with the player)
--   player        the player's host (default: "player" on that LAN)
--   lan           link parameters of the default LAN (default latency 5 ms)
--   controlling   the player's ICE role when the trace holds no check of the side
--   media         the remote media description the IUT is given (default: the
--                 sidecar's last one of the side; none: the IUT reports every source
--                 as an unknown track)
--   options       the IUT's RTCMediaSession options (codecs, extmap)
--   ice_servers   the IUT's RTCSocket iceServers (a STUN or TURN server of the scenario's)
--   linger        seconds the IUT's session lives after the trace's last message
--                 (default: as long as the original run's last event of the replaced
--                 host came after it, a second more; without a sidecar 11 s: a silence
--                 must be able to time the tracks out, and RFC 3550 s.6.3.5's timeout
--                 is two report intervals of at least 5 s, D63: 10 s)
--   live          true: the IUT is a live program (docs/live.md), whose DTLS events the
--                 control protocol does not carry: its dtlsconnected is not expected
--                 (the player's is, and the tracks connecting show the keys agree)
--   expect        false: state no expectation (the scenario states its own)
--   original      false: do not compare the IUT's events with the sidecar's
--
-- It returns r with r.trace (the net.trace object), r.iut = { host, socket,
-- connection, session }, r.player (host), r.description (the media description
-- given), r.unknown (ssrc -> the extension ids the IUT reported).
local M = {}

-- events of the receiving side that a replay reproduces (what the replaced
-- host saw of the side), by name, and the arguments that must agree
local SAME = {
  addstream = { "stream" }, addtrack = { "stream", "track" }, connected = {}, dtlsconnected = { "profile" },
  ["track.connected"] = { "stream", "track" }, ["stream.connected"] = { "stream" },
  ["track.disconnected"] = { "track", "reason" }, ["stream.disconnected"] = { "stream" },
  removestream = { "stream" }, removetrack = { "stream", "track" }, unknowntrack = { "ssrc" },
  ["ssrc-changed"] = { "track", "ssrc", "new_ssrc" },
  ["dtmf.tone"] = { "track", "digit", "units", "volume", "ended" },
}

local function signature(ev, args)
  local keys = SAME[ev]
  if not keys then return nil end
  local s = ev
  for _, k in ipairs(keys) do
    local v = args and args[k]
    if v ~= nil then s = s .. " " .. k .. "=" .. tostring(v) end
  end
  return s
end

local function ip_of(side)
  if side:sub(1, 1) == "[" then return side:match("^%[(.-)%]") end
  local a, rest = side:match("^([^:]+):?(.*)$")
  if rest ~= "" and rest:find(":") then return side end   -- IPv6 without a port
  return a
end

-- The sidecar's host that had the side's address, its connection and media, and
-- the host at the other end of that connection.
local function from_sidecar(text, side)
  local sc = json.decode(text)
  if type(sc) ~= "table" or sc.format ~= "rtcsim-sidecar 1" or type(sc.hosts) ~= "table" then
    error("replay: the sidecar is not an rtcsim sidecar (format \"rtcsim-sidecar 1\")", 3)
  end
  local ip = ip_of(side)
  local me, conn
  for _, h in ipairs(sc.hosts) do
    for _, a in ipairs(h.addresses or {}) do
      if a == ip and not me then me = h end
    end
  end
  if not me then error("replay: the sidecar has no host with the address " .. ip, 3) end
  conn = (me.connections or {})[1]
  local peer
  if conn then
    for _, h in ipairs(sc.hosts) do
      if h ~= me then
        for _, c in ipairs(h.connections or {}) do
          if c["connection-id"] == conn["connection-id"] then peer = h end
        end
      end
    end
  end
  -- the side's media descriptions (its first session's), each at the time
  -- its page read it
  local media = {}
  for _, m in ipairs(me.media or {}) do
    if m.session == (me.media[1].session) then media[#media + 1] = { t = m.t or 0, description = m.description } end
  end
  return { host = me, conn = conn, peer = peer, media = media }
end

local function copy(t)
  if type(t) ~= "table" then return t end
  local c = {}
  for k, v in pairs(t) do c[k] = copy(v) end
  return c
end

-- what the player does not play, and why (docs/replay.md)
function M.skipped_text(tr)
  local parts = {}
  local why = { response = "recorded STUN responses (the player answers itself)",
                dtls = "DTLS records (a fresh handshake instead)", turn = "TURN messages (to a server)",
                ["stun-server"] = "Binding requests to a STUN server",
                encrypted = "SRTP/SRTCP without keys", unauthenticated = "SRTP/SRTCP that does not authenticate",
                tcp = "datagrams over TCP", other = "other protocols" }
  local sk = tr:skipped()
  local names = {}
  for k in pairs(sk) do names[#names + 1] = k end
  table.sort(names)
  for _, k in ipairs(names) do
    if sk[k] > 0 then parts[#parts + 1] = string.format("%d %s", sk[k], why[k] or k) end
  end
  return #parts > 0 and table.concat(parts, ", ") or "nothing"
end

local OPTIONS = { trace = true, side = true, keylog = true, srtp_keys = true, sidecar = true, credentials = true,
                  encrypted = true, command = true, iut = true, player = true, lan = true, controlling = true,
                  media = true, options = true, ice_servers = true, linger = true, live = true, expect = true,
                  original = true }

function M.run(o)
  o = o or {}
  if type(o) ~= "table" then error("replay: give a table of options", 2) end
  local given_o = o
  o = {}
  for k, v in pairs(given_o) do
    if not OPTIONS[k] then error("replay: unknown option '" .. tostring(k) .. "' (docs/replay.md)", 2) end
    o[k] = v        -- a copy: the scenario's table is not changed
  end
  local tr = net.trace { file = o.trace, side = o.side, keylog = o.keylog, srtp_keys = o.srtp_keys,
                         sidecar = o.sidecar, credentials = o.credentials, encrypted = o.encrypted,
                         command = o.command }
  local sc = tr.sidecar and from_sidecar(tr.sidecar, tr.side) or nil
  local r = { trace = tr }
  sim.log(string.format("replay: %s as %s: %d messages over %.3f s to play; not played: %s", tr.file, tr.side,
                        tr.kept, tr.duration, M.skipped_text(tr)))

  -- the topology: one LAN (RFC 5737's TEST-NET-1), unless the scenario gave hosts
  local iut, player = o.iut, o.player
  if not iut or not player then
    local lan = net.subnet { name = "replay", prefix = "192.0.2.0/24", link = o.lan or { latency = 0.005 } }
    -- both ends on it, nothing between them (the expectations count on that)
    r.lan = not o.iut and not o.player and lan or nil
    if not player then
      player = net.host { name = "player" }
      player:interface { name = "eth0", subnet = lan, address = "192.0.2.1" }
    end
    if not iut then
      -- rtcsim replay --live: the IUT is that program, on a live host
      local live = tr.live
      if live then o.live = true end
      iut = net.host { name = (sc and sc.peer and sc.peer.name) or "iut", run = live, control = live and true or nil }
      -- the IUT's own output, captured (rtcsim replay lints it)
      r.capture = net.capture(iut:interface { name = "eth0", subnet = lan, address = "192.0.2.2" })
    end
  end
  r.player = player

  -- roles: the trace's, else the sidecar's, else the scenario's (D43: the
  -- offerer controls, and is the DTLS server)
  local controlling
  if tr.role then
    controlling = tr.role == "controlling"
  elseif sc and sc.conn and sc.conn.role then
    controlling = sc.conn.role == "controlling"
  elseif o.controlling ~= nil then
    controlling = o.controlling
  else
    error("replay: the trace holds no ICE check of " .. tr.side .. " and there is no sidecar: say controlling = true or false", 2)
  end
  tr:play { host = player, controlling = controlling }
  local pd = tr:description()

  -- the IUT, as a page drives it
  local sock = iut:RTCSocket(o.ice_servers)
  local ms = iut:RTCMediaSession(o.options)
  local conn, cid
  if controlling then
    cid = (sc and sc.conn and sc.conn["connection-id"]) or "replay-connection"
    conn = RTCConnection(sock, { ["connection-id"] = cid, usefrag = pd.usefrag, secret = pd.secret,
                                 fingerprints = pd.fingerprints })
  else
    conn = RTCConnection(sock)
    cid = conn.id
  end
  tr:set_remote(conn:getLocalDescription())
  local started = false
  conn.oncandidate = function(c)
    conn:setLocalCandidate(c)
    tr:add_remote(c)
  end
  conn.onendofcandidates = function()
    if not started then
      started = true
      tr:start()
    end
  end
  for i, port in ipairs(tr:ports()) do
    conn:setRemoteCandidate { component = 1, ["connection-id"] = cid, connectionAddress = pd.address, connectionPort = port,
                              foundation = "replay" .. i, priority = 2130706431 - i, transport = "udp", type = "host" }
  end
  if not controlling then conn:setRemoteDescription { ["connection-id"] = cid, usefrag = pd.usefrag,
                                                      secret = pd.secret, fingerprints = pd.fingerprints } end
  conn:connect()
  ms:addConnection(conn)
  -- the side's media description: the scenario's or --media's at once, else
  -- the sidecar's, each at the time the side's page read it (D183)
  local given = o.media or (tr.media and json.decode(tr.media))
  local plan = given and { { t = 0, description = given } } or (sc and sc.media) or {}
  local function apply(d)
    d = copy(d)
    for _, t in pairs(d) do t["connection-id"] = cid end
    ms:setRemoteDescription(d)
  end
  for _, m in ipairs(plan) do
    if m.t <= 0 then apply(m.description) else sim.at(m.t, function() apply(m.description) end) end
  end
  r.plan = plan
  r.description = #plan > 0 and plan[#plan].description or nil
  r.iut = { host = iut, socket = sock, connection = conn, session = ms }
  r.unknown = {}
  -- onunknowntrack names an extension by its options' extmap (name -> id,
  -- D72), else by its id in decimal
  r.extmap = (o.options and o.options.extmap) or {}
  ms.onunknowntrack = function(e)
    local ids = {}
    for nm in pairs(e.rtpExtHeaders or {}) do ids[#ids + 1] = r.extmap[nm] or math.tointeger(tonumber(nm)) or -1 end
    table.sort(ids)
    r.unknown[e.ssrc] = ids
  end

  -- the end: the IUT's session closes `linger` s after the player's last message,
  -- so the run is idle after; a player that never finishes (no keys: media waits
  -- for them) is stopped 30 s after the trace's length
  local linger = o.linger
  if not linger and sc and sc.peer and sc.peer.events and #sc.peer.events > 0 then
    -- as long as the original run went on after the trace: its last event
    -- of the replaced host, a second more
    linger = math.max(1, sc.peer.events[#sc.peer.events].t - tr.duration + 1)
  end
  linger = linger or 11
  local deadline = tr.duration + 30
  local poll
  poll = sim.every(0.25, function()
    if tr:stats().done or sim.now() > deadline then
      sim.cancel(poll)
      sim.after(linger, function()
        sim.log("replay: the player: " .. json.encode(tr:stats()))
        sim.log("replay: the IUT's session: " .. json.encode(ms:stats()))
        ms:close()
      end)
    end
  end)

  if o.expect ~= false then M.expectations(r, tr, sc, iut, o) end
  return r
end

function M.expectations(r, tr, sc, iut, o)
  local name = iut.name
  local st = function() return tr:stats() end
  -- RFC 8445 s.7.3: every check answered, and before the check's first
  -- retransmission was due (s.14.3: RTO at least 500 ms)
  expect.measure { "replay: the trace's checks the IUT answered (fraction)", function()
    local s = st(); return s.transactions > 0 and s.answered / s.transactions or 1 end, min = 1 }
  expect.measure { "replay: slowest answer to a check (s)", function() return st().rtt_max end, max = 0.5 }
  expect.measure { "replay: datagrams the player could not send", function()
    local s = st(); return s.unsent_no_target + s.unsent_no_keys + s.unsent_failed end, max = 0 }
  expect.measure { "replay: the IUT's datagrams the player could not read", function()
    local s = st(); return s.iut_bad + s.iut_srtp_bad end, max = 0 }
  expect.measure { "replay: the player played the whole trace", function() return st().done and 1 or 0 end, min = 1 }
  if r.lan then
    -- RFC 8489 s.14.2: on the replay's own LAN no NAT stands between, so each
    -- answer's XOR-MAPPED-ADDRESS is the player's socket
    expect.measure { "replay: the IUT's answers mapping the player elsewhere", function()
      return st().iut_mapped_other end, max = 0 }
  end
  expect.event { src = name, name = "connected" }
  expect.event { src = "replay", name = "dtlsconnected", count = 1 }
  if not o.live then expect.event { src = name, name = "dtlsconnected", count = 1 } end
  expect.never { src = "replay", name = "dtlsfailed" }

  -- the sources: a described one connects its tracks (a dtmf track shares its
  -- audio track's SSRC, D92, and connects with it); an undescribed one is an
  -- unknown track with the trace's extension ids (spec: onunknowntrack)
  local byssrc = {}
  local ids = {}
  for id in pairs(r.description or {}) do ids[#ids + 1] = id end
  table.sort(ids)
  for _, id in ipairs(ids) do
    local t = r.description[id]
    local k = tostring(t.ssrc)
    byssrc[k] = byssrc[k] or {}
    table.insert(byssrc[k], { id = id, t = t })
  end
  local rows, expected = {}, {}
  for _, s in ipairs(tr:sources()) do
    if s.packets > 0 then
      local tracks = byssrc[s.ssrc]
      -- unknown when its first packet came before any description naming it
      local known_at_first = false
      for _, m in ipairs(r.plan) do
        for _, t in pairs(m.description) do
          known_at_first = known_at_first or (tostring(t.ssrc) == s.ssrc and m.t <= s.first)
        end
      end
      if not known_at_first then
        local ext = {}
        for _, x in ipairs(s.extensions) do ext[#ext + 1] = x end
        table.sort(ext)
        rows[#rows + 1] = s.ssrc
        -- a first block that does not parse (RFC 8285) is read differently by
        -- receivers: it is said, not compared (D184)
        expected[#expected + 1] = { "yes", s.extensions_malformed and "(malformed in the trace: not compared)"
                                           or table.concat(ext, " ") }
        r.malformed = r.malformed or {}
        r.malformed[s.ssrc] = s.extensions_malformed
      end
      if tracks then
        for _, x in ipairs(tracks) do
          -- a track connects on a packet of one of its own payload types
          local own = false
          for _, c in ipairs(x.t.codecs or {}) do
            for _, pt in ipairs(s.pts) do own = own or c["payload-id"] == pt end
          end
          if x.t.kind ~= "dtmf" and own then
            expect.event { src = name, name = "track.connected", args = { track = x.id }, count = 1 }
            if s.bye then
              expect.event { src = name, name = "track.disconnected", args = { track = x.id, reason = "bye" }, count = 1 }
            end
          end
        end
      end
    end
  end
  if #rows > 0 then
    expect.table { "replay: unknown tracks the IUT reported", rows = rows,
                   cols = { "reported", "extension ids" },
                   expected = expected, measured = function()
                     local m = {}
                     for i, ssrc in ipairs(rows) do
                       local got = r.unknown[ssrc]
                       m[i] = { got and "yes" or "no", r.malformed[ssrc] and "(malformed in the trace: not compared)"
                                                       or got and table.concat(got, " ") or "" }
                     end
                     return m
                   end }
  end

  -- RFC 4733 events of a described telephone-event payload type: each decoded
  -- once, by the dtmf track, with its duration (units of its clock, and ms)
  -- and volume
  local digits = "0123456789*#ABCD"
  local tones, torder = {}, {}
  for _, s in ipairs(tr:sources()) do
    for _, e in ipairs(s.events) do
      for _, x in ipairs(byssrc[s.ssrc] or {}) do
        for _, c in ipairs(x.t.codecs or {}) do
          if c["payload-id"] == e.pt and c.name == "telephone-event" and e.ended and e.event <= 15 then
            local args = { track = x.id, digit = digits:sub(e.event + 1, e.event + 1), units = e.duration,
                           volume = e.volume, ended = true }
            -- in ms (RFC 4733 s.2.3.5: units of the codec's clock), where that is exact
            local clock = c.clockRate or c.hzRate
            if clock and (e.duration * 1000) % clock == 0 then args.duration = e.duration * 1000 // clock end
            local k = json.encode(args)
            if not tones[k] then tones[k] = { args = args, n = 0 }; torder[#torder + 1] = k end
            tones[k].n = tones[k].n + 1
          end
        end
      end
    end
  end
  table.sort(torder)
  for _, k in ipairs(torder) do
    expect.event { src = name, name = "dtmf.tone", args = tones[k].args, count = tones[k].n }
  end

  -- the original run's events of the replaced host (the sidecar): each as often
  -- from the IUT (their arguments that do not depend on addresses or times)
  if o.original ~= false and sc and sc.peer then
    local orig, order = {}, {}
    for _, e in ipairs(sc.peer.events or {}) do
      local sig = signature(e.ev, e.args)
      if sig and not (o.live and e.ev == "dtlsconnected") then
        if not orig[sig] then
          local args = {}
          for _, k in ipairs(SAME[e.ev]) do args[k] = e.args and e.args[k] end
          orig[sig] = { ev = e.ev, args = args, n = 0 }
          order[#order + 1] = sig
        end
        orig[sig].n = orig[sig].n + 1
      end
    end
    table.sort(order)
    local seen = {}
    for _, sig in ipairs(order) do
      local x = orig[sig]
      seen[x.ev] = true
      expect.event { src = name, name = x.ev, args = x.args, count = x.n }
    end
    -- and none the original did not have
    local names = {}
    for ev in pairs(SAME) do names[#names + 1] = ev end
    table.sort(names)
    for _, ev in ipairs(names) do
      if not seen[ev] and not (o.live and ev == "dtlsconnected") then expect.never { src = name, name = ev } end
    end
  end
end

setmetatable(M, { __call = function(_, o) return M.run(o) end })
return M
