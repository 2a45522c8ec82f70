scenario { name = "replay: media/call-lan's Alice against the IUT", seed = 1 }
local replay = require("replay")
local r = replay { trace = "media/call-lan.alice.eth0.pcap", side = "10.0.0.1", keylog = "replay/call-lan.keylog",
                   sidecar = "replay/call-lan.sidecar.json" }
