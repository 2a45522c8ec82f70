-- A 10-minute 1:1 audio+video call, SRTP AEAD_AES_128_GCM (bench/lib/calls.lua).
require("calls").run { name = "bench: a 10-minute call, AEAD_AES_128_GCM", calls = 1, duration = 600,
                       profile = "SRTP_AEAD_AES_128_GCM" }
