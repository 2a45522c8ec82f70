/*
 * test_srtp.c - ref/srtp.c on libsrtp2: round trips between the two ends
 * of one association (client and server halves of RFC 5764 s.4.2 key
 * material) for both profiles, replay, tampering, every truncation, room
 * in the buffer; and known answers reached by a route that does not go
 * through libsrtp: the RFC 3711 s.4.3 key derivation and the RFC 7714
 * s.8 / RFC 3711 s.4.1 transforms written here on OpenSSL's AES, checked
 * first against the RFC 3711 Appendix B.3 and RFC 7714 s.16.1.1 / s.17.1
 * vectors, then against what rtc_srtp_protect writes. And the DTLS
 * endpoint (ref/dtls.c) as an RTCConnection owns it: two endpoints back to
 * back through their out callbacks under a virtual clock OpenSSL sees
 * (sim/vdet.c), both profiles, keys, key log, fingerprints, a lost
 * flight, a handshake that gives up, alerts, garbage; and the exported
 * keys working SRTP end to end.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "dtls.h"
#include "fixture.h"
#include "kernel/kernel.h"
#include "kernel/vdet.h"
#include "srtp.h"

static const rtc_srtp_profile_t PROFILES[] = { RTC_SRTP_AES128_CM_SHA1_80,
                                               RTC_SRTP_AEAD_AES_128_GCM };

/* Key material as the exporter would give it: bytes 1, 2, 3, ... so every
 * key and salt differs from every other. */
static void material(rtc_srtp_profile_t p, uint8_t *m)
{
    for (size_t i = 0; i < rtc_srtp_key_material_len(p); i++)
        m[i] = (uint8_t)(i + 1);
}

typedef struct pair {
    rtc_srtp_t *client, *server;
} pair_t;

static pair_t pair_new(rtc_srtp_profile_t p)
{
    uint8_t m[64];
    material(p, m);
    pair_t a;
    size_t n = rtc_srtp_key_material_len(p);
    ck_assert_int_eq(rtc_srtp_new(p, m, n, true, &a.client), RTC_SRTP_OK);
    ck_assert_int_eq(rtc_srtp_new(p, m, n, false, &a.server), RTC_SRTP_OK);
    return a;
}

static void pair_free(pair_t a)
{
    rtc_srtp_free(a.client);
    rtc_srtp_free(a.server);
}

/* RFC 3550 s.5.1: V=2, PT 111, the sequence number, a timestamp, SSRC;
 * then payload bytes that depend on the sequence number. */
static size_t rtp(uint8_t *b, uint16_t seq, uint32_t ssrc, size_t payload)
{
    b[0] = 0x80;
    b[1] = 111;
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    uint32_t ts = seq * 960u;
    for (int i = 0; i < 4; i++) {
        b[4 + i] = (uint8_t)(ts >> (24 - 8 * i));
        b[8 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    }
    for (size_t i = 0; i < payload; i++)
        b[12 + i] = (uint8_t)(seq + i * 7);
    return 12 + payload;
}

/* RFC 3550 s.6.4.2: an empty receiver report (8 octets) from ssrc. */
static size_t rtcp_rr(uint8_t *b, uint32_t ssrc)
{
    b[0] = 0x80;
    b[1] = 201;
    b[2] = 0;
    b[3] = 1;
    for (int i = 0; i < 4; i++)
        b[4 + i] = (uint8_t)(ssrc >> (24 - 8 * i));
    return 8;
}

START_TEST(profiles_and_lengths)
{
    rtc_srtp_profile_t p;
    ck_assert(rtc_srtp_profile_of("SRTP_AES128_CM_SHA1_80", &p) && p == RTC_SRTP_AES128_CM_SHA1_80);
    ck_assert(rtc_srtp_profile_of("SRTP_AEAD_AES_128_GCM", &p) && p == RTC_SRTP_AEAD_AES_128_GCM);
    ck_assert(!rtc_srtp_profile_of("SRTP_AES128_CM_SHA1_32", &p));
    ck_assert(!rtc_srtp_profile_of(NULL, &p));
    /* RFC 5764 s.4.2: 2 * (16 + 14); RFC 7714 s.14.2: 2 * (16 + 12) */
    ck_assert_uint_eq(rtc_srtp_key_material_len(RTC_SRTP_AES128_CM_SHA1_80), 60);
    ck_assert_uint_eq(rtc_srtp_key_material_len(RTC_SRTP_AEAD_AES_128_GCM), 56);
    /* 80-bit tag; 16-octet tag; SRTCP adds the 4-octet E||index */
    ck_assert_uint_eq(rtc_srtp_overhead(RTC_SRTP_AES128_CM_SHA1_80, false), 10);
    ck_assert_uint_eq(rtc_srtp_overhead(RTC_SRTP_AES128_CM_SHA1_80, true), 14);
    ck_assert_uint_eq(rtc_srtp_overhead(RTC_SRTP_AEAD_AES_128_GCM, false), 16);
    ck_assert_uint_eq(rtc_srtp_overhead(RTC_SRTP_AEAD_AES_128_GCM, true), 20);
    ck_assert_str_eq(rtc_srtp_status_name(RTC_SRTP_ERR_REPLAY), "replay");
    ck_assert_str_eq(rtc_srtp_status_name(RTC_SRTP_ERR_NO_ROOM), "no-room");
    ck_assert_str_eq(rtc_srtp_status_name(RTC_SRTP_ERR_NOMEM), "no-memory");
    /* a length that is not the profile's is refused and nothing is held */
    uint8_t m[64];
    material(RTC_SRTP_AEAD_AES_128_GCM, m);
    rtc_srtp_t *s = (rtc_srtp_t *)m;
    ck_assert_int_eq(rtc_srtp_new(RTC_SRTP_AEAD_AES_128_GCM, m, 60, true, &s), RTC_SRTP_ERR_INIT);
    ck_assert_ptr_null(s);
    rtc_srtp_free(NULL);
}
END_TEST

/* Each way, RTP and RTCP, 300 packets (past a 256 boundary of the
 * sequence numbers' low byte): what one side protects the other
 * unprotects to the same bytes, and protect changed the payload. */
START_TEST(round_trip)
{
    rtc_srtp_profile_t p = PROFILES[_i];
    pair_t a = pair_new(p);
    for (int dir = 0; dir < 2; dir++) {
        rtc_srtp_t *tx = dir ? a.server : a.client, *rx = dir ? a.client : a.server;
        uint32_t ssrc = dir ? 0x22222222 : 0x11111111;
        for (uint16_t seq = 65400; seq != 164; seq++) {     /* wraps: ROC 0 -> 1 */
            uint8_t plain[200], buf[256];
            size_t n = rtp(plain, seq, ssrc, 100), len = n;
            memcpy(buf, plain, n);
            ck_assert_int_eq(rtc_srtp_protect(tx, buf, &len, sizeof buf), RTC_SRTP_OK);
            ck_assert_uint_eq(len, n + rtc_srtp_overhead(p, false));
            ck_assert_mem_eq(buf, plain, 12);               /* the header stays clear */
            ck_assert(memcmp(buf + 12, plain + 12, 100) != 0);
            ck_assert_int_eq(rtc_srtp_unprotect(rx, buf, &len), RTC_SRTP_OK);
            ck_assert_uint_eq(len, n);
            ck_assert_mem_eq(buf, plain, n);
        }
        for (int i = 0; i < 300; i++) {
            uint8_t plain[8], buf[64];
            size_t n = rtcp_rr(plain, ssrc), len = n;
            memcpy(buf, plain, n);
            ck_assert_int_eq(rtc_srtp_protect_rtcp(tx, buf, &len, sizeof buf), RTC_SRTP_OK);
            ck_assert_uint_eq(len, n + rtc_srtp_overhead(p, true));
            ck_assert_int_eq(rtc_srtp_unprotect_rtcp(rx, buf, &len), RTC_SRTP_OK);
            ck_assert_uint_eq(len, n);
            ck_assert_mem_eq(buf, plain, n);
        }
    }
    pair_free(a);
}
END_TEST

/* Two ends that both think they are the client read with the key the
 * other writes with only if the layout were symmetric: it is not. */
START_TEST(roles_must_differ)
{
    rtc_srtp_profile_t p = PROFILES[_i];
    uint8_t m[64], buf[256];
    material(p, m);
    rtc_srtp_t *c1, *c2;
    ck_assert_int_eq(rtc_srtp_new(p, m, rtc_srtp_key_material_len(p), true, &c1), RTC_SRTP_OK);
    ck_assert_int_eq(rtc_srtp_new(p, m, rtc_srtp_key_material_len(p), true, &c2), RTC_SRTP_OK);
    size_t len = rtp(buf, 1, 0x1234, 100);
    ck_assert_int_eq(rtc_srtp_protect(c1, buf, &len, sizeof buf), RTC_SRTP_OK);
    ck_assert_int_eq(rtc_srtp_unprotect(c2, buf, &len), RTC_SRTP_ERR_AUTH);
    rtc_srtp_free(c1);
    rtc_srtp_free(c2);
}
END_TEST

START_TEST(replay_is_refused)
{
    rtc_srtp_profile_t p = PROFILES[_i];
    pair_t a = pair_new(p);
    uint8_t first[256], buf[256];
    size_t flen = rtp(first, 7, 0xabcdef, 100);
    ck_assert_int_eq(rtc_srtp_protect(a.client, first, &flen, sizeof first), RTC_SRTP_OK);
    size_t len = flen;
    memcpy(buf, first, len);
    ck_assert_int_eq(rtc_srtp_unprotect(a.server, buf, &len), RTC_SRTP_OK);
    len = flen;
    memcpy(buf, first, len);
    ck_assert_int_eq(rtc_srtp_unprotect(a.server, buf, &len), RTC_SRTP_ERR_REPLAY);
    /* a packet 1024 behind the newest is out of the window (RFC 3711
     * s.3.3.2): seq 7 after seq 7 + 1100 */
    len = rtp(buf, 7 + 1100, 0xabcdef, 100);
    ck_assert_int_eq(rtc_srtp_protect(a.client, buf, &len, sizeof buf), RTC_SRTP_OK);
    ck_assert_int_eq(rtc_srtp_unprotect(a.server, buf, &len), RTC_SRTP_OK);
    uint8_t late[256];
    size_t llen = rtp(late, 8, 0xabcdef, 100);
    /* protected before the jump would be the real case; the sender's own
     * replay check refuses a sequence number going back, so a second
     * sender context stands in for the packet delayed in the network */
    pair_t b = pair_new(p);
    ck_assert_int_eq(rtc_srtp_protect(b.client, late, &llen, sizeof late), RTC_SRTP_OK);
    ck_assert_int_eq(rtc_srtp_unprotect(a.server, late, &llen), RTC_SRTP_ERR_REPLAY);
    /* SRTCP: the same packet twice */
    uint8_t r[64];
    size_t rlen = rtcp_rr(r, 0xabcdef);
    ck_assert_int_eq(rtc_srtp_protect_rtcp(a.client, r, &rlen, sizeof r), RTC_SRTP_OK);
    memcpy(buf, r, rlen);
    len = rlen;
    ck_assert_int_eq(rtc_srtp_unprotect_rtcp(a.server, buf, &len), RTC_SRTP_OK);
    memcpy(buf, r, rlen);
    len = rlen;
    ck_assert_int_eq(rtc_srtp_unprotect_rtcp(a.server, buf, &len), RTC_SRTP_ERR_REPLAY);
    pair_free(a);
    pair_free(b);
}
END_TEST

/* One bit flipped anywhere after the header (payload or tag), or in the
 * header itself (authenticated, RFC 3711 s.4.2 / RFC 7714 s.8.2), is
 * AUTH; each flip on a fresh packet, so replay never answers first. */
START_TEST(tampering_is_auth)
{
    rtc_srtp_profile_t p = PROFILES[_i];
    pair_t a = pair_new(p);
    size_t plen = 12 + 100 + rtc_srtp_overhead(p, false);
    uint16_t seq = 1;
    for (size_t byte = 0; byte < plen; byte++) {
        if (byte == 0 || byte == 2 || byte == 3)
            continue;   /* X bit: another parse; sequence number: maybe one received */
        uint8_t buf[256];
        size_t len = rtp(buf, seq++, 0x5555, 100);
        ck_assert_int_eq(rtc_srtp_protect(a.client, buf, &len, sizeof buf), RTC_SRTP_OK);
        buf[byte] ^= 0x10;
        ck_assert_msg(rtc_srtp_unprotect(a.server, buf, &len) == RTC_SRTP_ERR_AUTH,
                      "bit flipped in byte %zu", byte);
    }
    /* the packet after all those is still good: a forgery does not move
     * the replay window */
    uint8_t buf[256];
    size_t len = rtp(buf, seq, 0x5555, 100);
    ck_assert_int_eq(rtc_srtp_protect(a.client, buf, &len, sizeof buf), RTC_SRTP_OK);
    ck_assert_int_eq(rtc_srtp_unprotect(a.server, buf, &len), RTC_SRTP_OK);
    /* SRTCP: a bit in the encrypted part and in the tag */
    for (int where = 0; where < 2; where++) {
        uint8_t r[64];
        size_t rlen = rtcp_rr(r, 0x5555);
        r[rlen++] = 1; r[rlen++] = 2; r[rlen++] = 3; r[rlen++] = 4;   /* a report block's start */
        r[3] = 2;
        ck_assert_int_eq(rtc_srtp_protect_rtcp(a.client, r, &rlen, sizeof r), RTC_SRTP_OK);
        r[where ? rlen - 1 : 9] ^= 0x01;
        ck_assert_int_eq(rtc_srtp_unprotect_rtcp(a.server, r, &rlen), RTC_SRTP_ERR_AUTH);
    }
    pair_free(a);
}
END_TEST

/* Every truncation of a protected packet. Shorter than the RTP (RTCP)
 * header plus the tag, libsrtp cannot find the tag: MALFORMED. Longer,
 * the last tag-length bytes are taken as the tag and do not match: AUTH.
 * Never OK, and never a read past len (the ASan build checks that). */
START_TEST(truncation)
{
    rtc_srtp_profile_t p = PROFILES[_i];
    pair_t a = pair_new(p);
    uint8_t full[256];
    size_t flen = rtp(full, 100, 0x7777, 100);
    ck_assert_int_eq(rtc_srtp_protect(a.client, full, &flen, sizeof full), RTC_SRTP_OK);
    size_t tag = rtc_srtp_overhead(p, false);
    for (size_t n = 0; n < flen; n++) {
        uint8_t *buf = malloc(n ? n : 1);
        memcpy(buf, full, n);
        size_t len = n;
        rtc_srtp_status_t st = rtc_srtp_unprotect(a.server, buf, &len);
        rtc_srtp_status_t want = n < 12 + tag ? RTC_SRTP_ERR_MALFORMED : RTC_SRTP_ERR_AUTH;
        ck_assert_msg(st == want, "truncated to %zu: %s, wanted %s", n, rtc_srtp_status_name(st),
                      rtc_srtp_status_name(want));
        free(buf);
    }
    uint8_t r[64];
    size_t rlen = rtcp_rr(r, 0x7777);
    ck_assert_int_eq(rtc_srtp_protect_rtcp(a.client, r, &rlen, sizeof r), RTC_SRTP_OK);
    size_t rover = rtc_srtp_overhead(p, true);
    for (size_t n = 0; n < rlen; n++) {
        uint8_t *buf = malloc(n ? n : 1);
        memcpy(buf, r, n);
        size_t len = n;
        rtc_srtp_status_t st = rtc_srtp_unprotect_rtcp(a.server, buf, &len);
        rtc_srtp_status_t want = n < 8 + rover ? RTC_SRTP_ERR_MALFORMED : RTC_SRTP_ERR_AUTH;
        ck_assert_msg(st == want, "SRTCP truncated to %zu: %s, wanted %s", n,
                      rtc_srtp_status_name(st), rtc_srtp_status_name(want));
        free(buf);
    }
    pair_free(a);
}
END_TEST

/* cap below len + overhead: NO_ROOM and the buffer untouched; exactly
 * len + overhead: OK, and the byte after cap (a sentinel) untouched. */
START_TEST(room_for_the_tag)
{
    rtc_srtp_profile_t p = PROFILES[_i];
    pair_t a = pair_new(p);
    for (int rtcp = 0; rtcp < 2; rtcp++) {
        uint8_t buf[256], keep[256];
        size_t n = rtcp ? rtcp_rr(buf, 9) : rtp(buf, 1, 9, 100);
        size_t over = rtc_srtp_overhead(p, rtcp);
        memset(buf + n, 0xa5, sizeof buf - n);
        memcpy(keep, buf, sizeof buf);
        size_t len = n;
        rtc_srtp_status_t st = rtcp ? rtc_srtp_protect_rtcp(a.client, buf, &len, n + over - 1)
                                    : rtc_srtp_protect(a.client, buf, &len, n + over - 1);
        ck_assert_int_eq(st, RTC_SRTP_ERR_NO_ROOM);
        ck_assert_uint_eq(len, n);
        ck_assert_mem_eq(buf, keep, sizeof buf);
        st = rtcp ? rtc_srtp_protect_rtcp(a.client, buf, &len, n + over)
                  : rtc_srtp_protect(a.client, buf, &len, n + over);
        ck_assert_int_eq(st, RTC_SRTP_OK);
        ck_assert_uint_eq(len, n + over);
        ck_assert_uint_eq(buf[n + over], 0xa5);
    }
    pair_free(a);
}
END_TEST

/* ---- known answers by a route of our own --------------------------------- */

static void aes_ctr(const uint8_t key[16], const uint8_t iv[16], const uint8_t *in, uint8_t *out,
                    size_t n)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l1 = 0, l2 = 0;
    ck_assert(EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, key, iv) == 1);
    ck_assert(EVP_EncryptUpdate(c, out, &l1, in, (int)n) == 1);
    ck_assert(EVP_EncryptFinal_ex(c, out + l1, &l2) == 1);
    ck_assert_uint_eq((size_t)(l1 + l2), n);
    EVP_CIPHER_CTX_free(c);
}

/* RFC 3711 s.4.3.1 and s.4.3.3 with key_derivation_rate 0: x = label
 * (as the 7th octet from the end of key_id) XOR master salt, the PRF is
 * the AES-CM keystream under the master key from IV x * 2^16. A 96-bit
 * master salt (RFC 7714 s.11) is taken as the high 96 of the 112 bits,
 * zeros below. */
static void kdf(const uint8_t mkey[16], const uint8_t *msalt, size_t msalt_len, uint8_t label,
                uint8_t *out, size_t n)
{
    uint8_t iv[16] = { 0 }, zero[64] = { 0 };
    memcpy(iv, msalt, msalt_len);
    iv[7] ^= label;
    aes_ctr(mkey, iv, zero, out, n);
}

/* RFC 7714 s.8.1 (SRTP) and s.9.1 (SRTCP): AES-128-GCM with the IV
 * salt XOR (00 00 || SSRC || ROC || SEQ) or (00 00 || SSRC || 00 00 ||
 * 0 || index), the header (SRTCP: header and E||index) as AAD. */
static size_t gcm(const uint8_t key[16], const uint8_t salt[12], const uint8_t iv_in[12],
                  const uint8_t *aad, size_t aad_len, const uint8_t *plain, size_t n, uint8_t *out)
{
    uint8_t iv[12];
    for (int i = 0; i < 12; i++)
        iv[i] = salt[i] ^ iv_in[i];
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int l = 0;
    ck_assert(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1);
    ck_assert(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, 12, NULL) == 1);
    ck_assert(EVP_EncryptInit_ex(c, NULL, NULL, key, iv) == 1);
    ck_assert(EVP_EncryptUpdate(c, NULL, &l, aad, (int)aad_len) == 1);
    ck_assert(EVP_EncryptUpdate(c, out, &l, plain, (int)n) == 1);
    ck_assert(EVP_EncryptFinal_ex(c, out + l, &l) == 1);
    ck_assert(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + n) == 1);
    EVP_CIPHER_CTX_free(c);
    return n + 16;
}

/* SRTP under RFC 7714 with session key and salt: header || GCM(payload) || tag. */
static size_t gcm_rtp(const uint8_t key[16], const uint8_t salt[12], const uint8_t *pkt, size_t n,
                      uint32_t roc, uint8_t *out)
{
    uint8_t ivin[12] = { 0 };
    memcpy(ivin + 2, pkt + 8, 4);                       /* SSRC */
    for (int i = 0; i < 4; i++)
        ivin[6 + i] = (uint8_t)(roc >> (24 - 8 * i));
    memcpy(ivin + 10, pkt + 2, 2);                      /* SEQ */
    memcpy(out, pkt, 12);
    return 12 + gcm(key, salt, ivin, pkt, 12, pkt + 12, n - 12, out + 12);
}

/* SRTCP under RFC 7714 s.9: header(8) || GCM(rest) || tag || E||index. */
static size_t gcm_rtcp(const uint8_t key[16], const uint8_t salt[12], const uint8_t *pkt, size_t n,
                       uint32_t index, uint8_t *out)
{
    uint8_t ivin[12] = { 0 }, aad[12], eidx[4];
    memcpy(ivin + 2, pkt + 4, 4);
    for (int i = 0; i < 4; i++) {
        eidx[i] = (uint8_t)((index | 0x80000000u) >> (24 - 8 * i));
        ivin[8 + i] = (uint8_t)(index >> (24 - 8 * i));
    }
    memcpy(aad, pkt, 8);
    memcpy(aad + 8, eidx, 4);
    memcpy(out, pkt, 8);
    size_t m = 8 + gcm(key, salt, ivin, aad, 12, pkt + 8, n - 8, out + 8);
    memcpy(out + m, eidx, 4);
    return m + 4;
}

/* SRTP under RFC 3711 s.4.1.1 and s.4.2 with session keys:
 * header || AES-CM(payload) || HMAC-SHA1(auth key, packet || ROC)[0..9]. */
static size_t cm_rtp(const uint8_t key[16], const uint8_t salt[14], const uint8_t akey[20],
                     const uint8_t *pkt, size_t n, uint32_t roc, uint8_t *out)
{
    uint8_t iv[16] = { 0 };
    memcpy(iv, salt, 14);
    for (int i = 0; i < 4; i++) {
        iv[4 + i] ^= pkt[8 + i];                            /* SSRC * 2^64 */
        iv[8 + i] ^= (uint8_t)(roc >> (24 - 8 * i));       /* i * 2^16: ROC || SEQ */
    }
    iv[12] ^= pkt[2];
    iv[13] ^= pkt[3];
    memcpy(out, pkt, 12);
    aes_ctr(key, iv, pkt + 12, out + 12, n - 12);
    uint8_t m[256 + 4], md[20];
    memcpy(m, out, n);
    for (int i = 0; i < 4; i++)
        m[n + i] = (uint8_t)(roc >> (24 - 8 * i));
    unsigned mdlen = 0;
    ck_assert_ptr_nonnull(HMAC(EVP_sha1(), akey, 20, m, n + 4, md, &mdlen));
    memcpy(out + n, md, 10);
    return n + 10;
}

/* The route itself against the RFCs' own numbers. */
START_TEST(route_matches_the_rfc_vectors)
{
    /* RFC 3711 Appendix B.3 */
    uint8_t mk[16], ms[14], want[32], got[32];
    fx_unhex("E1F97A0D3E018BE0D64FA32C06DE4139", mk);
    fx_unhex("0EC675AD498AFEEBB6960B3AABE6", ms);
    kdf(mk, ms, 14, 0, got, 16);
    fx_unhex("C61E7A93744F39EE10734AFE3FF7A087", want);
    ck_assert_mem_eq(got, want, 16);
    kdf(mk, ms, 14, 2, got, 14);
    fx_unhex("30CBBC08863D8C85D49DB34A9AE1", want);
    ck_assert_mem_eq(got, want, 14);
    kdf(mk, ms, 14, 1, got, 20);
    fx_unhex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4", want);
    ck_assert_mem_eq(got, want, 20);

    /* RFC 7714 s.16.1.1 (SRTP) and s.17.1 (SRTCP, index 0x5d4): key 00..0f,
     * salt "Quid pro quo" */
    uint8_t key[16], salt[12], pkt[128], exp[160], out[160];
    fx_unhex("000102030405060708090a0b0c0d0e0f", key);
    fx_unhex("517569642070726f2071756f", salt);
    size_t n = fx_unhex("8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976"
                        " 69736120 696e2070 61727465 73207472 6573", pkt);
    size_t m = fx_unhex("8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca be633bd5"
                        " 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1 6a9152cf 765ee439"
                        " 0cce", exp);
    ck_assert_uint_eq(gcm_rtp(key, salt, pkt, n, 0, out), m);
    ck_assert_mem_eq(out, exp, m);
    n = fx_unhex("81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61"
                 " deadbeef deadbeef deadbeef deadbeef deadbeef", pkt);
    m = fx_unhex("81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7 6c06f32d"
                 " c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458 96cf4d2f c5abf872"
                 " 45d9eade 800005d4", exp);
    ck_assert_uint_eq(gcm_rtcp(key, salt, pkt, n, 0x5d4, out), m);
    ck_assert_mem_eq(out, exp, m);
}
END_TEST

/* libsrtp under the RFC 3711 B.3 master key (and, for the salt, its
 * master salt, cut to 96 bits for GCM) against the route: the RFC 7714
 * s.16 packet as SRTP, the s.17 packet as SRTCP, and for CM-80 the same
 * RTP packet under RFC 3711's transform. The client writes with the
 * first key and first salt of RFC 5764 s.4.2's layout. */
START_TEST(libsrtp_matches_the_route)
{
    uint8_t mk[16], ms[14], other[30];
    fx_unhex("E1F97A0D3E018BE0D64FA32C06DE4139", mk);
    fx_unhex("0EC675AD498AFEEBB6960B3AABE6", ms);
    memset(other, 0x3c, sizeof other);
    uint8_t rtp_pkt[128], rtcp_pkt[128];
    size_t rtp_n = fx_unhex("8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973"
                            " 20646976 69736120 696e2070 61727465 73207472 6573", rtp_pkt);
    size_t rtcp_n = fx_unhex("81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930"
                             " 4c756e61 deadbeef deadbeef deadbeef deadbeef deadbeef", rtcp_pkt);
    for (size_t k = 0; k < 2; k++) {
        rtc_srtp_profile_t p = PROFILES[k];
        bool aead = p == RTC_SRTP_AEAD_AES_128_GCM;
        size_t sl = aead ? 12 : 14;
        uint8_t mat[64];
        memcpy(mat, mk, 16);                    /* client_write_SRTP_master_key */
        memcpy(mat + 16, other, 16);            /* server_write_SRTP_master_key */
        memcpy(mat + 32, ms, sl);               /* client_write_SRTP_master_salt */
        memcpy(mat + 32 + sl, other, sl);       /* server_write_SRTP_master_salt */
        rtc_srtp_t *s;
        ck_assert_int_eq(rtc_srtp_new(p, mat, rtc_srtp_key_material_len(p), true, &s), RTC_SRTP_OK);

        uint8_t ekey[16], esalt[14], akey[20], buf[256], want[256];
        kdf(mk, ms, sl, 0, ekey, 16);           /* RFC 3711 s.4.3.2 labels 0, 1, 2 */
        kdf(mk, ms, sl, 2, esalt, sl);
        kdf(mk, ms, sl, 1, akey, 20);
        size_t wn = aead ? gcm_rtp(ekey, esalt, rtp_pkt, rtp_n, 0, want)
                         : cm_rtp(ekey, esalt, akey, rtp_pkt, rtp_n, 0, want);
        size_t len = rtp_n;
        memcpy(buf, rtp_pkt, len);
        ck_assert_int_eq(rtc_srtp_protect(s, buf, &len, sizeof buf), RTC_SRTP_OK);
        ck_assert_uint_eq(len, wn);
        ck_assert_mem_eq(buf, want, wn);

        if (aead) {
            /* SRTCP: labels 3 and 5; the index libsrtp chose is in the packet */
            kdf(mk, ms, sl, 3, ekey, 16);
            kdf(mk, ms, sl, 5, esalt, sl);
            len = rtcp_n;
            memcpy(buf, rtcp_pkt, len);
            ck_assert_int_eq(rtc_srtp_protect_rtcp(s, buf, &len, sizeof buf), RTC_SRTP_OK);
            ck_assert_uint_eq(len, rtcp_n + 20);
            uint32_t idx = ((uint32_t)buf[len - 4] << 24 | (uint32_t)buf[len - 3] << 16 |
                            (uint32_t)buf[len - 2] << 8 | buf[len - 1]) & 0x7fffffffu;
            ck_assert_uint_le(idx, 1);          /* the first SRTCP packet of the stream */
            wn = gcm_rtcp(ekey, esalt, rtcp_pkt, rtcp_n, idx, want);
            ck_assert_uint_eq(len, wn);
            ck_assert_mem_eq(buf, want, wn);
        }
        rtc_srtp_free(s);
    }
}
END_TEST


/* ---- DTLS-SRTP: two endpoints back to back ----------------------------- */

#define MAX_Q 64

typedef struct dgram {
    uint8_t data[1500];
    size_t  len;
} dgram_t;

typedef struct end {
    struct bench2 *b;
    rtc_dtls_t    *d;
    rtc_dtls_cert_t *cert;
    dgram_t        q[MAX_Q];        /* what this end sent, not yet delivered */
    int            nq;
    int            sent;            /* datagrams out, in all */
    uint64_t       first_send, second_send;
    int            keylog_lines, client_random_lines;
} end_t;

typedef struct bench2 {
    sim_kernel_t *k;
    end_t         c, s;
    /* drop(b, from, nth datagram of that end) says whether to lose it */
    bool        (*drop)(struct bench2 *b, end_t *from, int nth);
} bench2_t;

static uint64_t fk_now(void *ctx) { return sim_now(((bench2_t *)ctx)->k); }

static void fk_set_timer(void *ctx, rtc_timer_owner_t o, void *obj, uint64_t at)
{
    ck_abort_msg("the DTLS endpoint armed an environment timer");
}

static rtc_send_status_t fk_send(void *ctx, const rtc_addr_t *f, const rtc_addr_t *t,
                                 const uint8_t *data, size_t len)
{
    ck_abort_msg("the DTLS endpoint sent through env->send");
    return RTC_SEND_FAILED;
}

static void fk_random(void *ctx, void *buf, size_t len)
{
    ck_abort_msg("the DTLS endpoint asked the environment for randomness");
}

/* "CLIENT_RANDOM <32 octets hex> <48 octets hex>" (NSS key log format) */
static void fk_keylog(void *ctx, const char *line)
{
    bench2_t *b = ctx;
    /* the line does not say whose it is: count it for both, check shape */
    b->c.keylog_lines++;
    size_t n = strlen(line);
    if (strncmp(line, "CLIENT_RANDOM ", 14) == 0 && n == 14 + 64 + 1 + 96 && line[14 + 64] == ' ')
        b->c.client_random_lines++;
}

static void out_cb(void *user, const uint8_t *data, size_t len)
{
    end_t *e = user;
    e->sent++;
    if (e->sent == 1)
        e->first_send = sim_now(e->b->k);
    if (e->sent == 2)
        e->second_send = sim_now(e->b->k);
    if (e->b->drop && e->b->drop(e->b, e, e->sent))
        return;
    ck_assert_int_lt(e->nq, MAX_Q);
    ck_assert_uint_le(len, sizeof e->q[0].data);
    memcpy(e->q[e->nq].data, data, len);
    e->q[e->nq++].len = len;
}

static rtc_env_t fk_env(bench2_t *b, bool keylog)
{
    rtc_env_t env = { .ctx = b, .now = fk_now, .set_timer = fk_set_timer, .send = fk_send,
                      .random = fk_random, .keylog = keylog ? fk_keylog : NULL };
    return env;
}

static void bench2_init(bench2_t *b, uint64_t seed, const char *cprof, const char *sprof)
{
    memset(b, 0, sizeof *b);
    b->k = sim_kernel_new(seed);
    sim_vdet_bind(b->k);
    b->c.b = b->s.b = b;
    rtc_env_t env = fk_env(b, true);
    ck_assert_int_eq(rtc_dtls_cert_new(&b->c.cert), RTC_DTLS_OK);
    ck_assert_int_eq(rtc_dtls_cert_new(&b->s.cert), RTC_DTLS_OK);
    ck_assert_int_eq(rtc_dtls_new(&env, RTC_DTLS_CLIENT, b->c.cert, cprof, out_cb, &b->c, &b->c.d),
                     RTC_DTLS_OK);
    ck_assert_int_eq(rtc_dtls_new(&env, RTC_DTLS_SERVER, b->s.cert, sprof, out_cb, &b->s, &b->s.d),
                     RTC_DTLS_OK);
}

static void bench2_free(bench2_t *b)
{
    rtc_dtls_free(b->c.d);
    rtc_dtls_free(b->s.d);
    rtc_dtls_cert_free(b->c.cert);
    rtc_dtls_cert_free(b->s.cert);
    sim_vdet_bind(NULL);
    sim_kernel_free(b->k);
}

static bool settled(rtc_dtls_state_t st)
{
    return st == RTC_DTLS_CONNECTED || st == RTC_DTLS_FAILED;
}

/* Deliver what is queued, one datagram at a time (1 ms of latency);
 * when nothing is, jump the clock to the earlier of the two timeouts.
 * Until both ends settle or time passes limit. */
static void bench2_run(bench2_t *b, uint64_t limit)
{
    while (!(settled(rtc_dtls_state(b->c.d)) && settled(rtc_dtls_state(b->s.d)) &&
             b->c.nq == 0 && b->s.nq == 0)) {
        end_t *from = b->c.nq ? &b->c : b->s.nq ? &b->s : NULL;
        if (from) {
            end_t *to = from == &b->c ? &b->s : &b->c;
            dgram_t g = from->q[0];
            memmove(from->q, from->q + 1, (size_t)(--from->nq) * sizeof from->q[0]);
            sim_run_until(b->k, sim_now(b->k) + SIM_MS(1));
            rtc_dtls_handle_datagram(to->d, g.data, g.len);
            continue;
        }
        uint64_t tc = rtc_dtls_next_timeout(b->c.d), ts = rtc_dtls_next_timeout(b->s.d);
        uint64_t t = tc < ts ? tc : ts;
        if (t == RTC_TIME_NEVER || t > limit)
            return;
        if (t > sim_now(b->k))
            sim_run_until(b->k, t);
        rtc_dtls_handle_timeout(tc <= ts ? b->c.d : b->s.d);
    }
}

static void start(bench2_t *b)
{
    ck_assert_int_eq(rtc_dtls_start(b->s.d), RTC_DTLS_OK);
    ck_assert_uint_eq(rtc_dtls_next_timeout(b->s.d), RTC_TIME_NEVER);   /* a server waits */
    ck_assert_int_eq(rtc_dtls_start(b->c.d), RTC_DTLS_OK);
    /* RFC 6347 s.4.2.4.1: the first retransmission 1 s after the ClientHello */
    ck_assert_uint_eq(rtc_dtls_next_timeout(b->c.d), sim_now(b->k) + SIM_SEC(1));
}

/* Change the hex digit at position i of a fingerprint to another one. */
static void change_digit(char *fp, size_t i)
{
    fp[i] = fp[i] == '0' ? '1' : '0';
}

static const char *const PROFILE_NAMES[] = { "SRTP_AES128_CM_SHA1_80", "SRTP_AEAD_AES_128_GCM" };

START_TEST(dtls_handshake_and_srtp)
{
    const char *name = PROFILE_NAMES[_i];
    bench2_t b;
    /* the client prefers the other profile; the server offers only this one */
    char cprof[80];
    snprintf(cprof, sizeof cprof, "%s:%s", PROFILE_NAMES[1 - _i], name);
    bench2_init(&b, 7, cprof, name);
    uint8_t keys[64];
    ck_assert_uint_eq(rtc_dtls_srtp_key_len(b.c.d), 0);
    ck_assert_int_eq(rtc_dtls_srtp_keys(b.c.d, keys, 60), RTC_DTLS_ERR_STATE);
    ck_assert(!rtc_dtls_peer_matches(b.c.d, rtc_dtls_cert_fingerprint(b.s.cert)));
    start(&b);
    bench2_run(&b, SIM_SEC(10));
    ck_assert_int_eq(rtc_dtls_state(b.c.d), RTC_DTLS_CONNECTED);
    ck_assert_int_eq(rtc_dtls_state(b.s.d), RTC_DTLS_CONNECTED);
    ck_assert_uint_eq(rtc_dtls_next_timeout(b.c.d), RTC_TIME_NEVER);
    ck_assert_str_eq(rtc_dtls_srtp_profile(b.c.d), name);
    ck_assert_str_eq(rtc_dtls_srtp_profile(b.s.d), name);
    /* RFC 5764 s.4.2: 2 * (key + salt) of the profile */
    size_t klen = _i ? 56 : 60;
    ck_assert_uint_eq(rtc_dtls_srtp_key_len(b.c.d), klen);
    ck_assert_uint_eq(rtc_dtls_srtp_key_len(b.s.d), klen);
    uint8_t ck[64], sk[64];
    ck_assert_int_eq(rtc_dtls_srtp_keys(b.c.d, ck, klen + 4), RTC_DTLS_ERR_INVALID);
    ck_assert_int_eq(rtc_dtls_srtp_keys(b.c.d, ck, klen), RTC_DTLS_OK);
    ck_assert_int_eq(rtc_dtls_srtp_keys(b.s.d, sk, klen), RTC_DTLS_OK);
    ck_assert_mem_eq(ck, sk, klen);
    /* one CLIENT_RANDOM line per end (DTLS 1.2 has one secret) */
    ck_assert_int_eq(b.c.keylog_lines, 2);
    ck_assert_int_eq(b.c.client_random_lines, 2);

    /* fingerprints: the peer's matches, in either case and hash-name case */
    char fp[160];
    snprintf(fp, sizeof fp, "%s", rtc_dtls_cert_fingerprint(b.s.cert));
    ck_assert(rtc_dtls_peer_matches(b.c.d, fp));
    ck_assert(rtc_dtls_peer_matches(b.s.d, rtc_dtls_cert_fingerprint(b.c.cert)));
    ck_assert(!rtc_dtls_peer_matches(b.c.d, rtc_dtls_cert_fingerprint(b.c.cert)));   /* its own */
    char low[160];
    for (size_t i = 0; fp[i]; i++)
        low[i] = (char)((fp[i] >= 'A' && fp[i] <= 'F') ? fp[i] - 'A' + 'a' : fp[i]);
    low[strlen(fp)] = '\0';
    memcpy(low, "SHA-256", 7);
    ck_assert(rtc_dtls_peer_matches(b.c.d, low));
    for (size_t i = 8; fp[i]; i++) {            /* every hex digit, one at a time */
        if (fp[i] == ':')
            continue;
        char bad[160];
        memcpy(bad, fp, sizeof bad);
        change_digit(bad, i);
        ck_assert_msg(!rtc_dtls_peer_matches(b.c.d, bad), "digit %zu changed: %s", i, bad);
    }
    char other[200];
    snprintf(other, sizeof other, "sha-3 %s", fp + 8);
    ck_assert(!rtc_dtls_peer_matches(b.c.d, other));                /* unknown hash */
    snprintf(other, sizeof other, "md5 %s", fp + 8);
    ck_assert(!rtc_dtls_peer_matches(b.c.d, other));
    snprintf(other, sizeof other, "sha-512 %s", fp + 8);            /* wrong length for it */
    ck_assert(!rtc_dtls_peer_matches(b.c.d, other));
    snprintf(other, sizeof other, "%.*s", (int)strlen(fp) - 3, fp); /* one octet short */
    ck_assert(!rtc_dtls_peer_matches(b.c.d, other));
    snprintf(other, sizeof other, "%s:00", fp);                     /* one octet long */
    ck_assert(!rtc_dtls_peer_matches(b.c.d, other));
    snprintf(other, sizeof other, "sha-256  %s", fp + 8);           /* two spaces */
    ck_assert(!rtc_dtls_peer_matches(b.c.d, other));
    ck_assert(!rtc_dtls_peer_matches(b.c.d, "sha-256"));
    ck_assert(!rtc_dtls_peer_matches(b.c.d, ""));

    /* the exported keys key SRTP: client -> server and back */
    rtc_srtp_profile_t p;
    ck_assert(rtc_srtp_profile_of(name, &p));
    rtc_srtp_t *cs, *ss;
    ck_assert_int_eq(rtc_srtp_new(p, ck, klen, true, &cs), RTC_SRTP_OK);
    ck_assert_int_eq(rtc_srtp_new(p, sk, klen, false, &ss), RTC_SRTP_OK);
    for (int dir = 0; dir < 2; dir++) {
        uint8_t plain[200], buf[256];
        size_t n = rtp(plain, 1, 42, 100), len = n;
        memcpy(buf, plain, n);
        ck_assert_int_eq(rtc_srtp_protect(dir ? ss : cs, buf, &len, sizeof buf), RTC_SRTP_OK);
        ck_assert_int_eq(rtc_srtp_unprotect(dir ? cs : ss, buf, &len), RTC_SRTP_OK);
        ck_assert_mem_eq(buf, plain, n);
    }
    rtc_srtp_free(cs);
    rtc_srtp_free(ss);
    ck_assert_uint_eq(rtc_dtls_ignored(b.c.d), 0);
    bench2_free(&b);
}
END_TEST

START_TEST(dtls_invalid_profiles)
{
    bench2_t b;
    memset(&b, 0, sizeof b);
    b.k = sim_kernel_new(1);
    rtc_env_t env = fk_env(&b, false);
    rtc_dtls_cert_t *c;
    rtc_dtls_t *d = (rtc_dtls_t *)&b;
    ck_assert_int_eq(rtc_dtls_cert_new(&c), RTC_DTLS_OK);
    ck_assert_int_eq(rtc_dtls_new(&env, RTC_DTLS_CLIENT, c, "SRTP_NOT_A_PROFILE", out_cb, &b.c, &d),
                     RTC_DTLS_ERR_CRYPTO);
    ck_assert_ptr_null(d);
    ck_assert_int_eq(rtc_dtls_new(&env, RTC_DTLS_CLIENT, c, "SRTP_AES128_CM_SHA1_80", out_cb, &b.c,
                                  &d), RTC_DTLS_OK);
    rtc_dtls_free(d);
    rtc_dtls_cert_free(c);
    sim_kernel_free(b.k);
}
END_TEST

/* D54: no profile in common is a failure on both ends. */
static bool drop_none(bench2_t *b, end_t *from, int nth) { return false; }

START_TEST(dtls_no_common_profile_fails)
{
    bench2_t b;
    bench2_init(&b, 3, "SRTP_AES128_CM_SHA1_80", "SRTP_AEAD_AES_128_GCM");
    b.drop = drop_none;
    start(&b);
    bench2_run(&b, SIM_SEC(10));
    ck_assert_int_eq(rtc_dtls_state(b.c.d), RTC_DTLS_FAILED);
    ck_assert_int_eq(rtc_dtls_state(b.s.d), RTC_DTLS_FAILED);
    ck_assert_ptr_null(rtc_dtls_srtp_profile(b.c.d));
    ck_assert_uint_eq(rtc_dtls_srtp_key_len(b.c.d), 0);
    bench2_free(&b);
}
END_TEST

/* The server's first flight (its datagrams up to the client's second
 * send) is lost; the client's timer, 1 s after its ClientHello, sends it
 * again (RFC 6347 s.4.2.4) and the handshake completes. */
static bool drop_first_server_flight(bench2_t *b, end_t *from, int nth)
{
    return from == &b->s && b->c.sent == 1;
}

START_TEST(dtls_lost_flight_is_retransmitted)
{
    bench2_t b;
    bench2_init(&b, 5, NULL, NULL);
    b.drop = drop_first_server_flight;
    start(&b);
    bench2_run(&b, SIM_SEC(30));
    ck_assert_int_gt(b.s.sent, 0);
    ck_assert_int_eq(rtc_dtls_state(b.c.d), RTC_DTLS_CONNECTED);
    ck_assert_int_eq(rtc_dtls_state(b.s.d), RTC_DTLS_CONNECTED);
    ck_assert_uint_eq(b.c.second_send - b.c.first_send, SIM_SEC(1));
    bench2_free(&b);
}
END_TEST

/* Nothing from the server ever arrives: OpenSSL retransmits with its
 * timer doubling from 1 s to at most 60 s (RFC 6347 s.4.2.4.1), 12 times
 * (DTLS1_TMO_ALERT_COUNT), and gives up at the 13th expiry:
 * 1+2+4+8+16+32 + 7*60 = 483 s after the ClientHello, plus the 1 ms this
 * loop spends on each of the 13 deliveries to the server at most. */
static bool drop_server(bench2_t *b, end_t *from, int nth) { return from == &b->s; }

START_TEST(dtls_handshake_gives_up)
{
    bench2_t b;
    bench2_init(&b, 6, NULL, NULL);
    b.drop = drop_server;
    start(&b);
    bench2_run(&b, SIM_SEC(3600));
    ck_assert_int_eq(rtc_dtls_state(b.c.d), RTC_DTLS_FAILED);
    ck_assert_uint_eq(rtc_dtls_next_timeout(b.c.d), RTC_TIME_NEVER);
    ck_assert_int_eq(b.c.sent, 13);
    ck_assert_uint_ge(sim_now(b.k), SIM_SEC(483));
    ck_assert_uint_le(sim_now(b.k), SIM_SEC(483) + SIM_MS(13));
    /* failed stays failed: input is ignored and counted */
    uint64_t ign = rtc_dtls_ignored(b.c.d);
    static const uint8_t alert[15] = { 21, 254, 253, 0, 0, 0, 0, 0, 0, 0, 9, 0, 2, 2, 40 };
    rtc_dtls_handle_datagram(b.c.d, alert, sizeof alert);
    ck_assert_uint_eq(rtc_dtls_ignored(b.c.d), ign + 1);
    bench2_free(&b);
}
END_TEST

/* A fatal alert during the handshake fails the end that gets it: a
 * handshake_failure alert (RFC 5246 s.7.2) in epoch 0 to a client. */
START_TEST(dtls_fatal_alert_fails)
{
    bench2_t b;
    bench2_init(&b, 8, NULL, NULL);
    start(&b);
    static const uint8_t alert[15] = { 21, 254, 253, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 40 };
    rtc_dtls_handle_datagram(b.c.d, alert, sizeof alert);
    ck_assert_int_eq(rtc_dtls_state(b.c.d), RTC_DTLS_FAILED);
    ck_assert_uint_eq(rtc_dtls_next_timeout(b.c.d), RTC_TIME_NEVER);
    ck_assert_uint_eq(rtc_dtls_ignored(b.c.d), 0);
    bench2_free(&b);
}
END_TEST

/* Random bytes that start like DTLS (22, a handshake record) at every
 * length up to 200, and every truncation of the client's real
 * ClientHello, to a server and (after the handshake) to both ends:
 * ignored and counted, state unchanged, and the handshake unharmed. */
START_TEST(dtls_garbage_is_ignored)
{
    bench2_t b;
    bench2_init(&b, 9, NULL, NULL);
    sim_rng_t rng;
    sim_rng_init(&rng, 9, "garbage");
    ck_assert_int_eq(rtc_dtls_start(b.s.d), RTC_DTLS_OK);
    uint8_t g[256];
    uint64_t sent = 0;
    for (size_t n = 1; n <= 200; n++) {
        sim_rng_bytes(&rng, g, n);
        g[0] = 22;
        rtc_dtls_handle_datagram(b.s.d, g, n);
        sent++;
    }
    rtc_dtls_handle_datagram(b.s.d, NULL, 0);
    sent++;
    ck_assert_uint_eq(rtc_dtls_ignored(b.s.d), sent);
    ck_assert_int_eq(rtc_dtls_state(b.s.d), RTC_DTLS_HANDSHAKING);
    ck_assert_int_eq(b.s.sent, 0);
    /* a client that has not started answers nothing */
    rtc_dtls_handle_datagram(b.c.d, g, 20);
    ck_assert_uint_eq(rtc_dtls_ignored(b.c.d), 1);
    ck_assert_int_eq(rtc_dtls_state(b.c.d), RTC_DTLS_NEW);
    ck_assert_int_eq(rtc_dtls_start(b.c.d), RTC_DTLS_OK);
    ck_assert_int_eq(b.c.nq, 1);
    dgram_t hello = b.c.q[0];
    for (size_t n = 0; n < hello.len; n++)
        rtc_dtls_handle_datagram(b.s.d, hello.data, n);
    sent += hello.len;
    ck_assert_uint_eq(rtc_dtls_ignored(b.s.d), sent);
    ck_assert_int_eq(b.s.sent, 0);
    bench2_run(&b, SIM_SEC(10));
    ck_assert_int_eq(rtc_dtls_state(b.c.d), RTC_DTLS_CONNECTED);
    ck_assert_int_eq(rtc_dtls_state(b.s.d), RTC_DTLS_CONNECTED);
    for (int side = 0; side < 2; side++) {
        rtc_dtls_t *d = side ? b.s.d : b.c.d;
        uint64_t before = rtc_dtls_ignored(d);
        for (size_t n = 1; n <= 200; n++) {
            sim_rng_bytes(&rng, g, n);
            g[0] = (uint8_t)(20 + n % 44);          /* anywhere in RFC 7983's 20-63 */
            rtc_dtls_handle_datagram(d, g, n);
        }
        ck_assert_uint_eq(rtc_dtls_ignored(d), before + 200);
        ck_assert_int_eq(rtc_dtls_state(d), RTC_DTLS_CONNECTED);
    }
    /* a whole record of application data that does not decrypt: OpenSSL
     * drops it (RFC 6347 s.4.1.2.7); the association stays up */
    uint8_t rec[13 + 40] = { 23, 254, 253, 0, 1, 0, 0, 0, 0, 0, 9, 0, 40 };
    rtc_dtls_handle_datagram(b.s.d, rec, sizeof rec);
    ck_assert_int_eq(rtc_dtls_state(b.s.d), RTC_DTLS_CONNECTED);
    bench2_free(&b);
}
END_TEST

static Suite *srtp_suite(void)
{
    Suite *s = suite_create("srtp");
    TCase *t = tcase_create("srtp");
    tcase_add_test(t, profiles_and_lengths);
    tcase_add_loop_test(t, round_trip, 0, 2);
    tcase_add_loop_test(t, roles_must_differ, 0, 2);
    tcase_add_loop_test(t, replay_is_refused, 0, 2);
    tcase_add_loop_test(t, tampering_is_auth, 0, 2);
    tcase_add_loop_test(t, truncation, 0, 2);
    tcase_add_loop_test(t, room_for_the_tag, 0, 2);
    tcase_add_test(t, route_matches_the_rfc_vectors);
    tcase_add_test(t, libsrtp_matches_the_route);
    suite_add_tcase(s, t);
    TCase *d = tcase_create("dtls");
    tcase_set_timeout(d, 60);
    tcase_add_loop_test(d, dtls_handshake_and_srtp, 0, 2);
    tcase_add_test(d, dtls_invalid_profiles);
    tcase_add_test(d, dtls_no_common_profile_fails);
    tcase_add_test(d, dtls_lost_flight_is_retransmitted);
    tcase_add_test(d, dtls_handshake_gives_up);
    tcase_add_test(d, dtls_fatal_alert_fails);
    tcase_add_test(d, dtls_garbage_is_ignored);
    suite_add_tcase(s, d);
    return s;
}

int main(void)
{
    if (rtc_srtp_global_init() != RTC_SRTP_OK) {
        fprintf(stderr, "test_srtp: srtp_init failed\n");
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(srtp_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
