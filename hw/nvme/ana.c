/*
 * Asymmetric Namespace Access (ANA) reporting.
 *
 * Every namespace belongs to one ANA group (nvme-ns,anagrpid=, default
 * 1).  Each controller has its own view of every group: an ANA state,
 * kept in NvmeCtrl.ana.state and changed at run time by the user through
 * the controller's "ana-state" QOM property (qom-set).  A change bumps the
 * group's and the log's change counts and raises an Asymmetric Namespace
 * Access Change notice (AEC bit 11) on that controller, masked until the
 * host reads the ANA log page (0Ch).  I/O through a controller whose view
 * of the namespace's group is Inaccessible, Persistent Loss or Change
 * fails with the matching path-related status (SCT 3), so a multipath
 * host moves it to another controller.
 *
 * ANA is reported only by controllers of an nvme-subsys device (CMIC
 * bit 1): a single-controller subsystem has no second path.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qemu/cutils.h"
#include "qom/object.h"
#include "ana.h"
#include "ctrl.h"
#include "event.h"
#include "id-ctrl.h"
#include "migration.h"
#include "ns.h"
#include "queue.h"
#include "types.h"
#include "trace.h"

#define NVME_AER_INFO_ANA_CHANGE 0x03
#define NVME_ANA_LOG_RGO        (1u << 8)   /* CDW10 LSP bit 0 */
#define NVME_ANATT_S            10          /* transition time, seconds */
/* ANACAP: states 01h-04h and 0Fh reported; ANAGRPID fixed while attached */
#define NVME_ANACAP             (0x1f | (1u << 6))

/* Log page 0Ch header and group descriptor (their fixed parts). */
typedef struct QEMU_PACKED NvmeAnaLogHdr {
    uint64_t chgcnt;
    uint16_t ngrps;
    uint8_t rsvd10[6];
} NvmeAnaLogHdr;

typedef struct QEMU_PACKED NvmeAnaGrpDesc {
    uint32_t grpid;
    uint32_t nnsids;
    uint64_t chgcnt;
    uint8_t state;
    uint8_t rsvd17[15];
} NvmeAnaGrpDesc;

QEMU_BUILD_BUG_ON(sizeof(NvmeAnaLogHdr) != 16);
QEMU_BUILD_BUG_ON(sizeof(NvmeAnaGrpDesc) != 32);

static const struct {
    uint8_t state;
    const char *name;
} nvme_ana_names[] = {
    { NVME_ANA_OPTIMIZED, "optimized" },
    { NVME_ANA_NON_OPTIMIZED, "non-optimized" },
    { NVME_ANA_INACCESSIBLE, "inaccessible" },
    { NVME_ANA_PERSISTENT_LOSS, "persistent-loss" },
    { NVME_ANA_CHANGE, "change" },
};

/* Context: any.  Whether @n reports ANA (CMIC bit 3). */
static bool nvme_ana_enabled(NvmeCtrl *n)
{
    return n->subsys && n->subsys->multi;
}

/* Context: any.  @n's view of group @grpid (1..NVME_ANA_GRPS). */
static uint8_t nvme_ana_state(NvmeCtrl *n, uint32_t grpid)
{
    uint8_t st = qatomic_read(&n->ana.state[grpid]);

    return st ? st : NVME_ANA_OPTIMIZED;    /* 0: never set */
}

/*
 * Context: any.  Group of @ns; one created without a group (Namespace
 * Management with ANAGRPID 0) is in group 1.
 */
static uint32_t nvme_ns_grp(NvmeNamespace *ns)
{
    return ns->anagrpid ? ns->anagrpid : 1;
}

/* Context: main loop.  The ANAGRPID Identify Namespace reports. */
uint32_t nvme_ana_grpid(NvmeNamespace *ns)
{
    return ns->subsys && ns->subsys->multi ? nvme_ns_grp(ns) : 0;
}

/* Context: main loop (realize).  nvme-ns,anagrpid= */
bool nvme_ana_ns_setup(NvmeNamespace *ns, uint32_t grpid, Error **errp)
{
    if (grpid < 1 || grpid > NVME_ANA_GRPS) {
        error_setg(errp, "nvme-ns: anagrpid must be 1..%d", NVME_ANA_GRPS);
        return false;
    }
    ns->anagrpid = grpid;
    return true;
}

/*
 * Context: main loop.  ANA fields of Identify Controller (id-ctrl.c):
 * CMIC bit 3, OAES bit 11, ANATT, ANACAP, ANAGRPMAX, NANAGRPID, MNAN.
 */
void nvme_ana_identify_ctrl(NvmeCtrl *n, NvmeIdCtrlIn *in)
{
    in->ana.on = nvme_ana_enabled(n);
    if (in->ana.on) {
        in->ana.anatt = NVME_ANATT_S;
        in->ana.anacap = NVME_ANACAP;
        in->ana.grpmax = NVME_ANA_GRPS;
    }
}

/*
 * Context: main loop.  Status of an I/O command to the namespace it names
 * given @n's view of that namespace's ANA group.  Admin commands and a
 * broadcast NSID are not affected.
 */
static uint16_t __attribute__((noinline))
nvme_ana_check_slow(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeNamespace *ns = req->ns;

    if (!ns) {
        ns = nvme_ns(n, le32_to_cpu(req->cmd.nsid));
        if (!ns) {
            return NVME_SUCCESS;
        }
    }
    switch (nvme_ana_state(n, nvme_ns_grp(ns))) {
    case NVME_ANA_INACCESSIBLE:
        return NVME_ANA_INACCESSIBLE_STATUS;
    case NVME_ANA_PERSISTENT_LOSS:
        return NVME_ANA_PERSISTENT_LOSS_STATUS;
    case NVME_ANA_CHANGE:
        return NVME_ANA_TRANSITION_STATUS;
    }
    return NVME_SUCCESS;
}

/* Context: as above.  Without ANA (one controller): no frame. */
uint16_t nvme_ana_check(NvmeCtrl *n, NvmeRequest *req)
{
    if (req->sq->sqid == 0 || !nvme_ana_enabled(n)) {
        return NVME_SUCCESS;
    }
    return nvme_ana_check_slow(n, req);
}

/*
 * Context: main loop.  Log page 0Ch into @buf: a descriptor for each
 * group with namespaces attached to @n, ascending, each with its NSIDs
 * unless RGO (Return Groups Only) is set.  Returns its size, 0 with
 * *status set when @n does not report ANA.
 */
size_t nvme_ana_fill_log(NvmeCtrl *n, NvmeRequest *req, uint8_t *buf,
                         uint16_t *status)
{
    bool rgo = le32_to_cpu(req->cmd.cdw10) & NVME_ANA_LOG_RGO;
    NvmeAnaLogHdr *hdr = (NvmeAnaLogHdr *)buf;
    size_t off = sizeof(*hdr);
    uint16_t ngrps = 0;

    if (!nvme_ana_enabled(n)) {
        nvme_req_err_field(req, 40, 0);
        *status = NVME_INVALID_LOG_ID | NVME_DNR;
        return 0;
    }
    for (uint32_t g = 1; g <= NVME_ANA_GRPS; g++) {
        NvmeAnaGrpDesc *d = (NvmeAnaGrpDesc *)(buf + off);
        uint32_t *list = (uint32_t *)(d + 1);
        uint32_t cnt = 0;

        for (uint32_t nsid = 1; nsid <= NVME_MAX_NSID; nsid++) {
            if (n->ns[nsid] && nvme_ns_grp(n->ns[nsid]) == g) {
                if (!rgo) {
                    list[cnt] = cpu_to_le32(nsid);
                }
                cnt++;
            }
        }
        if (!cnt) {
            continue;
        }
        d->grpid = cpu_to_le32(g);
        d->nnsids = cpu_to_le32(rgo ? 0 : cnt);
        d->chgcnt = cpu_to_le64(n->ana.grp_chgcnt[g]);
        d->state = nvme_ana_state(n, g);
        off += sizeof(*d) + (rgo ? 0 : cnt * sizeof(uint32_t));
        ngrps++;
    }
    hdr->chgcnt = cpu_to_le64(n->ana.chgcnt);
    hdr->ngrps = cpu_to_le16(ngrps);
    return off;
}

/* Context: main loop.  The host read log 0Ch without RAE. */
void nvme_ana_log_read(NvmeCtrl *n)
{
    n->ana.unread = false;
    nvme_aer_unmask(n, NVME_AER_TYPE_NOTICE);
}

/* Context: main loop.  Whether an ANA Change notice is due on @n. */
static bool nvme_ana_event_pending(NvmeCtrl *n)
{
    for (uint32_t i = 0; i < n->aer.queued; i++) {
        if (n->aer.queue[i].type == NVME_AER_TYPE_NOTICE &&
            n->aer.queue[i].log_page == NVME_LOG_ANA) {
            return true;
        }
    }
    /* reported, and the host has not read the log yet */
    return n->ana.unread && (n->aer.masked & (1u << NVME_AER_TYPE_NOTICE));
}

/*
 * Context: main loop.  Group @grpid's descriptor in @n's log changed: it
 * counts in the group's and the log's change counts (neither is ever 0
 * after a change: they skip 0 when they wrap) and raises the notice.
 */
static void nvme_ana_log_changed(NvmeCtrl *n, uint32_t grpid)
{
    if (++n->ana.grp_chgcnt[grpid] == 0) {
        n->ana.grp_chgcnt[grpid] = 1;
    }
    if (++n->ana.chgcnt == 0) {
        n->ana.chgcnt = 1;
    }
    if (!nvme_ana_enabled(n) || !qatomic_read(&n->running) ||
        !(n->feat.cur.aec & NVME_OAES_ANA_CHANGE) ||
        nvme_ana_event_pending(n)) {
        return;
    }
    n->ana.unread = true;
    nvme_aer_enqueue(n, NVME_AER_TYPE_NOTICE, NVME_AER_INFO_ANA_CHANGE,
                     NVME_LOG_ANA);
}

/* Context: main loop.  Set @n's view of group @grpid. */
static void nvme_ana_apply_state(NvmeCtrl *n, uint32_t grpid, uint8_t state)
{
    if (nvme_ana_state(n, grpid) == state) {
        return;
    }
    qatomic_set(&n->ana.state[grpid], state);    /* dispatch reads it */
    trace_nvme_ana_state(n->cntlid, grpid, state);
    nvme_ana_log_changed(n, grpid);
}

/*
 * Context: main loop.  The queues' dispatch reads the state without a
 * lock: one byte per group, stored atomically.
 */
static void nvme_ana_set_state(NvmeCtrl *n, uint32_t grpid, uint8_t state)
{
    nvme_ana_apply_state(n, grpid, state);
}

/*
 * Context: main loop.  @ns was attached to or detached from @n (Namespace
 * Attachment, Namespace Management delete): its group's NSID list in
 * @n's ANA log, and maybe the set of groups, changed.
 */
void nvme_ana_ns_attach_changed(NvmeCtrl *n, NvmeNamespace *ns)
{
    uint32_t grpid = nvme_ns_grp(ns);

    trace_nvme_ana_attach(n->cntlid, ns->nsid, grpid);
    nvme_ana_log_changed(n, grpid);
}

/* Context: main loop.  "ana-state" getter: "grpid:state" per group in use. */
static void nvme_ana_prop_get(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    NvmeCtrl *n = NVME(obj);
    g_autoptr(GString) s = g_string_new("");
    g_autofree char *str = NULL;

    for (uint32_t g = 1; g <= NVME_ANA_GRPS; g++) {
        bool used = n->ana.state[g] != 0;
        uint8_t st = nvme_ana_state(n, g);

        for (uint32_t nsid = 1; !used && n->subsys && nsid <= NVME_MAX_NSID;
             nsid++) {
            used = n->subsys->ns[nsid] && nvme_ns_grp(n->subsys->ns[nsid]) == g;
        }
        if (!used) {
            continue;
        }
        for (unsigned i = 0; i < ARRAY_SIZE(nvme_ana_names); i++) {
            if (nvme_ana_names[i].state == st) {
                g_string_append_printf(s, "%s%u:%s", s->len ? "," : "", g,
                                       nvme_ana_names[i].name);
            }
        }
    }
    str = g_string_free(g_steal_pointer(&s), false);
    visit_type_str(v, name, &str, errp);
}

/*
 * Context: main loop.  "ana-state" setter: comma-separated
 * "grpid:state", state one of nvme_ana_names or its number.  All items
 * are checked before any takes effect.
 */
static void nvme_ana_prop_set(Object *obj, Visitor *v, const char *name,
                              void *opaque, Error **errp)
{
    NvmeCtrl *n = NVME(obj);
    g_autofree char *str = NULL;
    g_auto(GStrv) items = NULL;
    uint32_t grp[NVME_ANA_GRPS];
    uint8_t st[NVME_ANA_GRPS];
    unsigned cnt = 0;

    if (!visit_type_str(v, name, &str, errp)) {
        return;
    }
    items = g_strsplit(str, ",", -1);
    for (char **it = items; *it; it++) {
        char *colon = strchr(*it, ':');
        unsigned long g;
        const char *end;
        int state = -1;

        if (!colon || qemu_strtoul(*it, &end, 10, &g) || end != colon ||
            g < 1 || g > NVME_ANA_GRPS) {
            error_setg(errp, "nvme: ana-state '%s': expected <grpid>:<state> "
                       "with grpid 1..%d", *it, NVME_ANA_GRPS);
            return;
        }
        for (unsigned i = 0; i < ARRAY_SIZE(nvme_ana_names); i++) {
            unsigned long num;

            if (!strcmp(colon + 1, nvme_ana_names[i].name) ||
                (!qemu_strtoul(colon + 1, NULL, 0, &num) &&
                 num == nvme_ana_names[i].state)) {
                state = nvme_ana_names[i].state;
            }
        }
        if (state < 0) {
            error_setg(errp, "nvme: ana-state '%s': state must be optimized, "
                       "non-optimized, inaccessible, persistent-loss or "
                       "change", *it);
            return;
        }
        if (cnt == NVME_ANA_GRPS) {
            error_setg(errp, "nvme: ana-state: too many items");
            return;
        }
        grp[cnt] = g;
        st[cnt++] = state;
    }
    for (unsigned i = 0; i < cnt; i++) {
        nvme_ana_set_state(n, grp[i], st[i]);
    }
}

/* Context: main loop (class init).  Register "ana-state" on nvme. */
void nvme_ana_class_init(ObjectClass *oc)
{
    object_class_property_add(oc, "ana-state", "str", nvme_ana_prop_get,
                              nvme_ana_prop_set, NULL, NULL);
    object_class_property_set_description(oc, "ana-state",
        "ANA group states of this controller: <grpid>:<state>[,...], "
        "state optimized, non-optimized, inaccessible, persistent-loss "
        "or change");
}

/* ---- migration ---- */

/*
 * Context: main loop.  The states the guest saw win over the destination's
 * "ana-state" property; each is one the property or the spec allows.
 */
static int nvme_ana_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;

    for (uint32_t g = 0; g <= NVME_ANA_GRPS; g++) {
        uint8_t st = n->ana.state[g];

        if ((g == 0 && st) ||
            (st > NVME_ANA_PERSISTENT_LOSS && st != NVME_ANA_CHANGE)) {
            return nvme_mig_bad(n, "ANA group %u state 0x%x", g, st);
        }
    }
    return 0;
}

const VMStateDescription nvme_vmstate_ana = {
    .name = "nvme/ana",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = nvme_ana_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_ARRAY(ana.state, NvmeCtrl, NVME_ANA_GRPS + 1),
        VMSTATE_UINT64_ARRAY(ana.grp_chgcnt, NvmeCtrl, NVME_ANA_GRPS + 1),
        VMSTATE_UINT64(ana.chgcnt, NvmeCtrl),
        VMSTATE_BOOL(ana.unread, NvmeCtrl),
        VMSTATE_END_OF_LIST()
    },
};
