-- A man in the middle of the signalling (issue 9; RFC 5763 s.5, RFC 8122
-- s.5; D44).
--
-- Three audio calls on one LAN, each Alice (offerer, DTLS server, D43) to
-- Bob (answerer, DTLS client). The signalling channel is the attacker's
-- path: a handler put in front of the page's onmessage rewrites the
-- connection description's fingerprints, as an attacker who relays the
-- signalling and would then relay DTLS with his own certificate does.
-- Mallory's certificate is that of a connection of his own (its
-- fingerprint is a well-formed sha-256 one, so setRemoteDescription takes
-- it and only the handshake can tell).
--
-- * one-way: Bob is told Mallory's fingerprint for Alice. Bob, at the end
--   of his handshake, finds Alice's certificate matches none of the one
--   fingerprint signalled: dtlsfailed with that reason, no keys. Alice
--   checks Bob's certificate against Bob's true fingerprint: dtlsconnected,
--   and she sends SRTP, which Bob drops as no-keys; Bob sends nothing
--   (no keys), so Alice receives no RTP or RTCP either. Bob's remote
--   track never connects; ICE stays up on both sides.
-- * both-ways: both descriptions are rewritten; both sides fail, neither
--   has keys, no SRTP at all is sent.
-- * among-several: the attacker (or a page with several certificates)
--   signals a list, RFC 8122 s.5 "one or more": a sha-1 of nothing, then
--   Mallory's, then Alice's true one. Bob's check finds Alice's: the call
--   succeeds both ways.
--
-- Timings: ICE on a 10 ms RTT LAN connects in about 0.1 s and the
-- handshake takes two round trips more (D43), so the DTLS outcome comes
-- within 1 s; the calls run 3 s.

scenario { name = "media: a man in the middle; a fingerprint that does not match", seed = 7, duration = 3,
           covers = { "spec:RTCConnectionDescription.fingerprints", "spec:MediaStreamTrack.onconnected",
                      "rfc5763:s5-certificate", "rfc5763:s5-verify", "rfc8122:s5" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local mallory = net.host { name = "mallory" }
mallory:interface { name = "eth0", subnet = lan, address = "10.0.0.100" }
-- Mallory's own connection, for its certificate's fingerprint only
local fake = RTCConnection(mallory:RTCSocket()):getLocalDescription().fingerprints[1]
local sha1_nothing = "sha-1 DA:39:A3:EE:5E:6B:4B:0D:32:55:BF:EF:95:60:18:90:AF:D8:07:09"

-- rewrite the connection descriptions a channel end receives
local function intercept(at, rewrite)
  local inner = at.onmessage
  at.onmessage = function(m)
    if m.description then m.description.fingerprints = rewrite(m.description.fingerprints) end
    inner(m)
  end
end

local cases = {
  { tag = "oneway", n = 1 },
  { tag = "both", n = 2 },
  { tag = "several", n = 3 },
}
local calls, caps = {}, {}
for _, cs in ipairs(cases) do
  local alice = net.host { name = "alice-" .. cs.tag }
  alice:interface { name = "eth0", subnet = lan, address = "10.0.0." .. (2 * cs.n) }
  local bob = net.host { name = "bob-" .. cs.tag }
  local eth0 = bob:interface { name = "eth0", subnet = lan, address = "10.0.0." .. (2 * cs.n + 1) }
  caps[cs.tag] = net.capture(eth0)
  local function mic(who)
    return MediaStream { id = who .. "-" .. cs.tag, tracks = { MediaStreamTrack { kind = "audio", id = who .. "-" .. cs.tag .. "-mic" } } }
  end
  local call = media.call { a = { host = alice, streams = { mic("alice") } },
                            b = { host = bob, streams = { mic("bob") } }, channel = { delay = 0.02 } }
  if cs.tag == "several" then
    intercept(call.at_b, function(fps) return { sha1_nothing, fake, fps[1] } end)
  else
    intercept(call.at_b, function() return { fake } end)
  end
  if cs.tag == "both" then intercept(call.at_a, function() return { fake } end) end
  calls[cs.tag] = call
  for _, side in ipairs({ "a", "b" }) do
    call["m" .. side].onaddstream = function(st)
      for _, t in ipairs(st:getTracks()) do
        t.onconnected = function() sim.event("page.track.connected", { host = (side == "a" and "alice-" or "bob-") .. cs.tag }) end
      end
    end
  end
end

local mismatch = "the peer's certificate matches none of the 1 fingerprints signalled (RFC 5763 s.5)"

-- one-way: Bob fails, naming why; Alice's check passes
expect.event { src = "bob-oneway", name = "dtlsfailed", args = { reason = mismatch }, count = 1, within = { 0.05, 1 } }
expect.never { src = "bob-oneway", name = "dtlsconnected" }
expect.event { src = "alice-oneway", name = "dtlsconnected", count = 1, within = { 0.05, 1 } }
expect.never { src = "alice-oneway", name = "dtlsfailed" }
-- both ways: both fail
expect.event { src = "bob-both", name = "dtlsfailed", args = { reason = mismatch }, count = 1, within = { 0.05, 1 } }
expect.event { src = "alice-both", name = "dtlsfailed", args = { reason = mismatch }, count = 1, within = { 0.05, 1 } }
expect.never { src = "alice-both", name = "dtlsconnected" }
expect.never { src = "bob-both", name = "dtlsconnected" }
-- among several: both connect, and media flows
expect.event { src = "bob-several", name = "dtlsconnected", count = 1, within = { 0.05, 1 } }
expect.event { src = "alice-several", name = "dtlsconnected", count = 1, within = { 0.05, 1 } }
expect.never { src = "bob-several", name = "dtlsfailed" }
expect.never { src = "alice-several", name = "dtlsfailed" }
expect.event { src = "bob-several", name = "track.connected", args = { track = "alice-several-mic" }, count = 1, within = { 0.05, 1 } }
expect.event { src = "alice-several", name = "track.connected", args = { track = "bob-several-mic" }, count = 1, within = { 0.05, 1 } }
expect.event { name = "page.track.connected", count = 2 }
expect.event { name = "page.track.connected", args = { host = "alice-several" }, count = 1 }
expect.event { name = "page.track.connected", args = { host = "bob-several" }, count = 1 }
-- where DTLS failed no remote track connects, and ICE stays up everywhere
for _, h in ipairs({ "alice-oneway", "bob-oneway", "alice-both", "bob-both" }) do
  expect.never { src = h, name = "track.connected" }
  expect.never { src = h, name = "stream.connected" }
end
expect.never { name = "unknowntrack" }
for _, cs in ipairs(cases) do
  expect.event { src = "alice-" .. cs.tag, name = "connected", count = 1, within = { 0, 0.5 } }
  expect.event { src = "bob-" .. cs.tag, name = "connected", count = 1, within = { 0, 0.5 } }
end
expect.never { name = "disconnected" }

local function total(t) local n = 0 for _, v in pairs(t) do n = n + v end return n end
local function st(tag, side) return calls[tag]["m" .. side]:stats() end
-- one-way. Bob accepted nothing: no RTP, no RTCP, every SRTP packet of
-- Alice's dropped as no-keys. Alice sends 50 packets/s from her DTLS end
-- (under 1 s) to 3 s: at least 2 s of them, 100 packets, reach Bob.
expect.measure { "oneway: RTP accepted by Bob", function() return st("oneway", "b").rtp_received end, min = 0, max = 0 }
expect.measure { "oneway: RTCP accepted by Bob", function() return st("oneway", "b").rtcp_received end, min = 0, max = 0 }
expect.measure { "oneway: no-keys drops at Bob", function() return st("oneway", "b").dropped["no-keys"] end, min = 100 }
expect.measure { "oneway: other drops at Bob", function()
  local d = st("oneway", "b").dropped
  return total(d) - d["no-keys"]
end, min = 0, max = 0 }
expect.measure { "oneway: RTP sent by Bob", function() return st("oneway", "b").rtp_sent + st("oneway", "b").rtcp_sent end, min = 0, max = 0 }
expect.measure { "oneway: RTP accepted by Alice", function() return st("oneway", "a").rtp_received + st("oneway", "a").rtcp_received end, min = 0, max = 0 }
expect.measure { "oneway: RTP sent by Alice", function() return st("oneway", "a").rtp_sent end, min = 100 }
-- both ways: nothing sent, nothing accepted
expect.measure { "both: SRTP sent", function()
  local a, b = st("both", "a"), st("both", "b")
  return a.rtp_sent + a.rtcp_sent + b.rtp_sent + b.rtcp_sent
end, min = 0, max = 0 }
expect.measure { "both: accepted or dropped", function()
  local a, b = st("both", "a"), st("both", "b")
  return a.rtp_received + a.rtcp_received + b.rtp_received + b.rtcp_received + total(a.dropped) + total(b.dropped)
end, min = 0, max = 0 }
-- among several: 100 packets or more each way, nothing dropped
expect.measure { "several: RTP Bob received", function() return st("several", "b").rtp_received end, min = 100 }
expect.measure { "several: RTP Alice received", function() return st("several", "a").rtp_received end, min = 100 }
expect.measure { "several: drops", function() return total(st("several", "a").dropped) + total(st("several", "b").dropped) end, min = 0, max = 0 }

-- the wire at Bob: one handshake, then Alice's SRTP (oneway: never
-- answered with media; several: both ways), and its decrypted twin
for _, tag in ipairs({ "oneway", "several" }) do
  expect.capture { caps[tag], golden = "media/mitm.bob-" .. tag .. ".eth0.pcap",
                   decrypted = "media/mitm.bob-" .. tag .. ".eth0.decrypted.pcap" }
end
