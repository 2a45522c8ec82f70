scenario { name = "replay: dtmf/characters's Alice against the IUT", seed = 1 }
local replay = require("replay")
replay { trace = "dtmf/characters.alice.eth0.pcap", side = "10.0.0.1", keylog = "replay/characters.keylog", sidecar = "replay/characters.sidecar.json" }
