-- A 10-minute 1:1 audio+video call, SRTP AES_CM_128_HMAC_SHA1_80 (bench/lib/calls.lua).
require("calls").run { name = "bench: a 10-minute call, AES_CM_128_HMAC_SHA1_80", calls = 1, duration = 600,
                       profile = "SRTP_AES128_CM_SHA1_80" }
