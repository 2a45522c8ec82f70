-- The NAT matrix with libnice as Bob (issue 12): nat/matrix.lua's 25
-- calls at once, every pair of {no NAT, full cone, restricted cone,
-- port-restricted cone, symmetric}, with Alice ref/ (the offerer,
-- controlling, in the row) and Bob Debian's libnice behind the project's
-- adapter (build/rtcsim-nice) on a live host per cell, in real time. The
-- pages are nat/matrix.lua's (natmatrix.lua, call): every candidate
-- gathered, then signalled in one message; Bob checks once Alice's checks
-- are under way.
--
-- The table is the selected pair at Alice, ref/'s side, so it is compared
-- with nat/matrix.lua's own (natmatrix.lua, `expected`, worked out by hand
-- from RFC 4787 and RFC 8445): where libnice makes the same candidates
-- and answers the checks as RFC 8445 says, Alice selects the same pair.
-- Differences, with the section that allows them, are the `differs` cells
-- below; the rest of the table is ref/'s own.

scenario { name = "interop: the NAT matrix, ref/ against libnice (live)", seed = 28, duration = 10 }

local nm = require("natmatrix")
local kinds, labels, short, expected = nm.kinds, nm.labels, nm.short, nm.expected
local side = nm.side
nm.world()

-- One cell differs, in every run seen (3 of 3): port-restricted Alice
-- against symmetric Bob. Against ref/, Alice selects relay/prflx (her
-- relay, reached by Bob's check from his host through his NAT's fresh
-- mapping, which her TURN permission for his NAT's address lets in: RFC
-- 8656 s.9, permissions are per IP address). Against libnice she selects
-- srflx/relay (her srflx to Bob's relay), the other pair through a relay:
-- libnice ends its gathering 2 s after its candidates (its TURN and STUN
-- transactions run out first) and its check from host to Alice's relay
-- was not answered before Alice nominated at 3.6 s. Both pairs are valid;
-- RFC 8445 s.6.1.4.2 leaves each agent the order of its own checks and
-- s.8.1.1 lets the controlling agent nominate among the pairs valid when
-- it decides, so this is a difference of timing, not a divergence.
local differs = { [4] = { [5] = "srflx/relay" } }
local want = {}
for r = 1, 5 do
  want[r] = {}
  for c = 1, 5 do want[r][c] = differs[r] and differs[r][c] or expected[r][c] end
end

local measured = {}
for r, ka in ipairs(kinds) do
  measured[r] = {}
  for c, kb in ipairs(kinds) do
    local n = (r - 1) * 5 + c
    local tag = short[ka] .. short[kb]
    local alice = side("alice", ka, n, tag, 0)
    local bob = side("bob", kb, n, tag, 1, { run = { "build/rtcsim-nice" }, control = true })
    nm.call(alice, bob, function(l, rem) measured[r][c] = l.type .. "/" .. rem.type end)
  end
end

expect.table { "selected pair at Alice (ref/, local/remote) against libnice, Alice's NAT by Bob's NAT",
               rows = labels, cols = labels, expected = want, measured = measured }
expect.event { name = "connected", count = 50 }
expect.never { name = "disconnected" }
