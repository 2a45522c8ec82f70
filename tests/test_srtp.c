/*
 * test_srtp.c - ref/srtp.c on libsrtp2: round trips between the two ends
 * of one association (client and server halves of RFC 5764 s.4.2 key
 * material) for both profiles, replay, tampering, every truncation, room
 * in the buffer; and known answers reached by a route that does not go
 * through libsrtp: the RFC 3711 s.4.3 key derivation and the RFC 7714
 * s.8 / RFC 3711 s.4.1 transforms written here on OpenSSL's AES, checked
 * first against the RFC 3711 Appendix B.3 and RFC 7714 s.16.1.1 / s.17.1
 * vectors, then against what rtc_srtp_protect writes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fixture.h"
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
