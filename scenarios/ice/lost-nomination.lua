-- A lost nomination is sent again with USE-CANDIDATE, also by the
-- triggered check that replaces it (RFC 8445 s.7.3.1.4, s.8.1.1), and the
-- controlled side takes a nomination that lands on a pair whose own check
-- is In-Progress (s.7.3.1.5).
--
-- Two hosts on a LAN, 5 ms per access link, so a check's round trip is
-- 20 ms; the signalling channel takes 20 ms. Nothing is random here: the
-- loss is 0 or 1, switched on in Alice's outgoing direction for windows
-- around the times her datagrams leave (no jitter), so exactly these six
-- are lost, at every seed (RTO: 500 ms, RFC 8445 s.14.3 with one pair):
--
--   0.02  Bob checks the pair (he has Alice's candidate); it lands at 0.03
--   0.03  Alice answers ......................................... LOST (1)
--         Bob's check stays In-Progress
--   0.04  Alice, with Bob's description and candidate, checks the pair
--   0.05  Bob answers; his own check being In-Progress, he cancels it and
--         sends a triggered check at once (s.7.3.1.4)
--   0.06  Alice gets the answer: the pair (the only one) is valid, she
--         nominates it (s.8.1.1); Bob's triggered check lands too:
--         her answer .............................................. LOST (2)
--         the nomination, USE-CANDIDATE ........................... LOST (3)
--   0.55  Bob resends his triggered check (RFC 8489 s.6.2.1); it lands at
--   0.56  when Alice resends the nomination (0.06 + RTO) ......... LOST (4)
--         and then cancels it, the pair being In-Progress (s.7.3.1.4):
--         her answer .............................................. LOST (5)
--         the triggered check in its place ........................ LOST (6)
--         which carries USE-CANDIDATE: Alice has decided to nominate
--         this pair and no check of it was answered since
--   1.06  Alice resends that triggered check (0.56 + RTO), USE-CANDIDATE
--   1.07  Bob's pair is In-Progress (his check from 0.05): he answers,
--         marks the pair to be nominated when his check succeeds
--         (s.7.3.1.5), cancels his check and sends a triggered one
--   1.08  Alice gets the answer to her USE-CANDIDATE check: nominated,
--         connected; she answers Bob's check
--   1.09  Bob gets the answer: his pair succeeds, nominated, connected
--
-- So both connect by 0.56 + RTO + a round trip + a one-way trip = 1.09 s;
-- the window allows 1.1 s. Before the fix the triggered check of 0.56
-- went without USE-CANDIDATE, and the nomination waited for the cancelled
-- one to be given up, Rm x RTO = 16 x 0.5 = 8 s after 0.56 (RFC 8489
-- s.6.2.1), so both connected at 8.6 s.
--
-- Why (4): losing only the first nomination does not reach the case.
-- Alice nominates when Bob's answer lands, at the instant his triggered
-- check lands (he sent both at once), so his resend of it (RTO later)
-- lands at the instant her resend of the nomination is due, which goes
-- first; that resend carries USE-CANDIDATE as any resend does, and is
-- answered. Losing it makes the triggered check that replaces it the one
-- that must nominate.

scenario { name = "ICE: a lost nomination is not stalled by a triggered check", seed = 1, duration = 10,
           covers = { "rfc8445:s7.3.1.4", "rfc8445:s7.3.1.5", "rfc8445:s8.1.1", "rfc8445:s14.3" } }
local peers = require("peers")

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
local eth0 = alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local cap = net.capture(eth0)

-- each window straddles the sends above by 5 ms: Alice sends nothing
-- else within 5 ms of them
local function lose(from, to)
  sim.at(from, function() eth0.link:set("up", { loss = 1 }) end)
  sim.at(to, function() eth0.link:set("up", { loss = 0 }) end)
end
lose(0.025, 0.035)     -- (1)
lose(0.055, 0.065)     -- (2), (3)
lose(0.555, 0.565)     -- (4), (5), (6)

peers.call { a = alice:RTCSocket(), b = bob:RTCSocket(), channel = { alice, bob, delay = 0.02 } }

expect.event { name = "drop", args = { reason = "loss" }, count = 6 }
expect.event { src = "alice", name = "connected", count = 1, within = { 0, 1.1 } }
expect.event { src = "bob", name = "connected", count = 1, within = { 0, 1.1 } }
expect.never { name = "disconnected" }
expect.capture { cap, golden = "ice/lost-nomination.alice.eth0.pcap" }
