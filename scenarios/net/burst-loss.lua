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

expect.measure { "loss ratio", st.dropped.loss / st.sent, min = 0.06, max = 0.12 }
expect.measure { "mean loss run", st.loss_run_mean, min = 4.0, max = 6.0 }
expect.measure { "longest loss run", st.loss_run_max, min = 12, max = 60 }
-- The receiver sees the same runs in the gaps of the sequence numbers
-- (a run at the very end would be invisible to it).
expect.measure { "runs seen by the receiver", runs, min = st.loss_runs - 1, max = st.loss_runs }
expect.measure { "longest run seen", longest, min = st.loss_run_max, max = st.loss_run_max }
expect.measure { "received", got, min = 5000 - st.dropped.loss, max = 5000 - st.dropped.loss }
