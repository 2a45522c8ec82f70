-- The baseline of bench/calls100.lua's memory: the same libraries and Lua,
-- no call (bench/lib/calls.lua).
require("calls").run { name = "bench: no call (the baseline of calls100)", calls = 0, duration = 10,
                       profile = "SRTP_AEAD_AES_128_GCM" }
