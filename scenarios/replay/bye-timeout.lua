scenario { name = "replay: media/bye-timeout's Alice against the IUT", seed = 1 }
local replay = require("replay")
replay { trace = "media/bye-timeout.bob.eth0.pcap", side = "10.0.0.1", keylog = "replay/bye-timeout.keylog", sidecar = "replay/bye-timeout.sidecar.json" }
