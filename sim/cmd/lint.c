/*
 * lint.c - `rtcsim lint` (cmd/lint.h): the command line around
 * trace/lint.h.
 */
#include "cmd/lint.h"

#include <stdlib.h>
#include <string.h>

#include "trace/lint.h"

static const char usage[] =
    "usage: rtcsim lint [--json] [--junit FILE] [--no-info] [--keylog FILE] [--srtp-keys FILE]\n"
    "                   [--decrypt OUT.pcap]\n"
    "                   [--credentials FILE] [--credential LINE]... [--telephone-event PT]...\n"
    "                   [--rtcp-rsize] FILE...\n"
    "\n"
    "Checks every packet of pcap or pcapng captures (any link type of\n"
    "Ethernet, raw IP, Linux SLL/SLL2, BSD loopback; IPv4 and IPv6; UDP and\n"
    "TURN over TCP) against its RFC: STUN and TURN, DTLS, RTP, RTCP and RFC\n"
    "4733 events, found by RFC 7983 demultiplexing, also inside TURN's\n"
    "ChannelData and Send/Data indications. Each finding names the packet\n"
    "number, its time from the capture's first packet, the flow, the\n"
    "severity (error: a MUST broken; warning: a SHOULD; info), the RFC\n"
    "section and a short code. Packets that carry no datagram the lint\n"
    "reads are counted by reason, never dropped silently.\n"
    "\n"
    "  --json        the findings and counts as one JSON object on stdout\n"
    "  --junit FILE  also a JUnit XML report (a test case per file; errors fail it)\n"
    "  --no-info     leave info findings out of the text output (still counted)\n"
    "  --keylog FILE an NSS key log (CLIENT_RANDOM lines, as Wireshark reads):\n"
    "                DTLS 1.2/1.0 sessions found in it give their SRTP keys\n"
    "                (RFC 5764 s.4.2), so SRTP and SRTCP are authenticated and\n"
    "                decrypted and the media checks run on the plain packets\n"
    "  --srtp-keys FILE  SRTP keys by sender, one a line: 'ADDR:PORT PROFILE\n"
    "                [inline:]BASE64' (the master key then salt, RFC 4568 s.6.1;\n"
    "                PROFILE as RFC 5764 names it, e.g. SRTP_AEAD_AES_128_GCM): what\n"
    "                ADDR:PORT sends is authenticated and decrypted with them\n"
    "  --decrypt OUT.pcap  with one FILE: write its decrypted twin, every UDP/IPv4\n"
    "                datagram with its SRTP/SRTCP replaced by the plain packet\n"
    "  --telephone-event PT  RTP payload type PT (0-127) is RFC 4733 telephone-event\n"
    "                (repeatable; without it, a dynamic PT is taken for one when\n"
    "                its payloads are 4-byte DTMF events under one timestamp)\n"
    "  --rtcp-rsize  reduced-size RTCP (RFC 5506) was negotiated: RTCP that is not\n"
    "                a full compound is no error (without it, a flow whose RTCP is\n"
    "                never compound gets one info instead of an error each)\n"
    "  --credentials FILE  credentials to verify STUN MESSAGE-INTEGRITY with, one a\n"
    "                line: 'ice UFRAG PASSWORD' (short-term, RFC 8489 s.9.1: a check\n"
    "                whose USERNAME is UFRAG:... is keyed by PASSWORD) or 'turn\n"
    "                USERNAME REALM PASSWORD' (long-term, s.9.2); '#' comments\n"
    "  --credential LINE   one such line (repeatable)\n"
    "\n"
    "Exit status: 0 no errors, 1 errors found, 2 bad usage or a file that\n"
    "cannot be read (not a capture, corrupt or truncated: the message gives\n"
    "the byte offset).\n";

static int add_cred(sim_lint_cred_t **creds, size_t *n, const char *line, const char *where, FILE *err)
{
    char e[512];
    if (sim_lint_cred_add(creds, n, line, where, e, sizeof e) < 0) {
        fprintf(err, "rtcsim lint: %s\n", e);
        return -1;
    }
    return 0;
}

static int read_creds(sim_lint_cred_t **creds, size_t *n, const char *path, FILE *err)
{
    char e[4600];
    if (sim_lint_cred_read(creds, n, path, e, sizeof e) < 0) {
        fprintf(err, "rtcsim lint: %s\n", e);
        return -1;
    }
    return 0;
}

static int lint_run(int argc, char **argv, FILE *out, FILE *err, sim_lint_cred_t **creds);

int sim_cmd_lint(int argc, char **argv, FILE *out, FILE *err)
{
    sim_lint_cred_t *creds = NULL;
    int rc = lint_run(argc, argv, out, err, &creds);
    free(creds);
    return rc;
}

static int lint_run(int argc, char **argv, FILE *out, FILE *err, sim_lint_cred_t **creds)
{
    sim_lint_opts_t o = { 0 };
    bool json = false, opts_done = false;
    const char *junit = NULL, *keylog = NULL, *srtp_keys = NULL;
    const char *files[4096];
    size_t nfiles = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && strcmp(a, "--") == 0) {
            opts_done = true;
        } else if (!opts_done && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            fputs(usage, out);
            return 0;
        } else if (!opts_done && strcmp(a, "--json") == 0) {
            json = true;
        } else if (!opts_done && strcmp(a, "--no-info") == 0) {
            o.quiet_info = true;
        } else if (!opts_done && (strcmp(a, "--junit") == 0 || strncmp(a, "--junit=", 8) == 0)) {
            if (a[7] == '=')
                junit = a + 8;
            else if (i + 1 < argc)
                junit = argv[++i];
            if (!junit || !*junit) {
                fprintf(err, "rtcsim lint: --junit needs a file name\n");
                return 2;
            }
        } else if (!opts_done && (strcmp(a, "--srtp-keys") == 0 || strncmp(a, "--srtp-keys=", 12) == 0)) {
            const char *v = a[11] == '=' ? a + 12 : i + 1 < argc ? argv[++i] : NULL;
            if (!v || !*v) {
                fprintf(err, "rtcsim lint: --srtp-keys needs a file name\n");
                return 2;
            }
            srtp_keys = v;
        } else if (!opts_done && (strcmp(a, "--keylog") == 0 || strcmp(a, "--decrypt") == 0 ||
                                  strncmp(a, "--keylog=", 9) == 0 || strncmp(a, "--decrypt=", 10) == 0)) {
            bool k = a[2] == 'k';
            const char *eq = strchr(a, '=');
            const char *v = eq ? eq + 1 : i + 1 < argc ? argv[++i] : NULL;
            if (!v || !*v) {
                fprintf(err, "rtcsim lint: %s needs a file name\n", k ? "--keylog" : "--decrypt");
                return 2;
            }
            if (k)
                keylog = v;
            else
                o.decrypt_path = v;
        } else if (!opts_done && (strcmp(a, "--telephone-event") == 0 || strncmp(a, "--telephone-event=", 18) == 0)) {
            const char *v = a[17] == '=' ? a + 18 : i + 1 < argc ? argv[++i] : NULL;
            char *end = NULL;
            long pt = v && *v ? strtol(v, &end, 10) : -1;
            if (!v || !*v || *end || pt < 0 || pt > 127) {
                fprintf(err, "rtcsim lint: --telephone-event needs a payload type 0-127\n");
                return 2;
            }
            o.telephone_event[pt / 32] |= 1u << (pt % 32);
        } else if (!opts_done && strcmp(a, "--rtcp-rsize") == 0) {
            o.rtcp_rsize = true;
        } else if (!opts_done && (strcmp(a, "--credentials") == 0 || strcmp(a, "--credential") == 0)) {
            if (i + 1 >= argc) {
                fprintf(err, "rtcsim lint: %s needs %s\n", a, a[12] ? "a file name" : "a line");
                return 2;
            }
            const char *v = argv[++i];
            if ((a[12] ? read_creds(creds, &o.ncreds, v, err) : add_cred(creds, &o.ncreds, v, "--credential", err)) < 0)
                return 2;
            o.creds = *creds;
        } else if (!opts_done && a[0] == '-' && a[1]) {
            fprintf(err, "rtcsim lint: unknown option '%s'\nTry 'rtcsim lint --help'.\n", a);
            return 2;
        } else if (nfiles < sizeof files / sizeof files[0]) {
            files[nfiles++] = a;
        } else {
            fprintf(err, "rtcsim lint: more than %zu files\n", sizeof files / sizeof files[0]);
            return 2;
        }
    }
    if (!nfiles) {
        fprintf(err, "rtcsim lint: no capture given\nTry 'rtcsim lint --help'.\n");
        return 2;
    }
    if (o.decrypt_path && nfiles != 1) {
        fprintf(err, "rtcsim lint: --decrypt writes the twin of one capture; %zu were given\n", nfiles);
        return 2;
    }
    sim_lint_t *l = sim_lint_new(&o);
    if (!l) {
        fprintf(err, "rtcsim lint: out of memory\n");
        return 2;
    }
    char kerr[512];
    if ((keylog && sim_lint_load_keylog(l, keylog, kerr, sizeof kerr) < 0) ||
        (srtp_keys && sim_lint_load_srtp_keys(l, srtp_keys, kerr, sizeof kerr) < 0)) {
        fprintf(err, "rtcsim lint: %s\n", kerr);
        sim_lint_free(l);
        return 2;
    }
    bool unreadable = false;
    for (size_t i = 0; i < nfiles; i++) {
        char e[512];
        if (sim_lint_file(l, files[i], e, sizeof e) < 0) {
            fprintf(err, "rtcsim lint: %s\n", e);
            unreadable = true;
        }
    }
    if (json)
        sim_lint_write_json(l, out);
    else
        sim_lint_write_text(l, out);
    int rc = unreadable ? 2 : sim_lint_count(l, SIM_LINT_ERROR) ? 1 : 0;
    if (junit) {
        char e[512];
        if (sim_lint_write_junit(l, junit, e, sizeof e) < 0) {
            fprintf(err, "rtcsim lint: %s\n", e);
            rc = 2;
        }
    }
    if (!json)
        fprintf(out, "%zu files, %llu errors, %llu warnings, %llu info%s\n", nfiles,
                (unsigned long long)sim_lint_count(l, SIM_LINT_ERROR),
                (unsigned long long)sim_lint_count(l, SIM_LINT_WARNING),
                (unsigned long long)sim_lint_count(l, SIM_LINT_INFO),
                unreadable ? " (some files could not be read whole: see above)" : "");
    sim_lint_free(l);
    return rc;
}
