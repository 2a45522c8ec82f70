-- Gathering host candidates: the smallest scenario.
--
-- One host with two interfaces, an RTCSocket and an offerer
-- RTCConnection; nothing is connected. What it expects is what any
-- conforming implementation does (docs/implementers.md: this is the first
-- scenario an implementation under test passes, tests/impl/skeleton.c
-- passes it), so there is no byte golden:
--   - one host candidate per interface, on the address the harness gave
--     the socket there (RFC 8445 s.5.1.1.1: a host candidate is the
--     transport address of the interface), component 1, transport udp;
--   - its priority per RFC 8445 s.5.1.2.1, (2^24)(type preference) +
--     (2^8)(local preference) + (256 - component): the top byte is the
--     host type preference, 126 (s.5.1.2.2's recommended value, which
--     D120 makes the suite's requirement), the low byte 255 (component
--     1); the local preference is the implementation's, but two host
--     candidates of one component must differ there (s.5.1.2.1: "MUST
--     be unique"), so the two priorities differ;
--   - foundations of 1-32 ice-chars (s.5.1.1.3, RFC 8839 s.5.1), and two
--     of them, since the two candidates have different bases (s.5.1.1.3);
--   - endofcandidates once, after both candidates (RFC 8838 s.4.4: it
--     ends the generation);
--   - the local description's usefrag and secret per RFC 8445 s.5.3: at
--     least 4 and 22 ice-chars (24 and 128 bits of randomness), at most
--     256; and its connection-id the connection's id.
-- The socket's ports are the harness's (the host's ephemeral range in
-- order, 49152 then 49153), so the addresses are exact.

scenario { name = "ICE: host candidates gathered on two interfaces", seed = 1, duration = 2,
           covers = { "spec:RTCSocket.constructor", "spec:RTCConnection.constructor", "spec:RTCConnection.id",
                      "spec:RTCConnection.getLocalDescription", "spec:RTCConnection.oncandidate",
                      "spec:RTCConnection.onendofcandidates", "spec:RTCConnectionDescription.connection-id",
                      "spec:RTCConnectionDescription.usefrag", "spec:RTCConnectionDescription.secret",
                      "spec:RTCIceCandidateDescription.connection-id", "spec:RTCIceCandidateDescription.foundation",
                      "spec:RTCIceCandidateDescription.component", "spec:RTCIceCandidateDescription.transport",
                      "spec:RTCIceCandidateDescription.priority", "spec:RTCIceCandidateDescription.connectionAddress",
                      "spec:RTCIceCandidateDescription.connectionPort", "spec:RTCIceCandidateDescription.type",
                      "rfc8445:s5.1.1", "rfc8445:s5.1.1.3", "rfc8445:s5.1.2.1", "rfc8445:s5.1.2.2", "rfc8445:s5.3" } }

local office = net.subnet { name = "office", prefix = "10.0.0.0/24" }
local guest = net.subnet { name = "guest", prefix = "172.16.0.0/24" }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = office, address = "10.0.0.1" }
alice:interface { name = "wlan0", subnet = guest, address = "172.16.0.5" }

local ICE_CHARS = "^[A-Za-z0-9+/]+$"

local a = RTCConnection(alice:RTCSocket())
local seen = {}
a.oncandidate = function(c)
  local p = c.priority
  seen[#seen + 1] = c
  sim.event("page.candidate", {
    address = c.connectionAddress .. ":" .. c.connectionPort,
    type = c.type,
    component = c.component,
    transport = c.transport,
    ours = c["connection-id"] == a.id,
    type_pref = p // (1 << 24),
    component_bits = p % 256,
    foundation_ok = #c.foundation >= 1 and #c.foundation <= 32
                    and c.foundation:find(ICE_CHARS) ~= nil,
  })
end
a.onendofcandidates = function()
  local distinct_pri, distinct_fnd = "-", "-"
  if #seen == 2 then
    distinct_pri = seen[1].priority ~= seen[2].priority
    distinct_fnd = seen[1].foundation ~= seen[2].foundation
  end
  sim.event("page.endofcandidates", { candidates = #seen, distinct_priorities = distinct_pri,
                                      distinct_foundations = distinct_fnd })
end

local d = a:getLocalDescription()
local function ice_chars(s, min, max)
  return type(s) == "string" and #s >= min and #s <= max and s:find(ICE_CHARS) ~= nil
end
sim.event("page.description", {
  ufrag_ok = ice_chars(d.usefrag, 4, 256),
  pwd_ok = ice_chars(d.secret, 22, 256),
  id_ok = d["connection-id"] == a.id and #a.id > 0,
})

local HOST = { type = "host", component = 1, transport = "udp", ours = true,
               type_pref = 126, component_bits = 255, foundation_ok = true }
local function host(address)
  local args = { address = address }
  for k, v in pairs(HOST) do args[k] = v end
  return args
end

expect.event { src = "alice", name = "candidate", count = 2 }
expect.event { src = "scenario", name = "page.candidate", count = 1, args = host("10.0.0.1:49152") }
expect.event { src = "scenario", name = "page.candidate", count = 1, args = host("172.16.0.5:49153") }
expect.event { src = "scenario", name = "page.candidate", count = 2 }
expect.event { src = "alice", name = "endofcandidates", count = 1 }
expect.sequence { { src = "alice", name = "candidate", args = { ["local"] = "host 10.0.0.1:49152" } },
                  { src = "alice", name = "endofcandidates" } }
expect.sequence { { src = "alice", name = "candidate", args = { ["local"] = "host 172.16.0.5:49153" } },
                  { src = "alice", name = "endofcandidates" } }
expect.event { src = "scenario", name = "page.endofcandidates", count = 1,
               args = { candidates = 2, distinct_priorities = true, distinct_foundations = true } }
expect.event { src = "scenario", name = "page.description", count = 1,
               args = { ufrag_ok = true, pwd_ok = true, id_ok = true } }
-- nothing after the end of candidates: no srflx or relay without servers
expect.never { src = "alice", name = "activecandidate" }
expect.never { src = "alice", name = "connected" }
