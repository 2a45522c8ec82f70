/*
 * candidate.h - ICE candidates (RFC 8445 s.5.1) and candidate pairs
 * (s.6.1.2), and the spec's RTCIceCandidateDescription checked field by
 * field.
 */
#ifndef RTC_CANDIDATE_H
#define RTC_CANDIDATE_H

#include <stddef.h>
#include <stdint.h>

#include "rtc_env.h"

typedef enum rtc_cand_type {
    RTC_CAND_HOST, RTC_CAND_SRFLX, RTC_CAND_PRFLX, RTC_CAND_RELAY
} rtc_cand_type_t;

#define RTC_FOUNDATION_MAX 32       /* RFC 8445 s.5.1.1.3: 1 to 32 ice-chars */

typedef struct rtc_candidate {
    rtc_cand_type_t type;
    char            foundation[RTC_FOUNDATION_MAX + 1];
    uint8_t         component;      /* 1 (RTP) or 2 (RTCP) */
    uint32_t        priority;
    rtc_addr_t      addr;           /* the transport address signalled */
    rtc_addr_t      base;           /* local candidates: where it is sent from */
} rtc_candidate_t;

const char *rtc_cand_type_name(rtc_cand_type_t t);           /* "host", "srflx", ... */
int         rtc_cand_type_parse(const char *s, rtc_cand_type_t *t);   /* 0 or -1 */

/* RFC 8445 s.5.1.2.1, with the recommended type preferences (host 126,
 * prflx 110, srflx 100, relay 0) and local_pref 0..65535. */
uint32_t rtc_candidate_priority(rtc_cand_type_t t, uint16_t local_pref, uint8_t component);

/* RFC 8445 s.5.1.1.3: candidates share a foundation when their type, base
 * address, server and transport are the same. Eight hex digits of a hash
 * of those, so a foundation says nothing else and repeats run to run. */
void rtc_candidate_foundation(rtc_cand_type_t t, uint32_t base_ip, uint32_t server_ip,
                              char out[RTC_FOUNDATION_MAX + 1]);

/* RFC 8445 s.6.1.2.3: G the controlling side's priority, D the other's. */
uint64_t rtc_pair_priority(uint32_t g, uint32_t d);

/* Check a candidate as received from the application; on error, err names
 * the field and what is wrong. 0 or -1. */
int rtc_candidate_check(const rtc_candidate_t *c, char *err, size_t errlen);

#endif
