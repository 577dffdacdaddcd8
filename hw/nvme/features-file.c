/*
 * Saved feature values kept in a file across QEMU restarts
 * ("-device nvme,features-file=PATH").
 *
 * The file holds what Set Features with Save stored (features.c): which
 * saveable features have a saved value and those values.  It is read
 * once at realize, where a missing file means nothing was saved yet and
 * anything unexpected fails realize, and rewritten as a whole (a
 * temporary file renamed over it, after fsync) each time a save succeeds,
 * so a crash leaves either the old or the new file.
 *
 * Layout, 64 bytes, little endian:
 *    0  magic "QNVMFEAT"       36  saved FID mask (bit per FID)
 *    8  version (1)            40  Arbitration
 *   12  size (64)              44  Power Management
 *   16  controller serial,     48  Temperature Threshold: over, under
 *       space padded (20)      52  Volatile Write Cache (0/1), then
 *                                  zeroes up to 60
 *   60  CRC-32C of bytes 0..59
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/crc32c.h"
#include "qemu/cutils.h"
#include "qapi/error.h"
#include "ctrl.h"
#include "feat-rules.h"
#include "features.h"
#include "trace.h"

#define NVME_FF_MAGIC       "QNVMFEAT"
#define NVME_FF_VERSION     1
#define NVME_FF_SIZE        64
#define NVME_FF_SERIAL      16
#define NVME_FF_SERIAL_LEN  20
#define NVME_FF_MASK        36
#define NVME_FF_ARB         40
#define NVME_FF_PM          44
#define NVME_FF_TEMP_OVER   48
#define NVME_FF_TEMP_UNDER  50
#define NVME_FF_VWC         52
#define NVME_FF_CRC         60

/* FIDs that are saveable (features.c): Arbitration, PM, Temp, VWC */
#define NVME_FF_SAVEABLE    ((1u << NVME_ARBITRATION) | \
                             (1u << NVME_POWER_MANAGEMENT) | \
                             (1u << NVME_TEMPERATURE_THRESHOLD) | \
                             (1u << NVME_VOLATILE_WRITE_CACHE))

/* Context: main loop.  The controller serial as the file stores it. */
static void nvme_ff_serial(NvmeCtrl *n, uint8_t *dst)
{
    memset(dst, ' ', NVME_FF_SERIAL_LEN);
    memcpy(dst, n->params.serial,
           MIN(strlen(n->params.serial), NVME_FF_SERIAL_LEN));
}

/* Context: main loop.  Serialize @f's saveable values under @mask. */
static void nvme_ff_encode(NvmeCtrl *n, const NvmeFeatures *f, uint32_t mask,
                           uint8_t *buf)
{
    memset(buf, 0, NVME_FF_SIZE);
    memcpy(buf, NVME_FF_MAGIC, 8);
    stl_le_p(buf + 8, NVME_FF_VERSION);
    stl_le_p(buf + 12, NVME_FF_SIZE);
    nvme_ff_serial(n, buf + NVME_FF_SERIAL);
    stl_le_p(buf + NVME_FF_MASK, mask);
    stl_le_p(buf + NVME_FF_ARB, f->arbitration);
    stl_le_p(buf + NVME_FF_PM, f->power_mgmt);
    stw_le_p(buf + NVME_FF_TEMP_OVER, f->temp_over);
    stw_le_p(buf + NVME_FF_TEMP_UNDER, f->temp_under);
    buf[NVME_FF_VWC] = f->vwc;
    stl_le_p(buf + NVME_FF_CRC, crc32c(0xffffffff, buf, NVME_FF_CRC));
}

/*
 * Context: main loop (realize).  Why @buf (@len bytes) is not a valid
 * file for @n, or NULL.  Values are checked as Set Features would.
 */
static const char *nvme_ff_check(NvmeCtrl *n, const uint8_t *buf,
                                 size_t len)
{
    uint8_t serial[NVME_FF_SERIAL_LEN];

    if (len != NVME_FF_SIZE || memcmp(buf, NVME_FF_MAGIC, 8)) {
        return "not a saved-features file (wrong size or magic)";
    }
    if (ldl_le_p(buf + 8) != NVME_FF_VERSION ||
        ldl_le_p(buf + 12) != NVME_FF_SIZE) {
        return "unsupported version";
    }
    if (ldl_le_p(buf + NVME_FF_CRC) != crc32c(0xffffffff, buf, NVME_FF_CRC)) {
        return "checksum mismatch (corrupt file)";
    }
    nvme_ff_serial(n, serial);
    if (memcmp(buf + NVME_FF_SERIAL, serial, sizeof(serial))) {
        return "saved by a controller with another serial";
    }
    if (ldl_le_p(buf + NVME_FF_MASK) & ~NVME_FF_SAVEABLE) {
        return "names a feature that is not saveable";
    }
    if ((ldl_le_p(buf + NVME_FF_ARB) & ~0xffffff07u) ||
        (ldl_le_p(buf + NVME_FF_PM) & ~0xe0u) || buf[NVME_FF_VWC] > 1 ||
        !buffer_is_zero(buf + NVME_FF_VWC + 1, NVME_FF_CRC - NVME_FF_VWC - 1)) {
        return "holds a value Set Features would refuse";
    }
    return NULL;
}

/*
 * Context: main loop (realize).  Load the saved values of
 * params.features_file into feat.saved / feat.saved_mask.  A missing
 * file is an empty one; any other problem fails realize.
 */
bool nvme_features_file_load(NvmeCtrl *n, Error **errp)
{
    const char *path = n->params.features_file;
    g_autofree gchar *buf = NULL;
    g_autoptr(GError) gerr = NULL;
    const uint8_t *p;
    const char *why;
    gsize len;

    if (!path) {
        return true;
    }
    if (!g_file_get_contents(path, &buf, &len, &gerr)) {
        if (g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            return true;
        }
        error_setg(errp, "nvme: features-file '%s': %s", path,
                   gerr->message);
        return false;
    }
    p = (const uint8_t *)buf;
    why = nvme_ff_check(n, p, len);
    if (why) {
        error_setg(errp, "nvme: features-file '%s': %s", path, why);
        return false;
    }
    n->feat.saved_mask = ldl_le_p(p + NVME_FF_MASK);
    n->feat.saved.arbitration = ldl_le_p(p + NVME_FF_ARB);
    n->feat.saved.power_mgmt = ldl_le_p(p + NVME_FF_PM);
    n->feat.saved.temp_over = lduw_le_p(p + NVME_FF_TEMP_OVER);
    n->feat.saved.temp_under = lduw_le_p(p + NVME_FF_TEMP_UNDER);
    n->feat.saved.vwc = p[NVME_FF_VWC];
    trace_nvme_features_file(path, "loaded", n->feat.saved_mask);
    return true;
}

/*
 * Context: main loop (Set Features with Save).  Replace the file with
 * @f's values under @mask: a temporary file in the same directory,
 * fsync, rename.  Blocks the main loop for that long; saves are rare.
 */
bool nvme_features_file_store(NvmeCtrl *n, const NvmeFeatures *f,
                              uint32_t mask, Error **errp)
{
    uint8_t buf[NVME_FF_SIZE];
    g_autoptr(GError) gerr = NULL;

    nvme_ff_encode(n, f, mask, buf);
    if (!g_file_set_contents_full(n->params.features_file, (gchar *)buf,
                                  sizeof(buf),
                                  G_FILE_SET_CONTENTS_CONSISTENT |
                                  G_FILE_SET_CONTENTS_DURABLE, 0600, &gerr)) {
        error_setg(errp, "nvme: features-file '%s': %s",
                   n->params.features_file, gerr->message);
        return false;
    }
    trace_nvme_features_file(n->params.features_file, "stored", mask);
    return true;
}
