-- The NAT matrix: every pair of {no NAT, full cone, restricted cone,
-- port-restricted cone, symmetric} on the two sides, 25 calls at once in
-- one network, with a STUN and a TURN server reachable from all of them.
--
-- Each call is Alice (the offerer, in the row) to Bob (the answerer, in the
-- column). The pages gather every candidate first and signal them in one
-- message (no trickle), and Bob starts his checks once Alice has hers
-- under way, so that a peer-reflexive candidate appears only where RFC
-- 8445 s.7.3.1.3 makes one: a check from an address the other side was
-- never told of, which is what a symmetric NAT's fresh mapping is.
--
-- The expected table (scenarios/lib/natmatrix.lua, `expected`, shared
-- with scenarios/media/nat-matrix.lua with the topology) is worked out by
-- hand from RFC 4787 and RFC 8445, not computed from the run: a cell reads "local/remote", the candidate
-- types of the pair Alice selects. The reasoning, row by column:
--
-- * Private host addresses never reach across. A public host (no NAT)
--   keeps its host candidate; its srflx is redundant and not signalled.
-- * With endpoint-independent mapping (the three cones) a check leaves
--   from the srflx address the STUN server saw, so the answer's
--   XOR-MAPPED-ADDRESS names the srflx candidate (s.7.2.5.3.2) and the
--   other side knows the source: srflx on both ends. Filters open once
--   each side has sent to the other; retransmissions get through.
-- * A symmetric NAT maps each destination afresh: Alice's checks leave
--   from an address no one signalled, so her local candidate is peer
--   reflexive, and so is Bob's when Bob is behind it (remote prflx).
-- * Symmetric against port-restricted or symmetric: each filter admits
--   only the exact address it sent to, and neither side can learn the
--   other's fresh mapping, so only the relay works. Of the pairs through
--   a relay, all have the relay's type preference (0) as their minimum;
--   RFC 8445 s.6.1.2.3 then ranks by the larger candidate priority, so
--   the pair with a peer-reflexive end (110) beats one with a srflx end
--   (100): Bob's check from his host to Alice's relay arrives from a
--   fresh mapping (prflx), and Alice's check to Bob's relay leaves from
--   one (prflx local). Both-symmetric is a tie on both numbers, broken by
--   the controlling side's candidate being the greater (+1): prflx/relay.
-- * Port-restricted (Alice) against symmetric (Bob) has no direct path
--   either: Alice's filter drops Bob's fresh mapping, Bob's drops Alice.
--   The best relayed pair is relay/prflx (Bob's host to Alice's relay).

scenario { name = "NAT: the matrix of NAT types, selected candidate types", seed = 28, duration = 8,
           covers = { "spec:RTCConnection.onactivecandidate", "spec:RTCIceCandidateDescription.type",
                      "rfc4787:s4.1", "rfc4787:s5", "rfc8445:s6.1.2", "rfc8445:s5.1.2.2",
                      "rfc8445:s7.2.5.3.1", "rfc8445:s7.3.1.3", "rfc8656:s7",
                      "rfc8445:s7.1.1" } }

local nm = require("natmatrix")
local kinds, labels, short, expected = nm.kinds, nm.labels, nm.short, nm.expected
local side = nm.side
nm.world()

local measured = {}
local cap
for r, ka in ipairs(kinds) do
  measured[r] = {}
  for c, kb in ipairs(kinds) do
    local n = (r - 1) * 5 + c
    local tag = short[ka] .. short[kb]
    local alice, nat_a = side("alice", ka, n, tag, 0)
    local bob = side("bob", kb, n, tag, 1)
    if tag == "PS" then cap = net.capture(nat_a.outside_link) end
    nm.call(alice, bob, function(l, rem) measured[r][c] = l.type .. "/" .. rem.type end)
  end
end

expect.table { "selected pair at Alice (local/remote), Alice's NAT by Bob's NAT",
               rows = labels, cols = labels, expected = expected, measured = measured }
expect.event { name = "connected", count = 50 }
expect.event { name = "activecandidate", count = 50 }
expect.never { name = "disconnected" }
expect.never { name = "turn-error" }
expect.capture { cap, golden = "nat/matrix.nat-alice-PS.outside.pcap" }
