scenario { name = "replay: media/unknown-track's Alice against the IUT", seed = 1 }
local replay = require("replay")
-- the original Bob's session options (not in the sidecar: a page's own)
local opts = { extmap = { ["urn:ietf:params:rtp-hdrext:ssrc-audio-level"] = 1,
                          ["urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"] = 2 } }
replay { trace = "media/unknown-track.bob.eth0.pcap", side = "10.0.0.1", keylog = "replay/unknown-track.keylog",
         sidecar = "replay/unknown-track.sidecar.json", options = opts }
