-- 100 of bench/call-gcm.lua's calls at once, for 10 virtual seconds (bench/lib/calls.lua).
require("calls").run { name = "bench: 100 calls at once, AEAD_AES_128_GCM", calls = 100, duration = 10,
                       profile = "SRTP_AEAD_AES_128_GCM" }
