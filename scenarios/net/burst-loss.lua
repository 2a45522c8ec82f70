-- A burst-loss (Gilbert-Elliott) link.
--
-- Two states: good (no loss) and bad (every datagram lost). Per datagram
-- the link goes bad with p = 0.02 and recovers with r = 0.2, so losses
-- come in runs of mean length 1/r = 5 and the long-run loss ratio is
-- p / (p + r) = 9.1%. The same loss ratio without bursts (Bernoulli) would
-- give runs of mean length 1.1. 5000 datagrams are sent; the runs and the
-- ratio are asserted.

scenario { name = "burst loss: Gilbert-Elliott runs", seed = 3 }

local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24" }
local a = net.host { name = "a" }
local eth0 = a:interface { name = "eth0", subnet = lan, address = "10.0.0.1",
  link = { burst = { p = 0.02, r = 0.2, loss_good = 0, loss_bad = 1 } } }
local b = net.host { name = "b" }
b:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }

local sink = b:udp { port = 9 }
local got, run, runs, longest = 0, 0, 0, 0
local expected = 1
sink.onreceive = function(data)
  local n = tonumber(data)
  -- the gap before this datagram is a loss run, seen by the receiver
  if n > expected then
    runs = runs + 1
    longest = math.max(longest, n - expected)
  end
  expected = n + 1
  got = got + 1
end

local sock = a:udp {}
local n = 0
sim.every(0.001, function() n = n + 1; sock:send("10.0.0.2", 9, tostring(n)) end,
          { start = 0, count = 5000 })
sim.run(6)

local st = eth0.link:stats("up")
print(string.format("lost %d of %d in %d runs, mean %.2f, longest %d", st.dropped.loss,
                    st.sent, st.loss_runs, st.loss_run_mean, st.loss_run_max))

-- The bounds hold over every seed, not just this one: each is derived
-- from the model (D3) with a false-failure probability of about 5e-6 per
-- seed or less, so the three fail at a correct seed with probability
-- < 2e-5, and a sweep of 100 seeds with probability < 2e-3.
local p, r, n = 0.02, 0.2, st.sent

-- Loss ratio. With loss_good = 0 and loss_bad = 1 a datagram is lost
-- exactly when the chain is bad: the count is a sum of n indicators of a
-- two-state Markov chain, mean n pi with pi = p / (p + r) = 0.0909, and
-- variance n pi (1 - pi) (1 + l) / (1 - l) with l = 1 - p - r = 0.78 (the
-- chain's second eigenvalue): 3343, sd 57.8 datagrams, 0.0116 of the
-- ratio. The sum spans about 90 independent good-bad cycles, so it is
-- near normal: pi +- 5.5 sd (4e-8 for a normal law) = [0.027, 0.154].
-- Bernoulli loss at the same ratio has sd 0.0041, four times smaller; the
-- run measures below are what tells the two apart.
local pi = p / (p + r)
local sd = math.sqrt(n * pi * (1 - pi) * (2 - p - r) / (p + r)) / n
expect.measure { "loss ratio", st.dropped.loss / n, min = pi - 5.5 * sd, max = pi + 5.5 * sd }

-- Runs. A bad spell lasts k datagrams with probability (1 - r)^(k-1) r
-- (geometric, mean 1/r = 5; Bernoulli loss at this ratio: 1.1). Given R
-- runs, the total length T is R plus a negative binomial NB(R, r) count;
-- the bounds on the mean T / R are its exact quantiles with 2.5e-6 of
-- probability outside each side. (The run still open at the end, if any,
-- is cut short: that only lowers the mean, by at most 1/R of a run.)
local R = st.loss_runs
local function negbin_bounds(R, r, tail)
  local logp, cdf, lo = R * math.log(r), 0, nil   -- log P(NB = 0)
  for k = 0, 100000 do
    if k > 0 then logp = logp + math.log((k + R - 1) / k * (1 - r)) end
    local pmf = math.exp(logp)
    if not lo and cdf + pmf > tail then lo = k end  -- P(NB < lo) <= tail
    cdf = cdf + pmf
    if 1 - cdf <= tail then return lo, k end         -- P(NB > k) <= tail
  end
end
local lo_t, hi_t = negbin_bounds(R, r, 2.5e-6)
expect.measure { "mean loss run", st.loss_run_mean, min = (R + lo_t) / R, max = (R + hi_t) / R }

-- The longest of R geometric runs: P(max <= m) = (1 - (1 - r)^m)^R. The
-- bounds are the m with P(max < lo) <= 2.5e-6 and P(max > hi) <= 2.5e-6
-- (for R = 90: 10 to 78; Bernoulli loss at this ratio would rarely reach 5).
local function max_bounds(R, r, tail)
  local lo, m = 1, 1
  while (1 - (1 - r) ^ m) ^ R <= tail do m = m + 1; lo = m end
  while 1 - (1 - (1 - r) ^ m) ^ R > tail do m = m + 1 end
  return lo, m
end
local lo_m, hi_m = max_bounds(R, r, 2.5e-6)
expect.measure { "longest loss run", st.loss_run_max, min = lo_m, max = hi_m }
-- The receiver sees the same runs in the gaps of the sequence numbers
-- (a run at the very end would be invisible to it).
expect.measure { "runs seen by the receiver", runs, min = st.loss_runs - 1, max = st.loss_runs }
expect.measure { "longest run seen", longest, min = st.loss_run_max, max = st.loss_run_max }
expect.measure { "received", got, min = 5000 - st.dropped.loss, max = 5000 - st.dropped.loss }
