-- A live host whose program breaks the control protocol in the way
-- tests/live_check.sh names in the program's argument (tests/live/
-- bad_program.c): each must end the scenario in error, naming the program.
-- Not in the suite: tests/live_check.sh writes the argument in.
scenario { name = "live: a program and the control protocol", duration = 0.5 }
local lan = net.subnet { name = "lan", prefix = "10.0.0.0/24" }
local bob = net.host { name = "bob", run = { "@PROGRAM@", "@MODE@" }, control = true }
bob:interface { name = "eth0", subnet = lan, address = "10.0.0.2" }
local c = RTCConnection(bob:RTCSocket())
sim.event("made", { id = c.id })
expect.event { name = "made", args = { id = "conn1" }, count = 1 }
