-- The NAT matrix of scenarios/nat/matrix.lua carrying SRTP both ways in
-- every cell (issue 9; RFC 5764 over the pair ICE selects, through TURN
-- where only a relay works, RFC 8656; D43).
--
-- The topology, the servers and the pages' ICE are matrix.lua's (25 calls
-- at once, every pair of {no NAT, full cone, restricted, port-restricted,
-- symmetric}; its header gives the reasoning for the selected pair of
-- each cell, repeated here as the first table, so that the cells that
-- need a relay are seen to use one). Each page also has an
-- RTCMediaSession on its connection with one audio track (Opus, 50
-- packets/s) sent at once, and signals its media description with its
-- connection description; Bob takes Alice's when he makes his
-- connection, Alice takes Bob's with his answer.
--
-- Every call's ICE is connected by 1.7 s in matrix.lua's run (relayed
-- cells last); DTLS then takes two round trips (at most 0.2 s here: the
-- longest path, host to relay to host, crosses the core four times at 15
-- ms and the home links, about 130 ms a round trip), and a ClientHello
-- sent before the server side has its pair is dropped and retransmitted
-- after 1 s (D43, RFC 6347 s.4.2.4): keys by 3 s at the latest. From then
-- on each source sends a packet every 20 ms over a path with no loss and
-- no jitter, so between the samples at 3 s and 5 s each remote track
-- receives 2 / 0.02 = 100 packets, one more or less when an arrival falls
-- on a sample's instant: a cell reads "ok" when both remote tracks have
-- connected and each received 99 to 101 packets in that window, else what
-- it saw ("A n/B n", "-" for a track that never connected).

scenario { name = "media: SRTP both ways across the NAT matrix", seed = 28, duration = 5,
           covers = { "spec:MediaStreamTrack.onconnected", "rfc5764:s4.2", "rfc6347:s4.2.4", "rfc8445:s12" } }

local nm = require("natmatrix")
local kinds, labels, short, expected = nm.kinds, nm.labels, nm.short, nm.expected
local side, servers, gather_then = nm.side, nm.servers, nm.gather_then
nm.world()

local measured, media_ok = {}, {}
local function mic(who, tag)
  return MediaStream { id = who .. "-" .. tag, tracks = { MediaStreamTrack { kind = "audio", id = who .. "-mic-" .. tag } } }
end
-- a remote track's packets at 3 s and at 5 s
local function sampler(ms, cell, who)
  ms.onaddstream = function(st)
    local tr = st:getTracks()[1]
    tr.onconnected = function() cell[who .. "_connected"] = true end
    sim.at(3, function() cell[who .. "3"] = ms:trackStats(tr).packets end)
    sim.at(5, function() cell[who .. "5"] = ms:trackStats(tr).packets end)
  end
end
local cells = {}
local cap
for r, ka in ipairs(kinds) do
  measured[r] = {}
  for c, kb in ipairs(kinds) do
    local n = (r - 1) * 5 + c
    local tag = short[ka] .. short[kb]
    local alice, nat_a = side("alice", ka, n, tag, 0)
    local bob = side("bob", kb, n, tag, 1)
    if tag == "PS" then cap = net.capture(nat_a.outside_link) end
    local at_a, at_b = net.channel { alice, bob, delay = 0.05 }

    local cell = { r = r, c = c }
    cells[#cells + 1] = cell

    local a = RTCConnection(alice:RTCSocket(servers("alice", "alice-pw")))
    a.onactivecandidate = function(l, rem) measured[r][c] = l.type .. "/" .. rem.type end
    local ma = alice:RTCMediaSession()
    ma:addConnection(a)
    local sa = mic("alice", tag)
    ma:addStream(sa)
    ma:sendStream(sa)
    sampler(ma, cell, "a")
    gather_then(a, function(cands)
      at_a:send({ description = a:getLocalDescription(), candidates = cands, media = ma:getLocalDescription() })
    end)
    at_a.onmessage = function(m)
      a:setRemoteDescription(m.description)
      for _, cand in ipairs(m.candidates) do a:setRemoteCandidate(cand) end
      ma:setRemoteDescription(m.media)
      a:connect()
      at_a:send({ go = true })
    end

    local b
    local mb = bob:RTCMediaSession()
    sampler(mb, cell, "b")
    at_b.onmessage = function(m)
      if m.go then b:connect() return end
      b = RTCConnection(bob:RTCSocket(servers("bob", "bob-pw")), m.description)
      for _, cand in ipairs(m.candidates) do b:setRemoteCandidate(cand) end
      mb:addConnection(b)
      mb:setRemoteDescription(m.media)
      local sb = mic("bob", tag)
      mb:addStream(sb)
      mb:sendStream(sb)
      gather_then(b, function(cands)
        at_b:send({ description = b:getLocalDescription(), candidates = cands, media = mb:getLocalDescription() })
      end)
    end
  end
end

local all_ok = {}
for r = 1, 5 do all_ok[r] = { "ok", "ok", "ok", "ok", "ok" } end
local function media_table()
  local t = {}
  for r = 1, 5 do t[r] = {} end
  for _, cell in ipairs(cells) do
    local function side(w)
      if not cell[w .. "_connected"] or not cell[w .. "3"] or not cell[w .. "5"] then return "-" end
      return cell[w .. "5"] - cell[w .. "3"]
    end
    local na, nb = side("a"), side("b")
    local good = function(n) return n ~= "-" and n >= 99 and n <= 101 end
    t[cell.r][cell.c] = (good(na) and good(nb)) and "ok" or ("A " .. na .. "/B " .. nb)
  end
  return t
end

expect.table { "selected pair at Alice (local/remote), Alice's NAT by Bob's NAT",
               rows = labels, cols = labels, expected = expected, measured = measured }
expect.table { "audio packets from 3 s to 5 s at Alice and at Bob, 99-101 each: ok",
               rows = labels, cols = labels, expected = all_ok, measured = media_table }
expect.event { name = "connected", count = 50 }
expect.event { name = "dtlsconnected", count = 50, within = { 0, 3 } }
expect.event { name = "track.connected", count = 50, within = { 0, 3 } }
expect.never { name = "dtlsfailed" }
expect.never { name = "disconnected" }
expect.never { name = "track.disconnected" }
expect.never { name = "turn-error" }
expect.never { name = "unknowntrack" }
expect.capture { cap, golden = "media/nat-matrix.nat-alice-PS.outside.pcap",
                 decrypted = "media/nat-matrix.nat-alice-PS.outside.decrypted.pcap" }
