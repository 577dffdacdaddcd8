/*
 * Property helpers shared by nvme, nvme-ns and nvme-subsys.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "block/accounting.h"
#include "props.h"

/*
 * Context: main loop (class init).  Every property of a class gets a help
 * text; a name missing from the class is a programming error.
 */
void nvme_prop_descs_set(ObjectClass *oc, const NvmePropDesc *d, size_t nr)
{
    for (size_t i = 0; i < nr; i++) {
        g_assert(object_class_property_find(oc, d[i].name));
        object_class_property_set_description(oc, d[i].name, d[i].desc);
    }
}

/*
 * Context: main loop (realize).  "stats-intervals": the lengths (seconds)
 * of the timed statistics query-blockstats reports for a drive.
 */
bool nvme_stats_intervals_check(const char *dev, const uint32_t *iv,
                                uint32_t nr, Error **errp)
{
    for (uint32_t i = 0; i < nr; i++) {
        if (iv[i] == 0) {
            error_setg(errp, "%s: 'stats-intervals' entries must be at "
                       "least 1 second", dev);
            return false;
        }
    }
    return true;
}

/* Context: main loop (realize), after nvme_stats_intervals_check. */
void nvme_stats_intervals_apply(BlockBackend *blk, const uint32_t *iv,
                                uint32_t nr)
{
    for (uint32_t i = 0; i < nr; i++) {
        block_acct_add_interval(blk_get_stats(blk), iv[i]);
    }
}
