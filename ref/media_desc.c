/*
 * media_desc.c - RTCMediaSession (media.h), its descriptions: the names
 * of kinds and drop reasons, the checks of the options and of
 * descriptions, remote tracks from the remote description (full,
 * incremental, delete: D61) and its events, getLocalDescription and
 * getRemoteDescription with their filters, setTrackProperties, and the
 * getters. Sending and receiving (the engine) are media.c's; what the two
 * share is media_private.h.
 *
 * Sans-IO like media.c: no clock and no randomness are read here; memory
 * only through env.alloc. What the decisions D60-D69 of docs/decisions.md
 * fix is cited where it is implemented.
 */
#include "media.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "media_private.h"

/* ---- names ---------------------------------------------------------------- */

bool media_kind_valid(rtc_kind_t k)
{
    return k == RTC_KIND_AUDIO || k == RTC_KIND_VIDEO || k == RTC_KIND_DTMF;
}

const char *rtc_media_drop_name(rtc_media_drop_t d)
{
    switch (d) {
    case RTC_DROP_SRTP_AUTH:        return "srtp-auth";
    case RTC_DROP_SRTP_REPLAY:      return "srtp-replay";
    case RTC_DROP_SRTP_OTHER:       return "srtp-other";
    case RTC_DROP_NO_KEYS:          return "no-keys";
    case RTC_DROP_RTP_MALFORMED:    return "rtp-malformed";
    case RTC_DROP_RTP_EXTENSION:    return "rtp-extension";
    case RTC_DROP_RTCP_MALFORMED:   return "rtcp-malformed";
    case RTC_DROP_UNKNOWN_PT:       return "unknown-pt";
    case RTC_DROP_CLOSED:           return "closed";
    case RTC_DROP_NOMEM:            return "no-memory";
    case RTC_DROP_TOO_MANY_SOURCES: return "too-many-sources";
    case RTC_DROP_DTMF_TRUNCATED:   return "dtmf-truncated";
    case RTC_DROP_DTMF_BAD_EVENT:   return "dtmf-bad-event";
    case RTC_DROP_DTMF_NO_START:    return "dtmf-no-start";
    case RTC_DROP_DTMF_BACKWARDS:   return "dtmf-backwards";
    case RTC_DROP__COUNT:           break;
    }
    return "?";
}

/* ---- lookups -------------------------------------------------------------- */

static const char *effective_conn_id(const rtc_media_t *m, const rtc_track_desc_t *d)
{
    if ((d->given & RTC_TD_CONNECTION) && d->connection_id[0])
        return d->connection_id;
    return m->nconns ? rtc_connection_id(m->conns[0].c) : "";
}

static ssize_t remote_by_id(const rtc_media_t *m, const char *id)
{
    for (size_t i = 0; i < m->nrt; i++)
        if (strcmp(m->rt[i].desc.id, id) == 0)
            return (ssize_t)i;
    return -1;
}

/* ---- validation --------------------------------------------------------- */

static int check_codecs(const rtc_codec_t *v, size_t n, const char *who, char *err, size_t errlen)
{
    if (n > RTC_MAX_CODECS)
        return media_fail(err, errlen, "%s: codecs: more than %d", who, RTC_MAX_CODECS);
    for (size_t i = 0; i < n; i++) {
        if (v[i].pt > 127)
            return media_fail(err, errlen, "%s: codecs[%zu]: payload-id %u outside 0-127", who, i + 1,
                              v[i].pt);
        if (!media_kind_valid(v[i].kind))
            return media_fail(err, errlen, "%s: codecs[%zu]: kind must be audio, video or dtmf", who, i + 1);
        if (v[i].nparams > RTC_MAX_PARAMS)
            return media_fail(err, errlen, "%s: codecs[%zu]: params: more than %d", who, i + 1,
                              RTC_MAX_PARAMS);
        for (size_t j = 0; j < i; j++)
            if (v[j].pt == v[i].pt)
                return media_fail(err, errlen, "%s: codecs[%zu]: payload-id %u used twice", who, i + 1,
                                  v[i].pt);
    }
    return 0;
}

static int check_exts(const rtc_ext_header_t *v, size_t n, const char *who, char *err, size_t errlen)
{
    if (n > RTC_MAX_EXTS)
        return media_fail(err, errlen, "%s: rtpExtHeaders: more than %d", who, RTC_MAX_EXTS);
    for (size_t i = 0; i < n; i++) {
        if (!v[i].name[0])
            return media_fail(err, errlen, "%s: rtpExtHeaders[%zu]: empty name", who, i + 1);
        if (v[i].len > RTC_EXT_VAL_MAX)
            return media_fail(err, errlen, "%s: rtpExtHeaders '%s': value longer than %d bytes", who,
                              v[i].name, RTC_EXT_VAL_MAX);
    }
    return 0;
}

int media_check_options(const rtc_media_options_t *o, char *err, size_t errlen)
{
    if (check_codecs(o->codecs, o->ncodecs, "RTCMediaSession options", err, errlen) < 0)
        return RTC_ERR_INVALID;
    for (size_t i = 0; i < o->ncodecs; i++)
        if (!o->codecs[i].name[0])
            return media_fail(err, errlen, "RTCMediaSession options: codecs[%zu]: missing name", i + 1);
    if (o->nextmap > RTC_MAX_EXTS)
        return media_fail(err, errlen, "RTCMediaSession options: extmap: more than %d", RTC_MAX_EXTS);
    for (size_t i = 0; i < o->nextmap; i++) {
        /* RFC 8285 s.4.2/4.3: 1-14 one-byte, 1-255 two-byte; 0 is padding */
        if (o->extmap[i].id == 0)
            return media_fail(err, errlen, "RTCMediaSession options: extmap '%s': id 0 (must be 1-255)",
                              o->extmap[i].uri);
        if (!o->extmap[i].uri[0])
            return media_fail(err, errlen, "RTCMediaSession options: extmap[%zu]: empty URI", i + 1);
        for (size_t j = 0; j < i; j++) {
            if (o->extmap[j].id == o->extmap[i].id)
                return media_fail(err, errlen, "RTCMediaSession options: extmap id %u used twice",
                                  o->extmap[i].id);
            if (strcmp(o->extmap[j].uri, o->extmap[i].uri) == 0)
                return media_fail(err, errlen, "RTCMediaSession options: extmap '%s' given twice",
                                  o->extmap[i].uri);
        }
    }
    return 0;
}

/* ---- local track properties ---------------------------------------------- */

int rtc_media_set_track_properties(rtc_media_t *m, const char *track, const rtc_track_desc_t *d,
                                   char *err, size_t errlen)
{
    if (m->closed)
        return media_fail(err, errlen, "setTrackProperties: the session is closed");
    ssize_t i = track ? media_local_by_id(m, track) : -1;
    if (i < 0)
        return media_fail(err, errlen, "setTrackProperties: no local track '%s'", track ? track : "");
    static const struct { unsigned bit; const char *key; } fixed[] = {
        { RTC_TD_ID, "id" }, { RTC_TD_KIND, "kind" }, { RTC_TD_SSRC, "ssrc" }, { RTC_TD_MSID, "msid" },
        { RTC_TD_DELETE, "delete" },
    };
    for (size_t k = 0; k < sizeof fixed / sizeof *fixed; k++)
        if (d->given & fixed[k].bit)
            return media_fail(err, errlen, "setTrackProperties: the key '%s' cannot be changed",
                              fixed[k].key);
    char who[RTC_NAME_MAX + 64];
    snprintf(who, sizeof who, "setTrackProperties: track '%s'", track);
    if ((d->given & RTC_TD_CODECS) && check_codecs(d->codecs, d->ncodecs, who, err, errlen) < 0)
        return RTC_ERR_INVALID;
    local_track_t *t = &m->lt[i];
    if ((d->given & RTC_TD_CODECS) && t->desc.kind != RTC_KIND_DTMF &&
        !media_first_codec_of(d->codecs, d->ncodecs, t->desc.kind))
        return media_fail(err, errlen, "%s: codecs: no %s codec", who, rtc_kind_name(t->desc.kind));
    if (d->given & RTC_TD_EXTS) {
        if (check_exts(d->exts, d->nexts, who, err, errlen) < 0)
            return RTC_ERR_INVALID;
        for (size_t k = 0; k < d->nexts; k++)
            if (!media_ext_id(&m->opt, d->exts[k].name))
                return media_fail(err, errlen, "%s: rtpExtHeaders '%s' has no id in the session's extmap",
                                  who, d->exts[k].name);
    }
    if ((d->given & RTC_TD_CONNECTION) && d->connection_id[0] && !media_conn_id_known(m, d->connection_id))
        return media_fail(err, errlen, "%s: connection-id '%s' is not one of the session's connections",
                          who, d->connection_id);
    if (d->given & RTC_TD_CODECS) {
        /* D67: the source keeps its clock and payload sizes; packets
         * carry the new list's first codec of the kind from now on */
        t->desc.ncodecs = d->ncodecs;
        memcpy(t->desc.codecs, d->codecs, d->ncodecs * sizeof *d->codecs);
    }
    if (d->given & RTC_TD_ATTRS) {
        t->desc.attrs = d->attrs;
        t->desc.given |= RTC_TD_ATTRS;
    }
    if (d->given & RTC_TD_EXTS) {
        t->desc.nexts = d->nexts;
        memcpy(t->desc.exts, d->exts, d->nexts * sizeof *d->exts);
        if (d->nexts)
            t->desc.given |= RTC_TD_EXTS;
        else
            t->desc.given &= ~(unsigned)RTC_TD_EXTS;
    }
    if (d->given & RTC_TD_CONNECTION) {
        snprintf(t->desc.connection_id, sizeof t->desc.connection_id, "%s", d->connection_id);
        if (d->connection_id[0])
            t->desc.given |= RTC_TD_CONNECTION;
        else
            t->desc.given &= ~(unsigned)RTC_TD_CONNECTION;
    }
    media_rearm(m, false);
    return 0;
}

/* ---- the remote description ------------------------------------------------ */

/* d's given keys onto base (incremental mode, D61) */
static void merge_desc(rtc_track_desc_t *base, const rtc_track_desc_t *d)
{
    unsigned g = d->given;
    if (g & RTC_TD_ID)
        memcpy(base->id, d->id, sizeof base->id);
    if (g & RTC_TD_KIND)
        base->kind = d->kind;
    if (g & RTC_TD_SSRC)
        base->ssrc = d->ssrc;
    if (g & RTC_TD_MSID)
        memcpy(base->msid, d->msid, sizeof base->msid);
    if (g & RTC_TD_CONNECTION)
        memcpy(base->connection_id, d->connection_id, sizeof base->connection_id);
    if (g & RTC_TD_CODECS) {
        base->ncodecs = d->ncodecs;
        memcpy(base->codecs, d->codecs, sizeof base->codecs);
    }
    if (g & RTC_TD_ATTRS)
        base->attrs = d->attrs;
    if (g & RTC_TD_EXTS) {
        base->nexts = d->nexts;
        memcpy(base->exts, d->exts, sizeof base->exts);
    }
    base->given |= g & ~(unsigned)RTC_TD_DELETE;
    base->del = false;
}

/* The same remote track, or one to remove and add again: its kind,
 * SSRC or stream changed (D61). */
static bool same_identity(const rtc_track_desc_t *a, const rtc_track_desc_t *b)
{
    return a->kind == b->kind && a->ssrc == b->ssrc && strcmp(a->msid, b->msid) == 0;
}

static void remove_remote(rtc_media_t *m, size_t i)
{
    /* spec: a removed track that was connected disconnects first */
    media_remote_disconnect(m, i, "removed");
    char msid[RTC_NAME_MAX + 1], id[RTC_NAME_MAX + 1];
    memcpy(msid, m->rt[i].desc.msid, sizeof msid);
    memcpy(id, m->rt[i].desc.id, sizeof id);
    memmove(&m->rt[i], &m->rt[i + 1], (m->nrt - i - 1) * sizeof *m->rt);
    m->nrt--;
    media_push_event(m, RTC_MEDIA_REMOVE_TRACK, msid, id);
    bool left = false;
    for (size_t k = 0; k < m->nrt && !left; k++)
        left = strcmp(m->rt[k].desc.msid, msid) == 0;
    ssize_t s = media_stream_idx(m->rs, m->nrs, msid);
    if (!left && s >= 0) {
        memmove(&m->rs[s], &m->rs[s + 1], (m->nrs - (size_t)s - 1) * sizeof *m->rs);
        m->nrs--;
        media_push_event(m, RTC_MEDIA_REMOVE_STREAM, msid, NULL);
    }
}

/* Room was reserved by the caller (nrt + 1 tracks, nrs + 1 streams). */
static void add_remote(rtc_media_t *m, const rtc_track_desc_t *d)
{
    if (media_stream_idx(m->rs, m->nrs, d->msid) < 0) {
        stream_rec_t *s = &m->rs[m->nrs++];
        memset(s, 0, sizeof *s);
        memcpy(s->id, d->msid, sizeof s->id);
        /* spec, onaddstream: a track with a new msid appears */
        media_push_event(m, RTC_MEDIA_ADD_STREAM, d->msid, NULL);
    }
    remote_track_t *r = &m->rt[m->nrt++];
    memset(r, 0, sizeof *r);
    r->desc = *d;
    r->desc.given &= ~(unsigned)RTC_TD_DELETE;
    r->src.ssrc = d->ssrc;
    rtc_dtmf_receiver_init(&r->dtmf);
    media_push_event(m, RTC_MEDIA_ADD_TRACK, d->msid, d->id);
    /* an unknown source now described: it becomes this track, its
     * statistics kept; its next RTP connects it (a dtmf track's SSRC is
     * its audio track's, which takes the source: D95) */
    ssize_t u = d->kind == RTC_KIND_DTMF ? -1 : media_unknown_by_ssrc(m, d->ssrc);
    if (u >= 0) {
        r->src = m->unk[u].src;
        /* its packet and octet counts too, which trackStats reads from
         * the track (the source's A.1 state alone was carried over) */
        r->st.packets = m->unk[u].packets;
        r->st.octets = m->unk[u].octets;
        memmove(&m->unk[u], &m->unk[u + 1], (m->nunk - (size_t)u - 1) * sizeof *m->unk);
        m->nunk--;
    }
    /* s.8.2: the peer describes one of our SSRCs */
    ssize_t li = media_local_by_ssrc(m, d->ssrc);
    if (li >= 0)
        media_local_collision(m, (size_t)li);
}

/* A dtmf track and an audio track may share an SSRC (D95). */
static bool dtmf_pair(const rtc_track_desc_t *a, const rtc_track_desc_t *b)
{
    return (a->kind == RTC_KIND_DTMF && b->kind == RTC_KIND_AUDIO) ||
           (a->kind == RTC_KIND_AUDIO && b->kind == RTC_KIND_DTMF);
}

/* nd[i] and nd[j] (j < i) share an SSRC: allowed for exactly one audio
 * and one dtmf track, so a third track of that SSRC is refused. */
static bool ssrc_may_share(const rtc_track_desc_t *a, const rtc_track_desc_t *b, const rtc_track_desc_t *nd,
                           size_t n, size_t i, size_t j)
{
    if (!dtmf_pair(a, b))
        return false;
    for (size_t k = 0; k < n && k < i; k++)
        if (k != j && !nd[k].del && nd[k].ssrc == a->ssrc)
            return false;
    (void)n;
    return true;
}

static int check_remote_entry(const rtc_media_t *m, const rtc_track_desc_t *t, const char *who,
                              char *err, size_t errlen)
{
    static const char prefix[] = "setRemoteDescription";
    if (!(t->given & RTC_TD_KIND))
        return media_fail(err, errlen, "%s: %s: missing 'kind'", prefix, who);
    if (!media_kind_valid(t->kind))
        return media_fail(err, errlen, "%s: %s: kind must be audio, video or dtmf", prefix, who);
    if (!(t->given & RTC_TD_SSRC))
        return media_fail(err, errlen, "%s: %s: missing 'ssrc'", prefix, who);
    if (!(t->given & RTC_TD_MSID) || !t->msid[0])
        return media_fail(err, errlen, "%s: %s: missing 'msid'", prefix, who);
    if ((t->given & RTC_TD_CONNECTION) && t->connection_id[0] && !media_conn_id_known(m, t->connection_id))
        return media_fail(err, errlen, "%s: %s: connection-id '%s' is not one of the session's connections",
                          prefix, who, t->connection_id);
    char w[RTC_NAME_MAX + 64];
    snprintf(w, sizeof w, "%s: %s", prefix, who);
    if (check_codecs(t->codecs, t->ncodecs, w, err, errlen) < 0 ||
        check_exts(t->exts, t->nexts, w, err, errlen) < 0)
        return RTC_ERR_INVALID;
    return 0;
}

int rtc_media_set_remote_description(rtc_media_t *m, const rtc_track_desc_t *d, size_t n,
                                     bool incremental, char *err, size_t errlen)
{
    static const char prefix[] = "setRemoteDescription";
    if (m->closed)
        return media_fail(err, errlen, "%s: the session is closed", prefix);
    /* every check before any change: the merged entries in a scratch
     * array, then the collection they make checked whole */
    rtc_track_desc_t *nd = n ? rtc_mem_alloc(&m->env, n * sizeof *nd) : NULL;
    if (n && !nd)
        return media_nomem(err, errlen, prefix);
    int rc = 0;
    char who[RTC_NAME_MAX + 32];
    for (size_t i = 0; i < n && rc == 0; i++) {
        const rtc_track_desc_t *t = &d[i];
        if (!(t->given & RTC_TD_ID) || !t->id[0]) {
            rc = media_fail(err, errlen, "%s: track %zu: missing 'id'", prefix, i + 1);
            break;
        }
        snprintf(who, sizeof who, "track '%s'", t->id);
        for (size_t j = 0; j < i && rc == 0; j++)
            if (strcmp(d[j].id, t->id) == 0)
                rc = media_fail(err, errlen, "%s: %s: id given twice", prefix, who);
        if (rc)
            break;
        ssize_t old = remote_by_id(m, t->id);
        if (t->del || (t->given & RTC_TD_DELETE)) {
            if (!incremental)
                rc = media_fail(err, errlen, "%s: %s: 'delete' is for incremental mode", prefix, who);
            else if (old < 0)
                rc = media_fail(err, errlen,
                                "%s: %s: 'delete' of a track the remote description does not have",
                                prefix, who);
            nd[i] = *t;
            nd[i].del = true;
            continue;
        }
        /* full mode: each entry is the whole description of its track;
         * incremental: its keys change the track's (D61) */
        memset(&nd[i], 0, sizeof nd[i]);
        if (incremental && old >= 0)
            nd[i] = m->rt[old].desc;
        merge_desc(&nd[i], t);
        rc = check_remote_entry(m, &nd[i], who, err, errlen);
    }
    /* SSRCs unique among the tracks the description leaves (RFC 3550
     * s.8: one source, one SSRC), but for a dtmf track and an audio
     * track: the spec's RTCDTMFTrack inherits its audio track's (D95) */
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (nd[i].del)
            continue;
        for (size_t j = 0; j < i && rc == 0; j++)
            if (!nd[j].del && nd[j].ssrc == nd[i].ssrc && !ssrc_may_share(&nd[i], &nd[j], nd, n, i, j))
                rc = media_fail(err, errlen, "%s: track '%s': ssrc %" PRIu32 " is track '%s''s too", prefix,
                                nd[i].id, nd[i].ssrc, nd[j].id);
        for (size_t k = 0; incremental && k < m->nrt && rc == 0; k++) {
            bool replaced = false;
            for (size_t j = 0; j < n && !replaced; j++)
                replaced = strcmp(d[j].id, m->rt[k].desc.id) == 0;
            if (!replaced && m->rt[k].desc.ssrc == nd[i].ssrc && !dtmf_pair(&nd[i], &m->rt[k].desc))
                rc = media_fail(err, errlen, "%s: track '%s': ssrc %" PRIu32 " is track '%s''s too", prefix,
                                nd[i].id, nd[i].ssrc, m->rt[k].desc.id);
        }
    }
    /* room for every addition, so that applying cannot fail half way */
    if (rc == 0 && n) {
        remote_track_t *rt = rtc_mem_reserve(&m->env, m->rt, &m->rt_cap, m->nrt + n - 1, sizeof *rt);
        if (rt)
            m->rt = rt;
        stream_rec_t *rs = rt ? rtc_mem_reserve(&m->env, m->rs, &m->rs_cap, m->nrs + n - 1, sizeof *rs)
                              : NULL;
        if (rs)
            m->rs = rs;
        if (!rt || !rs)
            rc = media_nomem(err, errlen, prefix);
    }
    if (rc) {
        rtc_mem_free(&m->env, nd, n * sizeof *nd);
        return rc;
    }
    /* removals first (full mode: the tracks not given; deletions; tracks
     * whose identity changed), in the collection's order */
    for (size_t k = 0; k < m->nrt;) {
        ssize_t e = -1;
        for (size_t j = 0; j < n && e < 0; j++)
            if (strcmp(nd[j].id, m->rt[k].desc.id) == 0)
                e = (ssize_t)j;
        bool drop = e < 0 ? !incremental : nd[e].del || !same_identity(&nd[e], &m->rt[k].desc);
        if (drop)
            remove_remote(m, k);
        else
            k++;
    }
    for (size_t i = 0; i < n; i++) {
        if (nd[i].del)
            continue;
        ssize_t k = remote_by_id(m, nd[i].id);
        if (k >= 0) {
            m->rt[k].desc = nd[i];     /* its source and statistics stay */
        } else {
            add_remote(m, &nd[i]);
        }
    }
    rtc_mem_free(&m->env, nd, n * sizeof *nd);
    media_rearm(m, false);
    return 0;
}

/* ---- getters -------------------------------------------------------------- */

static bool filter_match(const rtc_media_t *m, const rtc_desc_filter_t *f, const rtc_track_desc_t *d)
{
    if (!f)
        return true;
    if (f->msid && f->msid[0] && strcmp(f->msid, d->msid) != 0)
        return false;
    /* D68: a track without connection-id is on the first connection */
    if (f->connection_id && f->connection_id[0] &&
        strcmp(f->connection_id, effective_conn_id(m, d)) != 0)
        return false;
    return true;
}

size_t rtc_media_local_description(const rtc_media_t *m, const rtc_desc_filter_t *f,
                                   rtc_track_desc_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nlt; i++)
        if (filter_match(m, f, &m->lt[i].desc)) {
            if (n < max)
                out[n] = m->lt[i].desc;
            n++;
        }
    return n;
}

size_t rtc_media_remote_description(const rtc_media_t *m, const rtc_desc_filter_t *f,
                                    rtc_track_desc_t *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nrt; i++)
        if (filter_match(m, f, &m->rt[i].desc)) {
            if (n < max)
                out[n] = m->rt[i].desc;
            n++;
        }
    return n;
}

size_t rtc_media_sending_streams(const rtc_media_t *m, const char **out, size_t max)
{
    for (size_t i = 0; i < m->nls && i < max; i++)
        out[i] = m->ls[i].id;
    return m->nls;
}

size_t rtc_media_receiving_streams(const rtc_media_t *m, const char **out, size_t max)
{
    for (size_t i = 0; i < m->nrs && i < max; i++)
        out[i] = m->rs[i].id;
    return m->nrs;
}

size_t rtc_media_stream_tracks(const rtc_media_t *m, const char *msid, bool remote,
                               const char **out, size_t max)
{
    size_t n = 0, count = remote ? m->nrt : m->nlt;
    for (size_t i = 0; i < count; i++) {
        const rtc_track_desc_t *d = remote ? &m->rt[i].desc : &m->lt[i].desc;
        if (msid && strcmp(d->msid, msid) == 0) {
            if (n < max)
                out[n] = d->id;
            n++;
        }
    }
    return n;
}

bool rtc_media_track_stats(const rtc_media_t *m, const char *track, bool remote,
                           rtc_track_stats_t *st)
{
    ssize_t i = remote ? remote_by_id(m, track) : media_local_by_id(m, track);
    if (i < 0)
        return false;
    if (!remote) {
        const local_track_t *t = &m->lt[i];
        *st = t->st;
        st->ssrc = t->desc.ssrc;
        st->sending = t->sending;
        st->connected = t->sending;
        return true;
    }
    const remote_track_t *r = &m->rt[i];
    *st = r->st;
    st->ssrc = r->desc.ssrc;
    st->sending = false;
    st->connected = r->connected;
    if (r->src.have_rx) {
        st->expected = rtc_rtp_rx_expected(&r->src.rx);
        st->lost = rtc_rtp_rx_lost(&r->src.rx);
        st->jitter = rtc_rtp_rx_jitter(&r->src.rx);
        st->duplicates = r->src.rx.duplicates;
    }
    return true;
}

void rtc_media_stats(const rtc_media_t *m, rtc_media_stats_t *st)
{
    *st = m->st;
}
