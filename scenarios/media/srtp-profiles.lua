-- The SRTP protection profiles (RFC 5764 s.4.1.2, RFC 7714 s.14.2;
-- decisions.md D43, D54): what the two sockets offer decides.
--
-- Three calls at once on one LAN (10 ms one way), audio both ways:
--   * "cm": both offer only SRTP_AES128_CM_SHA1_80 (RFC 5764's mandatory
--     profile): DTLS settles on it, the media flows (50 packets/s each
--     way, none dropped), and the capture has its decrypted twin;
--   * "pref": Alice (the DTLS server) offers both, Bob (the client)
--     offers CM-80 first: OpenSSL's server takes its own first profile
--     that the client offered, GCM (RFC 5764 s.4.1.1 lets the server
--     choose among the client's);
--   * "none": Alice offers only GCM, Bob only CM-80: no profile in
--     common, and a DTLS-SRTP handshake without one is of no use (D54):
--     both sides fire dtlsfailed, no remote track connects.

scenario { name = "media: SRTP profiles offered, chosen, and none in common", seed = 1, duration = 2,
           covers = { "rfc5764:s4.1.2", "rfc7714:s14.2" } }
local media = require("media")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local CM, GCM = "SRTP_AES128_CM_SHA1_80", "SRTP_AEAD_AES_128_GCM"
local cases = {
  { tag = "cm", a = CM, b = CM },
  { tag = "pref", a = GCM .. ":" .. CM, b = CM .. ":" .. GCM },
  { tag = "none", a = GCM, b = CM },
}
local calls, cap = {}, nil
for i, c in ipairs(cases) do
  local alice = net.host { name = "alice-" .. c.tag }
  local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0." .. (2 * i) }
  local bob = net.host { name = "bob-" .. c.tag }
  bob:interface { name = "eth0", subnet = lan, address = "10.0.0." .. (2 * i + 1) }
  if c.tag == "cm" then cap = net.capture(eth0) end
  local function mic(who)
    return MediaStream { id = who .. "-" .. c.tag, tracks = { MediaStreamTrack { kind = "audio", id = who .. "-mic-" .. c.tag } } }
  end
  calls[c.tag] = media.call {
    a = { host = alice, socket = alice:RTCSocket(nil, { srtpProfiles = c.a }), streams = { mic("alice") } },
    b = { host = bob, socket = bob:RTCSocket(nil, { srtpProfiles = c.b }), streams = { mic("bob") } },
    channel = { delay = 0.02 } }
end

expect.event { src = "alice-cm", name = "dtlsconnected", args = { profile = CM }, count = 1 }
expect.event { src = "bob-cm", name = "dtlsconnected", args = { profile = CM }, count = 1 }
expect.event { src = "alice-pref", name = "dtlsconnected", args = { profile = GCM }, count = 1 }
expect.event { src = "bob-pref", name = "dtlsconnected", args = { profile = GCM }, count = 1 }
local NONE = "DTLS: no SRTP protection profile in common (RFC 5764 s.4.1.2)"
expect.event { src = "alice-none", name = "dtlsfailed", args = { reason = NONE }, count = 1 }
expect.event { src = "bob-none", name = "dtlsfailed", args = { reason = NONE }, count = 1 }
expect.never { src = "alice-none", name = "dtlsconnected" }
expect.never { src = "bob-none", name = "track.connected" }
expect.never { src = "alice-none", name = "track.connected" }
-- the CM-80 call's media: keys by 0.25 s at the latest (call-lan.lua's
-- window), then 50 packets/s to T = 2 s less the 10 ms path
for _, side in ipairs({ { "ma", "bob-mic-cm" }, { "mb", "alice-mic-cm" } }) do
  expect.measure { side[2] .. " packets", function()
    local st = media.remote_stats(calls.cm[side[1]], side[2])
    return st and st.packets or -1 end, min = math.floor((2 - 0.01 - 0.26) * 50), max = math.floor((2 - 0.08) * 50) + 1 }
  expect.measure { side[2] .. " drops", function()
    local n = 0
    for _, v in pairs(calls.cm[side[1]]:stats().dropped) do n = n + v end
    return n end, min = 0, max = 0 }
end
expect.capture { cap, golden = "media/srtp-profiles.alice-cm.eth0.pcap",
                 decrypted = "media/srtp-profiles.alice-cm.eth0.decrypted.pcap" }
