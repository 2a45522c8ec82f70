-- getSendingStreams (spec: "Get a sequence of the sending MediaStream
-- instances within the RTCMediaSession"; docs/decisions.md D114): the
-- streams added to the session, sent or not yet, in the order added, each
-- the page's own object; removeStream takes one out, and getReceivingStreams
-- is the other side's list, not this one's.
--
-- Alice adds s1 (sent at once) and s2 (added, not sent); at 1 s she
-- removes s1. Bob only receives. Each list is read in the page and logged
-- as an event, so the expectations compare it whole.
scenario { name = "media: getSendingStreams lists the streams added, in order", seed = 1, duration = 2,
           covers = { "spec:RTCMediaSession.getSendingStreams", "spec:RTCMediaSession.addStream",
                      "spec:RTCMediaSession.removeStream", "spec:RTCMediaSession.getReceivingStreams" } }

local media = require("media")
local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24", link = { latency = 0.005 } }
local alice = net.host { name = "alice" }
alice:interface { name = "eth0", subnet = lan, address = "10.0.0.1" }
local bob = net.host { name = "bob" }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }

local s1 = MediaStream { id = "s1", tracks = { MediaStreamTrack { kind = "audio", id = "a-mic" } } }
local s2 = MediaStream { id = "s2", tracks = { MediaStreamTrack { kind = "audio", id = "a-mic2" } } }
local call = media.call { a = { host = alice, streams = { s1 } }, b = { host = bob }, channel = { delay = 0.02 } }
local ma, mb = call.ma, call.mb

local function ids(list)
  local out = {}
  for i, st in ipairs(list) do out[i] = st.id end
  return table.concat(out, ",")
end
local function log(when)
  local list = ma:getSendingStreams()
  local same = true
  for _, st in ipairs(list) do same = same and (st == s1 or st == s2) end
  sim.event("page.sending", { when = when, ids = ids(list), same = same,
                              bob_sending = ids(mb:getSendingStreams()), bob_receiving = ids(mb:getReceivingStreams()) })
end

log("s1 added and sent")
ma:addStream(s2)
log("s2 added, not sent")
sim.at(0.5, function() log("the call up") end)
sim.at(1, function()
  ma:removeStream(s1)
  log("s1 removed")
end)

expect.event { name = "page.sending", args = { when = "s1 added and sent", ids = "s1", same = true, bob_sending = "" },
               count = 1 }
expect.event { name = "page.sending", args = { when = "s2 added, not sent", ids = "s1,s2", same = true }, count = 1 }
expect.event { name = "page.sending", args = { when = "the call up", ids = "s1,s2", same = true, bob_sending = "",
                                               bob_receiving = "s1" }, count = 1 }
expect.event { name = "page.sending", args = { when = "s1 removed", ids = "s2", same = true, bob_sending = "" }, count = 1 }
