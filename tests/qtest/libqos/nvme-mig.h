/*
 * Live migration for the NVMe qtest driver: move the QEMU an NvmeDrv
 * drives to a second QEMU (QEMU's qtest migration helpers, over a unix
 * socket or a file), and read or edit a saved migration stream field by
 * field, guided by the JSON description QEMU appends to it.
 *
 * After nvme_drv_migrate() the NvmeDrv (and its peers) drive the
 * destination: host-side queue state, the guest allocator and the BAR
 * mappings stay valid, since guest memory and the PCI devices moved.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef QTEST_LIBQOS_NVME_MIG_H
#define QTEST_LIBQOS_NVME_MIG_H

#include "nvme-drv.h"

/* How nvme_drv_migrate() moves the VM. */
typedef struct NvmeDrvMig {
    bool postcopy;          /* switch to postcopy while RAM is copied */
    bool paused;            /* stop, migrate, cont (the VM is not running) */
    bool keep_paused;       /* ... and leave the destination paused */
    const char *dst_args;   /* appended to the destination's command line */
    /* text of the command line the destination gets in place of @dst_was */
    const char *dst_was, *dst_is;
} NvmeDrvMig;

/*
 * Start a QEMU with @d's command line (its image reached through the test
 * process' open descriptor) plus "-incoming defer" and @extra; its stderr
 * goes to @errlog when given.
 */
QTestState *nvme_mig_start_dest(NvmeDrv *d, const char *extra,
                                 const char *errlog);
/* Same, with @was replaced by @is in the command line (both or neither). */
QTestState *nvme_mig_start_dest_edited(NvmeDrv *d, const char *extra,
                                        const char *errlog, const char *was,
                                        const char *is);
/* Migrate @d's QEMU to a new one as @m says (NULL: live precopy). */
void nvme_drv_migrate(NvmeDrv *d, const NvmeDrvMig *m);
/* Whether this host can do postcopy (userfaultfd); logs why not. */
bool nvme_mig_postcopy_ok(void);

/*
 * Save @d's VM to the file @path as a migration does (the source ends up
 * paused in postmigrate; nothing else changes on it).
 */
void nvme_mig_save(NvmeDrv *d, const char *path);
/*
 * Load @path into a new QEMU started like @d's.  On success the QEMU is
 * returned running (left stopped if @paused) and @d drives it (the old
 * one is quit); on failure it returns NULL, @d is unchanged, and *@why
 * (if not NULL) holds what the destination printed on stderr.
 */
QTestState *nvme_mig_load(NvmeDrv *d, const char *path, bool paused,
                          char **why);

/* ---- a saved migration stream, edited by field ---- */

typedef struct NvmeStream NvmeStream;

NvmeStream *nvme_stream_open(const char *path);
void nvme_stream_write(NvmeStream *s, const char *path);
void nvme_stream_free(NvmeStream *s);
/*
 * Where field @field of the section of device @dev lies: @dev is the
 * section's id string or its last component ("nvme" for
 * "0000:00:04.0/nvme"), @instance its instance id; @field is a path of
 * field names, array indices and subsection names separated by '/'
 * ("queues/sq/3/size").  Returns false if there is no such field.
 */
bool nvme_stream_find(NvmeStream *s, const char *dev, uint32_t instance,
                      const char *field, size_t *off, size_t *size);
/* Read or overwrite that field as a big-endian integer (the stream's). */
uint64_t nvme_stream_get(NvmeStream *s, const char *dev, const char *field);
void nvme_stream_set(NvmeStream *s, const char *dev, const char *field,
                     uint64_t val);
/* Raw bytes of the stream and their count, for byte-level damage. */
uint8_t *nvme_stream_bytes(NvmeStream *s, size_t *len);
/* Every field path of @dev's section with its size, one per line. */
char *nvme_stream_dump(NvmeStream *s, const char *dev, uint32_t instance);

#endif
