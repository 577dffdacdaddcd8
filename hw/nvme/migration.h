/*
 * Live migration of the NVMe controller (migration.c): the VM run-state
 * freeze, the controller's vmstate and the helpers every area's vmstate
 * uses.  docs/migration.rst has the design.
 *
 * The controller's section ("nvme", pci.c) holds the PCI device and
 * MSI-X; every area of NvmeCtrl adds a subsection, defined next to its
 * code (an "nvme/<area>" VMStateDescription whose opaque is the NvmeCtrl)
 * and listed once in nvme_vmstate_areas[] in pci.c.  A subsection
 * checks every value in its post_load and fails the load with a message
 * (nvme_mig_bad) rather than accept what the device could not have.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_MIGRATION_H
#define HW_NVME_MIGRATION_H

#include "migration/vmstate.h"
#include "system/runstate.h"
#include "types.h"

/* Controller state (NvmeCtrl.mig). */
typedef struct NvmeMig {
    bool vm_stopped;            /* VM stopped: every queue frozen (atomic) */
    bool save_froze;            /* frozen by a save, not by a VM stop */
    VMChangeStateEntry *vmstate_change;
    /* which NSIDs are attached, as the stream carries it (subsys.c) */
    unsigned long attached[BITS_TO_LONGS(NVME_MAX_NSID + 1)];
    /* nvme,state-file=: what a power cycle keeps (pci.c writes it) */
    char *keep_path;
    QEMUBH *keep_bh;
    uint8_t keep_active;        /* the slot running after a power cycle */
} NvmeMig;

void nvme_mig_init(NvmeCtrl *n);
void nvme_mig_cleanup(NvmeCtrl *n);
void nvme_mig_save_begin(NvmeCtrl *n);
void nvme_mig_keep(NvmeCtrl *n);
void nvme_mig_save_end(NvmeCtrl *n);

/* A VF's controller state, nested in its primary's section (sriov.c). */
extern const VMStateDescription nvme_vmstate_vf;

/*
 * State kept in a file across QEMU restarts, described by a vmstate: a
 * 16-byte @magic names the kind of file (migration.c has the layout).
 */
#define NVME_MIG_MAGIC_LEN  16
bool nvme_mig_file_write(const char *path, const char *magic,
                         const VMStateDescription *vmsd, void *opaque,
                         Error **errp);
bool nvme_mig_file_read(const char *path, const char *magic,
                        const VMStateDescription *vmsd, void *opaque,
                        bool *found, Error **errp);

/*
 * Context: main loop (a post_load).  Report why incoming state of @n is
 * refused (on stderr, naming the device) and return the error for the
 * load: -EINVAL.
 */
int nvme_mig_bad(NvmeCtrl *n, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* The same for state that is not a controller's (@who names it). */
int nvme_mig_bad_dev(const char *who, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/*
 * A field holding a guest-visible structure as its raw bytes (little
 * endian already, e.g. error log entries): sent as a buffer.
 */
#define NVME_VMSTATE_RAW(_field, _state) {                              \
    .name = (stringify(_field)),                                        \
    .size = sizeof_field(_state, _field),                               \
    .info = &vmstate_info_buffer,                                       \
    .flags = VMS_BUFFER,                                                \
    .offset = offsetof(_state, _field),                                 \
}

/*
 * A variable array of structs, allocated on load, counted by a uint32_t
 * field (VMSTATE_STRUCT_VARRAY_ALLOC wants an int32_t).  The count must
 * be checked by a VMSTATE_VALIDATE before this field.
 */
#define NVME_VMSTATE_STRUCT_VARRAY_UINT32_ALLOC(_field, _state, _num,    \
                                                _vmsd, _type) {         \
    .name = (stringify(_field)),                                        \
    .vmsd = &(_vmsd),                                                   \
    .num_offset = vmstate_offset_value(_state, _num, uint32_t),         \
    .size = sizeof(_type),                                              \
    .flags = VMS_STRUCT | VMS_VARRAY_UINT32 | VMS_ALLOC | VMS_POINTER,  \
    .offset = vmstate_offset_pointer(_state, _field, _type),            \
}

/*
 * The subsection @_name of a part this build leaves out (a stub's): never
 * sent, and a stream from a build where the part is in use is refused,
 * saying @_why.
 */
bool nvme_mig_never(void *opaque);
bool nvme_mig_refuse(void *opaque, int version_id);
#define NVME_VMSTATE_LEFT_OUT(_name, _why) {                            \
    .name = (_name),                                                    \
    .version_id = 1,                                                    \
    .minimum_version_id = 1,                                            \
    .needed = nvme_mig_never,                                           \
    .fields = (const VMStateField[]) {                                  \
        VMSTATE_VALIDATE(_why, nvme_mig_refuse),                        \
        VMSTATE_END_OF_LIST()                                           \
    },                                                                  \
}

/* A bitmap of @_bits bits (an unsigned long array). */
#define NVME_VMSTATE_BITMAP(_field, _state, _bits) {                    \
    .name = (stringify(_field)),                                        \
    .size = (_bits),                                                    \
    .info = &vmstate_info_bitmap,                                       \
    .flags = VMS_SINGLE,                                                \
    .offset = offsetof(_state, _field),                                 \
}

/* A bitmap with a bit per NSID (0..NVME_MAX_NSID). */
#define NVME_VMSTATE_NSID_MAP(_field, _state)                           \
    NVME_VMSTATE_BITMAP(_field, _state, NVME_MAX_NSID + 1)

#endif /* HW_NVME_MIGRATION_H */
