/*
 * Zoned namespaces (NVMe Zoned Namespace Command Set, CSI 02h): the
 * nvme-ns "zoned" properties, a namespace's zones and their locks, and
 * where their state is kept in the image (zns.c, zns-store.c; the state
 * machine itself is zns-sm.c).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_ZNS_H
#define HW_NVME_ZNS_H

#include "qemu/thread.h"
#include "qemu/queue.h"
#include "migration/vmstate.h"
#include "system/runstate.h"
#include "types.h"
#include "zns-sm.h"

#define NVME_LOG_CHANGED_ZONES      0xbf
#define NVME_AER_INFO_ZONE_CHANGED  0xef    /* Zone Descriptor Changed */
#define NVME_CHANGED_ZONES_MAX      511
#define NVME_ZNS_PIREMAP            (1u << 25)  /* Zone Append CDW12 */

/* nvme-ns zoned.* properties: upstream's names, defaults and meanings. */
typedef struct NvmeZonedParams {
    bool zoned;                 /* zoned= */
    uint64_t zone_size;         /* zoned.zone_size=, bytes */
    uint64_t zone_capacity;     /* zoned.zone_capacity=, bytes; 0: size */
    uint32_t descr_ext_size;    /* zoned.descr_ext_size=, 64-byte units */
    bool cross_read;            /* zoned.cross_read= */
    uint32_t frl;               /* zone-frl=: Finish Recommended Limit, s */
    uint32_t rrl;               /* zone-rrl=: Reset Recommended Limit, s */
    uint32_t max_active;        /* zoned.max_active=, 0: no limit */
    uint32_t max_open;          /* zoned.max_open=, 0: no limit */
    uint32_t numzrwa;           /* zoned.numzrwa=, 0: no ZRWA */
    uint64_t zrwas;             /* zoned.zrwas=, bytes */
    uint64_t zrwafg;            /* zoned.zrwafg=, bytes; -1: one block */
} NvmeZonedParams;

/* nvme zoned.* properties. */
typedef struct NvmeZonedCtrlParams {
    uint8_t zasl;               /* zoned.zasl=: 2^n pages, 0: MDTS */
    bool auto_transition;       /* close implicitly opened zones for room */
} NvmeZonedCtrlParams;

/*
 * One zone.  @lock guards @sm and is held only for a few
 * instructions (never across I/O or another lock); a change of state
 * (rather than of the write pointer alone) also holds the namespace's
 * res_lock, taken first.
 */
typedef struct NvmeZone {
    QemuSpin lock;
    NvmeZoneSm sm;
    int64_t since_ms;           /* entered its state (virtual clock) */
    bool on_lru;                /* on imp_open (res_lock) */
    QTAILQ_ENTRY(NvmeZone) lru;
} NvmeZone;

/* Where the zone state lives in the image (zns-store.c). */
typedef struct NvmeZnsStore {
    bool enabled;               /* false: state kept in memory only */
    uint64_t area_off;          /* byte offset of the area in the image */
    uint64_t area_size;
    uint32_t slot_size;         /* per zone: record + descriptor extension */
    uint32_t nr_slots;
    uint8_t *slots;             /* the area's slots as last written */
    unsigned long *dirty;       /* zones changed since (atomic bits) */
    QemuMutex lock;             /* @slots, @busy, @waiters */
    bool busy;                  /* a write-back is under way */
    QSIMPLEQ_HEAD(, NvmeZnsWaiter) waiters;
    VMChangeStateEntry *vmstate;
} NvmeZnsStore;

/*
 * The zone state as a migration stream carries it (zns.c): flat copies
 * made for a save, and filled by a load until the namespace's post_load
 * checks and applies them (nvme_zns_post_load).
 */
typedef struct NvmeZonedMig {
    uint32_t nr_zones;
    NvmeZoneSm *sm;             /* @nr_zones */
    int64_t *since;             /* @nr_zones: NvmeZone.since_ms */
    uint32_t ext_len;           /* @nr_zones descriptor extensions */
    uint8_t *ext;
    uint32_t nr_lru;
    uint32_t *lru;              /* implicitly open zones, oldest first */
    uint64_t changed[NVME_CHANGED_ZONES_MAX];
    uint32_t nr_changed;
    bool changed_overflow;
    bool store_enabled;         /* the state is kept in the image too */
    bool loaded;                /* a load filled the copies */
} NvmeZonedMig;

/* The zoned state of a namespace (NvmeNamespace.zoned). */
typedef struct NvmeZoned {
    NvmeZonedParams conf;       /* as given on the command line */
    NvmeZoneGeo geo;            /* in blocks of the current LBA format */
    uint32_t zdes;              /* descriptor extension bytes per zone */
    NvmeZone *zones;
    uint8_t *ext;               /* zdes bytes per zone, under res_lock */
    QemuMutex res_lock;         /* @res, @imp_open, states, @changed */
    NvmeZoneRes res;
    QTAILQ_HEAD(, NvmeZone) imp_open;   /* implicitly open, oldest first */
    /* Changed Zone List log (BFh): zones the controller changed */
    uint64_t changed[NVME_CHANGED_ZONES_MAX];
    uint32_t nr_changed;
    bool changed_overflow;
    QEMUTimer *limit_timer;     /* zone-frl, zone-rrl: once a second */
    NvmeZnsStore store;
    NvmeZonedMig mig;
} NvmeZoned;

/* A controller's view (NvmeCtrl.zns). */
typedef struct NvmeZnsCtrl {
    bool enabled;               /* CC.CSS enabled the Zoned command set */
} NvmeZnsCtrl;

static inline uint64_t nvme_zns_zslba(const NvmeZoned *zd, uint32_t idx)
{
    return (uint64_t)idx * zd->geo.zsze;
}

static inline uint32_t nvme_zns_zidx(const NvmeZoned *zd, uint64_t lba)
{
    return lba / zd->geo.zsze;
}

/* zns.c: setup, properties, Identify (zns-stub.c without NVME_ZNS) */
bool nvme_zns_built(void);
bool nvme_zns_check_params(const NvmeZonedParams *p, Error **errp);
bool nvme_zns_ns_setup(NvmeNamespace *ns, const NvmeZonedParams *p,
                       Error **errp);
void nvme_zns_ns_cleanup(NvmeNamespace *ns);
bool nvme_zns_ctrl_check(NvmeCtrl *n, Error **errp);
uint64_t nvme_zns_zasl_bytes(NvmeCtrl *n);
uint16_t nvme_zns_identify_ctrl(NvmeCtrl *n, NvmeRequest *req);
void nvme_zns_fill_id_ns(NvmeNamespace *ns, void *id);
bool nvme_zns_format_ok(NvmeNamespace *ns, unsigned lbaf);
void nvme_zns_format(NvmeNamespace *ns);

/* zns.c: changes the controller makes, the Changed Zone List log */
typedef enum NvmeZnsEvent {
    NVME_ZNS_EV_READ_ONLY,
    NVME_ZNS_EV_OFFLINE,
    NVME_ZNS_EV_FINISH_RECOMMENDED,
    NVME_ZNS_EV_RESET_RECOMMENDED,
} NvmeZnsEvent;

bool nvme_zns_inject(NvmeNamespace *ns, const char *spec, Error **errp);
size_t nvme_zns_fill_changed_log(NvmeCtrl *n, NvmeRequest *req, uint8_t *buf,
                                 uint16_t *status);
void nvme_zns_changed_log_read(NvmeCtrl *n, uint32_t nsid);

/* zns.c: state changes, for zns-cmd.c (locks as documented in zns.c) */
uint16_t nvme_zns_apply(NvmeZoned *zd, NvmeZone *z, NvmeZsmAction a);
uint16_t nvme_zns_open_apply(NvmeCtrl *n, NvmeZoned *zd, NvmeZone *z,
                             NvmeZsmAction a);
bool nvme_zns_close_implicit(NvmeZoned *zd, NvmeZone *z);

/* zns.c: I/O */
uint16_t nvme_zns_read_check(NvmeRequest *req, uint64_t slba, uint64_t nlb);
uint16_t nvme_zns_write_admit(NvmeRequest *req, uint64_t *slba, uint64_t nlb,
                              bool append);
uint16_t nvme_zns_modify_check(NvmeRequest *req, uint64_t slba,
                               uint64_t nlb);

/*
 * zns.c: migration.  The zone state is a subsection of the namespace's
 * vmstate; the namespace's post_load calls nvme_zns_post_load() once
 * the LBA format is set, and gets 0 or -EINVAL (reported).
 */
extern const VMStateDescription nvme_vmstate_ns_zoned;
int nvme_zns_post_load(NvmeNamespace *ns);

/* zns-store.c: zone state in the image */
bool nvme_zns_store_open(NvmeNamespace *ns, Error **errp);
void nvme_zns_store_close(NvmeNamespace *ns);
void nvme_zns_store_format(NvmeNamespace *ns);
uint64_t nvme_zns_store_nr_zones(NvmeNamespace *ns, const NvmeZoneGeo *g);
void nvme_zns_store_loaded(NvmeNamespace *ns);
void nvme_zns_mark_dirty(NvmeZoned *zd, NvmeZone *z);
void nvme_zns_writeback(NvmeNamespace *ns, bool fua, void (*cb)(void *, int),
                        void *opaque);
int nvme_zns_writeback_sync(NvmeNamespace *ns);
bool nvme_zns_complete_sync(NvmeRequest *req, uint16_t status);
void nvme_zns_flush(NvmeNamespace *ns, void (*cb)(void *opaque, int ret),
                    void *opaque);

#endif /* HW_NVME_ZNS_H */
