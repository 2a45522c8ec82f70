-- A live host whose program claims a media plane (its hello lists
-- "media") and breaks the protocol in the way tests/live_check.sh names
-- in the program's argument (tests/live/bad_program.c): each must end the
-- scenario in error, naming the program, the request and the line.
-- Not in the suite: tests/live_check.sh writes the argument in.
scenario { name = "live: a program's media plane and the control protocol", duration = 0.5 }
local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24" }
local bob = net.host { name = "bob", run = { "@PROGRAM@", "@MODE@" }, control = true }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local ms = bob:RTCMediaSession()
-- after the events that came with session.new's answer were delivered
sim.at(0.2, function() sim.event("described", { tracks = #ms:getLocalDescription() }) end)
