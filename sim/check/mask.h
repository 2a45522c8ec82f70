/*
 * mask.h - masked (field-wise) comparison of a capture with a golden one
 * (issue 11): what any conforming implementation must send the same is
 * compared, what it may choose (transaction ids, integrity values, SSRCs,
 * initial sequence numbers and timestamps, encrypted bytes, DTLS randoms
 * and certificates) is not. The mask, per protocol, is in mask.c and
 * docs/scenarios.md ("Masked captures"); decisions D100-D102.
 */
#ifndef SIM_MASK_H
#define SIM_MASK_H

#include "check/capture.h"

/* Compare golden and actual record by record under the mask; a packet's
 * time may differ from the golden's by at most tolerance. Returns 0 when
 * they match, 1 when they do not (d names the first packet that differs
 * and, in d->what, the field), -1 when a file cannot be read (err). */
int sim_pcap_compare_masked(const char *golden, const char *actual, sim_time_t tolerance,
                            sim_pcap_diff_t *d, char *err, size_t errlen);

/* The same over records already in memory (tests). */
int sim_mask_compare_records(const sim_pcap_records_t *g, const sim_pcap_records_t *a,
                             sim_time_t tolerance, sim_pcap_diff_t *d);

#endif
