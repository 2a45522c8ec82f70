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

typedef rtcsim_cand_type_t rtc_cand_type_t;
#define RTC_CAND_HOST  RTCSIM_CAND_HOST
#define RTC_CAND_SRFLX RTCSIM_CAND_SRFLX
#define RTC_CAND_PRFLX RTCSIM_CAND_PRFLX
#define RTC_CAND_RELAY RTCSIM_CAND_RELAY

#define RTC_FOUNDATION_MAX RTCSIM_FOUNDATION_MAX

typedef rtcsim_candidate_t rtc_candidate_t;

#define rtc_cand_type_name  rtcsim_cand_type_name   /* "host", "srflx", ... */
#define rtc_cand_type_parse rtcsim_cand_type_parse  /* 0 or -1 */

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
