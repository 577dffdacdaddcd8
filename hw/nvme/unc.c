/*
 * Write Uncorrectable marks of a namespace: the blocks that Write
 * Uncorrectable marked, until they are written again; and alongside them
 * the blocks of reads that failed with Unrecovered Read Error (media
 * errors), listed but not enforced.  Both are kept as sorted, disjoint,
 * non-adjacent ranges (NvmeUncList), bounded in number, so a mark costs
 * memory per range, not per block, and a read checks them with one binary
 * search.  The commands that set, clear and report them are in
 * nvm-range.c and nvm.c; the LBA Status Information Alert they raise in
 * lba-status.c.
 *
 * Every queue of every controller the namespace is attached to reads and
 * changes the lists: the namespace's unc_lock protects both.  Their @nr
 * is also read without the lock (atomic): a namespace without marks, the
 * usual case, costs a read and a write command no lock.  A command racing
 * with a Write Uncorrectable of the same blocks on another queue may see
 * the marks before or after it, as with any two commands in flight.
 * Readers outside the I/O path take a copy (nvme_unc_tracked).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/lockable.h"
#include "lba-status.h"
#include "migration.h"
#include "ns.h"
#include "queue.h"
#include "stats.h"
#include "types.h"
#include "unc.h"
#include "trace.h"

/* Context: any.  Index of the first mark ending after @lba. */
uint32_t nvme_unc_search(NvmeUncList *l, uint64_t lba)
{
    uint32_t lo = 0, hi = l->nr;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;

        if (l->r[mid].slba + l->r[mid].nlb <= lba) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

/* Context: main loop (namespace setup). */
void nvme_unc_init(NvmeNamespace *ns)
{
    qemu_mutex_init(&ns->unc_lock);
}

/* Context: queue; takes unc_lock if @ns has marks.  First marked LBA. */
static bool nvme_unc_find(NvmeNamespace *ns, uint64_t slba, uint64_t nlb,
                          uint64_t *bad)
{
    NvmeUncList *l = &ns->unc;
    uint32_t i;

    if (!qatomic_read(&l->nr)) {
        return false;           /* no marks: no lock */
    }
    QEMU_LOCK_GUARD(&ns->unc_lock);
    i = nvme_unc_search(l, slba);

    if (i == l->nr || l->r[i].slba >= slba + nlb) {
        return false;
    }
    *bad = MAX(l->r[i].slba, slba);
    return true;
}

/*
 * Context: queue.  Reading blocks of @ns (the command's, or a Copy
 * source) marked by Write Uncorrectable fails like a media error that
 * retrying cannot fix (hence DNR) until they are rewritten.
 */
uint16_t nvme_unc_check_ns(NvmeRequest *req, NvmeNamespace *ns,
                           uint64_t slba, uint64_t nlb)
{
    uint64_t bad;

    if (!nvme_unc_find(ns, slba, nlb, &bad)) {
        return NVME_SUCCESS;
    }
    req->err_lba = bad;
    nvme_stats_media_error(req, ns);
    trace_nvme_unc_hit(le16_to_cpu(req->cmd.cid), bad);
    return NVME_UNRECOVERED_READ | NVME_DNR;
}

/* Context: queue.  The same in the command's namespace. */
uint16_t nvme_unc_check(NvmeRequest *req, uint64_t slba, uint64_t nlb)
{
    return nvme_unc_check_ns(req, req->ns, slba, nlb);
}

/* Context: any, unc_lock held.  Replace ranges [@from, @to) by @add. */
static void nvme_unc_splice(NvmeUncList *l, uint32_t from, uint32_t to,
                            const NvmeLbaRange *add, uint32_t nadd)
{
    uint32_t nr = l->nr - (to - from) + nadd;

    if (nr > l->alloc) {
        l->alloc = MAX(nr, l->alloc * 2);
        l->r = g_renew(NvmeLbaRange, l->r, l->alloc);
    }
    memmove(&l->r[from + nadd], &l->r[to], (l->nr - to) * sizeof(*l->r));
    memcpy(&l->r[from], add, nadd * sizeof(*add));
    qatomic_set(&l->nr, nr);
    l->gen++;                   /* LBA Status Information log (0Eh) */
}

/* Context: any, unc_lock held.  Take [@slba, +@nlb) out of list @l. */
static void nvme_rlist_clear(NvmeUncList *l, uint64_t slba, uint64_t nlb)
{
    uint64_t end = slba + nlb;
    uint32_t i = nvme_unc_search(l, slba), j = i;
    NvmeLbaRange keep[2];
    uint32_t nkeep = 0;

    while (j < l->nr && l->r[j].slba < end) {
        j++;
    }
    if (i == j) {
        return;                 /* the common case: nothing listed there */
    }
    if (l->r[i].slba < slba) {
        keep[nkeep++] = (NvmeLbaRange) { l->r[i].slba, slba - l->r[i].slba };
    }
    if (l->r[j - 1].slba + l->r[j - 1].nlb > end) {
        keep[nkeep++] = (NvmeLbaRange) {
            end, l->r[j - 1].slba + l->r[j - 1].nlb - end };
    }
    nvme_unc_splice(l, i, j, keep, nkeep);
}

/* Context: any.  The lists of @ns changed: kept across restarts (ns.c). */
static void nvme_unc_changed(NvmeNamespace *ns)
{
    nvme_ns_state_changed(ns);
}

/*
 * Context: queue; takes unc_lock if @ns has marks.  Rewritten blocks: no
 * longer marked, nor potentially unrecoverable after a media error.
 */
void nvme_unc_clear(NvmeNamespace *ns, uint64_t slba, uint64_t nlb)
{
    bool changed;

    if (!qatomic_read(&ns->unc.nr) && !qatomic_read(&ns->media.nr)) {
        return;                 /* the usual case: no lock */
    }
    WITH_QEMU_LOCK_GUARD(&ns->unc_lock) {
        uint16_t unc_gen = ns->unc.gen, media_gen = ns->media.gen;

        nvme_rlist_clear(&ns->unc, slba, nlb);
        nvme_rlist_clear(&ns->media, slba, nlb);
        changed = unc_gen != ns->unc.gen || media_gen != ns->media.gen;
    }
    if (changed) {
        nvme_unc_changed(ns);
    }
}

/* Context: any, unc_lock held (or a copy).  Add a range to list @l. */
static bool nvme_rlist_add(NvmeUncList *l, uint64_t slba, uint64_t nlb)
{
    uint32_t i = nvme_unc_search(l, slba ? slba - 1 : 0), j = i;
    NvmeLbaRange m = { slba, nlb };
    uint64_t end = slba + nlb;

    while (j < l->nr && l->r[j].slba <= end) {
        m.slba = MIN(m.slba, l->r[j].slba);
        end = MAX(end, l->r[j].slba + l->r[j].nlb);
        j++;
    }
    if (l->nr - (j - i) + 1 > NVME_UNC_MAX_RANGES) {
        return false;
    }
    m.nlb = end - m.slba;
    nvme_unc_splice(l, i, j, &m, 1);
    qatomic_set(&l->adds, l->adds + 1);
    return true;
}

/*
 * Context: queue; takes unc_lock.  Mark a range for Write Uncorrectable;
 * false when the marks' bound is reached.  The caller raises the alert.
 */
bool nvme_unc_mark(NvmeNamespace *ns, uint64_t slba, uint64_t nlb)
{
    bool added;

    WITH_QEMU_LOCK_GUARD(&ns->unc_lock) {
        added = nvme_rlist_add(&ns->unc, slba, nlb);
    }
    if (added) {
        nvme_unc_changed(ns);
    }
    return added;
}

/*
 * Context: queue.  A read of @req failed with Unrecovered Read Error: the
 * blocks from the failing one to the end of the command are potentially
 * unrecoverable.  They are listed (log 0Eh, Get LBA Status) until they
 * are written, but reads are not refused for them: the backend may do
 * better next time.
 */
void nvme_media_error_mark(NvmeRequest *req, NvmeNamespace *ns)
{
    uint64_t lba = req->err_lba, end;
    bool added;

    if (!ns || lba >= ns->nlbas) {
        return;
    }
    end = req->nlb && lba >= req->slba && lba - req->slba < req->nlb ?
          req->slba + req->nlb : lba + 1;
    end = MIN(end, ns->nlbas);
    trace_nvme_media_error_mark(ns->nsid, lba, end - lba);
    WITH_QEMU_LOCK_GUARD(&ns->unc_lock) {
        added = nvme_rlist_add(&ns->media, lba, end - lba);
    }
    if (added) {
        nvme_lbas_added(nvme_req_ctrl(req));    /* lba-status.c: alert */
        nvme_unc_changed(ns);
    }
}

/*
 * Context: any; takes unc_lock.  The tracked Potentially Unrecoverable
 * LBAs of @ns into @t (its own memory, g_free(t->r)): the Write
 * Uncorrectable marks and the media error blocks, merged; t->gen is the
 * sum of both lists' generations, t->adds of their additions.
 */
void nvme_unc_tracked(NvmeNamespace *ns, NvmeUncList *t)
{
    QEMU_LOCK_GUARD(&ns->unc_lock);
    *t = (NvmeUncList) {
        .r = g_memdup2(ns->unc.r, ns->unc.nr * sizeof(*ns->unc.r)),
        .nr = ns->unc.nr, .alloc = ns->unc.nr,
    };
    for (uint32_t i = 0; i < ns->media.nr; i++) {
        nvme_rlist_add(t, ns->media.r[i].slba, ns->media.r[i].nlb);
    }
    t->gen = ns->unc.gen + ns->media.gen;
    t->adds = ns->unc.adds + ns->media.adds;
}

/*
 * Context: any.  Ranges ever added to @ns's lists (lba-status.c: whether
 * the alert has something new); atomic, the lists' writers count.
 */
uint32_t nvme_unc_adds(NvmeNamespace *ns)
{
    return qatomic_read(&ns->unc.adds) + qatomic_read(&ns->media.adds);
}

/* Context: main loop; takes unc_lock.  The first marked LBA, or false. */
bool nvme_unc_first(NvmeNamespace *ns, uint64_t *lba)
{
    QEMU_LOCK_GUARD(&ns->unc_lock);
    if (!ns->unc.nr) {
        return false;
    }
    *lba = ns->unc.r[0].slba;
    return true;
}

/* Context: any, unc_lock held.  Empty list @l. */
static void nvme_rlist_free(NvmeUncList *l)
{
    g_free(l->r);
    l->r = NULL;
    qatomic_set(&l->nr, 0);
    l->alloc = 0;
    l->gen = 0;
    qatomic_set(&l->adds, 0);
}

/*
 * Context: main loop; takes unc_lock.  Drop every mark (Format, Sanitize:
 * the namespace is fenced; unrealize, deletion).
 */
void nvme_unc_free(NvmeNamespace *ns)
{
    QEMU_LOCK_GUARD(&ns->unc_lock);
    nvme_rlist_free(&ns->unc);
    nvme_rlist_free(&ns->media);
}

/* Context: main loop.  The namespace goes away: no command uses it. */
void nvme_unc_cleanup(NvmeNamespace *ns)
{
    nvme_unc_free(ns);
    qemu_mutex_destroy(&ns->unc_lock);
}

/*
 * Context: any; takes unc_lock.  Copies of @ns's lists in @unc and
 * @media (their caller frees the ranges).
 */
void nvme_unc_copy(NvmeNamespace *ns, NvmeUncList *unc, NvmeUncList *media)
{
    QEMU_LOCK_GUARD(&ns->unc_lock);
    *unc = ns->unc;
    unc->r = g_memdup2(ns->unc.r, ns->unc.nr * sizeof(NvmeLbaRange));
    unc->alloc = unc->nr;
    *media = ns->media;
    media->r = g_memdup2(ns->media.r, ns->media.nr * sizeof(NvmeLbaRange));
    media->alloc = media->nr;
}

/* ---- migration: a namespace's marks and failed-read ranges ---- */

static const VMStateDescription nvme_vmstate_lba_range = {
    .name = "nvme-lba-range",
    .version_id = 1,
    .minimum_version_id = 1,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT64(slba, NvmeLbaRange),
        VMSTATE_UINT64(nlb, NvmeLbaRange),
        VMSTATE_END_OF_LIST()
    },
};

static bool nvme_unc_nr_ok(void *opaque, int version_id)
{
    return ((NvmeUncList *)opaque)->nr <= NVME_UNC_MAX_RANGES;
}

/* Context: main loop.  The marks being replaced (loadvm) go first. */
static int nvme_unc_pre_load(void *opaque)
{
    NvmeUncList *l = opaque;

    g_free(l->r);
    *l = (NvmeUncList) { 0 };
    return 0;
}

/* Context: main loop.  The list is sorted, disjoint and non-adjacent. */
static int nvme_unc_post_load(void *opaque, int version_id)
{
    NvmeUncList *l = opaque;

    l->alloc = l->nr;
    for (uint32_t i = 0; i < l->nr; i++) {
        const NvmeLbaRange *r = &l->r[i];

        if (!r->nlb || r->slba + r->nlb < r->slba ||
            (i && l->r[i - 1].slba + l->r[i - 1].nlb >= r->slba)) {
            return nvme_mig_bad_dev("namespace", "LBA range %u (%" PRIu64
                                    "+%" PRIu64 ") of a mark list invalid",
                                    i, r->slba, r->nlb);
        }
    }
    return 0;
}

const VMStateDescription nvme_vmstate_unc = {
    .name = "nvme-unc",
    .version_id = 1,
    .minimum_version_id = 1,
    .pre_load = nvme_unc_pre_load,
    .post_load = nvme_unc_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT16(gen, NvmeUncList),
        VMSTATE_UINT32(adds, NvmeUncList),
        VMSTATE_UINT32(nr, NvmeUncList),
        VMSTATE_VALIDATE("marks within 4096 ranges", nvme_unc_nr_ok),
        NVME_VMSTATE_STRUCT_VARRAY_UINT32_ALLOC(r, NvmeUncList, nr,
                                                nvme_vmstate_lba_range,
                                                NvmeLbaRange),
        VMSTATE_END_OF_LIST()
    },
};

static bool nvme_unc_list_fits(NvmeUncList *l, uint64_t nlbas)
{
    return !l->nr || l->r[l->nr - 1].slba + l->r[l->nr - 1].nlb <= nlbas;
}

/*
 * Context: main loop.  Whether every mark and failed-read range of @ns
 * lies inside it.
 */
bool nvme_unc_fits(NvmeNamespace *ns)
{
    return nvme_unc_list_fits(&ns->unc, ns->nlbas) &&
           nvme_unc_list_fits(&ns->media, ns->nlbas);
}
