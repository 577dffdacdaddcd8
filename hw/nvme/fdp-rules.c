/*
 * Flexible Data Placement rules over plain values (fdp-rules.h).
 *
 * A Placement Identifier (DSPEC of a write, the RUH Status and Update
 * lists) holds the Reclaim Group Identifier in its RGIF most significant
 * bits and the Placement Handle in the others; RGIF is the fewest bits
 * that number every reclaim group.
 *
 * A reclaim unit handle points at one reclaim unit per reclaim group.
 * Writes fill it; a full unit is replaced by a fresh (erased) one, which
 * the controller does on its own ("implicitly modified"), and I/O
 * Management Send (Reclaim Unit Handle Update) replaces it at the host's
 * request.  The accounting only counts bytes: data lands in the
 * namespace's image as for any write.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "fdp-rules.h"

#define NVME_FDP_CONF_VALID     (1u << 7)       /* FDPA: FDPCV */
#define NVME_FDP_CONF_VWC       (1u << 4)       /* FDPA: FDPVWC */

const uint8_t nvme_fdp_ev_types[NVME_FDP_EV_NTYPES] = {
    NVME_FDP_EV_RUNFW, NVME_FDP_EV_INVALID_PID, NVME_FDP_EV_IMPLICIT,
};

/* Bits of a Placement Identifier naming one of @nrg reclaim groups. */
uint8_t nvme_fdp_rgif(uint32_t nrg)
{
    uint8_t bits = 0;

    while (bits < 16 && (1u << bits) < nrg) {
        bits++;
    }
    return bits;
}

/*
 * Split @pid into placement handle and reclaim group: whether both exist
 * (the namespace has @nph handles, the group @nrg reclaim groups).
 */
bool nvme_fdp_pid_parse(uint16_t pid, uint8_t rgif, uint16_t nph,
                        uint32_t nrg, uint16_t *ph, uint16_t *rg)
{
    unsigned ph_bits = 16 - rgif;

    *ph = ph_bits == 16 ? pid : pid & ((1u << ph_bits) - 1);
    *rg = ph_bits == 16 ? 0 : pid >> ph_bits;
    return *ph < nph && *rg < nrg;
}

/* The Placement Identifier of handle @ph in reclaim group @rg. */
uint16_t nvme_fdp_pid(uint16_t ph, uint16_t rg, uint8_t rgif)
{
    return rgif ? (uint16_t)(rg << (16 - rgif)) | ph : ph;
}

/* One decimal number of an fdp.ruhs list at *@p; advances *@p. */
static bool nvme_fdp_ruhs_num(const char **p, unsigned long *v)
{
    if (**p < '0' || **p > '9') {
        return false;
    }
    for (*v = 0; **p >= '0' && **p <= '9'; (*p)++) {
        *v = *v * 10 + (**p - '0');
        if (*v > UINT16_MAX) {
            return false;
        }
    }
    return true;
}

/*
 * The nvme-ns "fdp.ruhs" list: reclaim unit handle identifiers separated
 * by ';', each a number or a range "a-b" (a <= b), every one below
 * @nruh and listed once.  Placement handle i is the i-th listed.  Returns
 * how many (at most @max) into @out, or -1 with *@why.
 */
int nvme_fdp_ruhs_parse(const char *list, uint16_t nruh, uint16_t *out,
                        unsigned max, const char **why)
{
    uint8_t seen[(UINT16_MAX + 1) / 8] = { 0 };
    const char *p = list;
    int n = 0;

    do {
        unsigned long a, b;

        if (!nvme_fdp_ruhs_num(&p, &a)) {
            *why = "expected a reclaim unit handle number";
            return -1;
        }
        b = a;
        if (*p == '-') {
            p++;
            if (!nvme_fdp_ruhs_num(&p, &b) || b < a) {
                *why = "a range is 'first-last' with first <= last";
                return -1;
            }
        }
        if (*p && *p != ';') {
            *why = "handles are separated by ';'";
            return -1;
        }
        for (unsigned long id = a; id <= b; id++) {
            if (id >= nruh) {
                *why = "reclaim unit handle beyond fdp.nruh";
                return -1;
            }
            if (seen[id / 8] & (1u << (id % 8))) {
                *why = "reclaim unit handle listed twice";
                return -1;
            }
            if ((unsigned)n == max) {
                *why = "too many reclaim unit handles";
                return -1;
            }
            seen[id / 8] |= 1u << (id % 8);
            out[n++] = id;
        }
    } while (*p++ == ';');
    return n;
}

/*
 * A write of @bytes through a handle whose reclaim unit has @avail bytes
 * left: what is left afterwards, and how many units it filled (each one
 * replaced by a fresh unit of @runs bytes).  A unit written to its end is
 * replaced at once, so @avail is never 0.
 */
uint32_t nvme_fdp_ru_write(uint64_t *avail, uint64_t runs, uint64_t bytes)
{
    if (bytes < *avail) {
        *avail -= bytes;
        return 0;
    }
    bytes -= *avail;            /* what the fresh units take */
    *avail = runs - bytes % runs;
    return 1 + bytes / runs;
}

/*
 * Reclaim Unit Handle Update: the handle moves to a fresh unit unless
 * its unit is still empty.  Whether it left a unit not fully written.
 */
bool nvme_fdp_ru_update(uint64_t *avail, uint64_t runs)
{
    bool written = *avail != runs;

    *avail = runs;
    return written;
}

/* Enable bit of event @type in a placement handle's mask, or -1. */
int nvme_fdp_ev_bit(uint8_t type)
{
    for (int i = 0; i < NVME_FDP_EV_NTYPES; i++) {
        if (nvme_fdp_ev_types[i] == type) {
            return i;
        }
    }
    return -1;
}

/* Record @e; a full ring drops its oldest event. */
void nvme_fdp_ev_push(NvmeFdpEvRing *r, const NvmeFdpEvent *e)
{
    uint32_t slot = (r->start + r->count) % NVME_FDP_MAX_EVENTS;

    r->ev[slot] = *e;
    if (r->count < NVME_FDP_MAX_EVENTS) {
        r->count++;
    } else {
        r->start = (r->start + 1) % NVME_FDP_MAX_EVENTS;
    }
}

/* FDP Events log page (23h) of ring @r into @buf: its size. */
size_t nvme_fdp_ev_fill(const NvmeFdpEvRing *r, uint8_t *buf)
{
    NvmeFdpEventsLog *hdr = (NvmeFdpEventsLog *)buf;
    NvmeFdpEvent *out = (NvmeFdpEvent *)(hdr + 1);

    memset(hdr, 0, sizeof(*hdr));
    hdr->num_events = cpu_to_le32(r->count);
    for (uint32_t i = 0; i < r->count; i++) {
        out[i] = r->ev[(r->start + i) % NVME_FDP_MAX_EVENTS];
    }
    return sizeof(*hdr) + r->count * sizeof(NvmeFdpEvent);
}

/* Bytes of the FDP Configurations log page (20h): one configuration. */
size_t nvme_fdp_confs_size(const NvmeFdpGeo *g)
{
    return sizeof(NvmeFdpConfsHdr) + sizeof(NvmeFdpDescrHdr) +
           g->nruh * sizeof(NvmeRuhDescr);
}

/*
 * FDP Configurations log page (20h) into @buf (nvme_fdp_confs_size()
 * bytes, zeroed): configuration 0, the one the group has.
 */
size_t nvme_fdp_confs_fill(const NvmeFdpGeo *g, uint8_t *buf)
{
    NvmeFdpConfsHdr *hdr = (NvmeFdpConfsHdr *)buf;
    NvmeFdpDescrHdr *d = (NvmeFdpDescrHdr *)(hdr + 1);
    NvmeRuhDescr *ruh = (NvmeRuhDescr *)(d + 1);
    size_t size = nvme_fdp_confs_size(g);

    hdr->num_confs = cpu_to_le16(0);        /* 0's based */
    hdr->version = 0;
    hdr->size = cpu_to_le32(size);
    d->descr_size = cpu_to_le16(size - sizeof(*hdr));
    d->fdpa = NVME_FDP_CONF_VALID | (g->vwc ? NVME_FDP_CONF_VWC : 0) |
              g->rgif;
    d->vss = 0;
    d->nrg = cpu_to_le32(g->nrg);
    d->nruh = cpu_to_le16(g->nruh);
    d->maxpids = cpu_to_le16(g->nruh - 1);  /* 0's based, per namespace */
    d->nnss = cpu_to_le32(g->nnss);
    d->runs = cpu_to_le64(g->runs);
    d->erutl = 0;                           /* no reclaim unit time limit */
    for (unsigned i = 0; i < g->nruh; i++) {
        ruh[i].ruht = NVME_FDP_RUHT;
    }
    return size;
}

/* FDP Statistics log page (22h) into @buf: 128-bit byte counts. */
size_t nvme_fdp_stats_fill(uint64_t hbmw, uint64_t mbmw, uint64_t mbe,
                           uint8_t *buf)
{
    NvmeFdpStatsLog *log = (NvmeFdpStatsLog *)buf;

    memset(log, 0, sizeof(*log));
    log->hbmw[0] = cpu_to_le64(hbmw);
    log->mbmw[0] = cpu_to_le64(mbmw);
    log->mbe[0] = cpu_to_le64(mbe);
    return sizeof(*log);
}
