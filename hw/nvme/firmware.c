/*
 * NVMe firmware update: Firmware Image Download (admin opcode 11h),
 * Firmware Commit (10h) and the Firmware Slot Information log (03h).
 *
 * Two slots (FRMW): slot 1 is read-only and holds the revision the
 * controller was created with, slot 2 takes downloaded images.  An image
 * is NVME_FW_MAGIC followed by the 8-byte revision (printable ASCII) and
 * anything else, at most NVME_FW_MAX_BYTES; committing anything else
 * fails with Invalid Firmware Image.  Pieces are downloaded in dword
 * units, in any order, without overlapping (Overlapping Range) and
 * without holes by commit time.
 *
 * Commit actions: 0 stores the image in the slot, 1 also activates it at
 * the next controller level reset, 2 activates the slot's image at the
 * next reset, 3 stores and activates at once (FRMW bit 4) and sends the
 * Firmware Activation Starting notice when AEC bit 9 asks for it.
 * Activation changes Identify Controller FR and the log's active slot.
 * Boot partitions (actions 6, 7) are not offered.  The slots live as long
 * as the device: a QEMU restart starts from the original revision.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/bitmap.h"
#include "migration/qemu-file-types.h"
#include "ctrl.h"
#include "dma.h"
#include "event.h"
#include "firmware.h"
#include "migration.h"
#include "queue.h"
#include "trace.h"

#define NVME_FW_MAX_BYTES   (1 * MiB)
#define NVME_FW_MAGIC       "QEMUNVFW"
#define NVME_FW_HDR_BYTES   16      /* magic + revision */

/* Commit actions (CDW10 bits 5:3) */
enum {
    NVME_FW_CA_REPLACE          = 0,
    NVME_FW_CA_REPLACE_ACTIVATE = 1,
    NVME_FW_CA_ACTIVATE         = 2,
    NVME_FW_CA_REPLACE_NOW      = 3,
};

/* Notice information: Firmware Activation Starting */
#define NVME_AER_INFO_NOTICE_FW_ACT_STARTING    0x01

/* Context: main loop (realize).  Slot 1 holds Identify FR, active. */
void nvme_fw_init(NvmeCtrl *n)
{
    NvmeFirmware *fw = &n->fw;

    memset(fw->rev, 0, sizeof(fw->rev));
    memcpy(fw->rev[0], n->id_ctrl.fr, sizeof(fw->rev[0]));
    fw->active = 1;
    fw->next = 0;
}

/* Context: main loop.  Make @slot the running firmware. */
static void nvme_fw_activate(NvmeCtrl *n, uint8_t slot)
{
    NvmeFirmware *fw = &n->fw;

    fw->active = slot;
    fw->next = 0;
    memcpy(n->id_ctrl.fr, fw->rev[slot - 1], sizeof(n->id_ctrl.fr));
    trace_nvme_fw_activate(slot);
}

/* Context: main loop.  Controller level reset: pending activation. */
void nvme_fw_reset(NvmeCtrl *n)
{
    if (n->fw.next) {
        nvme_fw_activate(n, n->fw.next);
    }
}

/* Context: main loop.  Forget the downloaded pieces. */
static void nvme_fw_discard(NvmeFirmware *fw)
{
    g_free(fw->image);
    fw->image = NULL;
    g_free(fw->have);
    fw->have = NULL;
    fw->end = 0;
}

/* Context: main loop (unrealize). */
void nvme_fw_cleanup(NvmeCtrl *n)
{
    nvme_fw_discard(&n->fw);
}

/* Context: main loop.  Firmware Image Download: one piece of the image. */
uint16_t nvme_admin_fw_download(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeFirmware *fw = &n->fw;
    uint64_t numd = (uint64_t)le32_to_cpu(req->cmd.cdw10) + 1;
    uint64_t ofst = le32_to_cpu(req->cmd.cdw11);
    uint64_t len = numd * 4, off = ofst * 4;
    uint16_t status;

    trace_nvme_fw_download(ofst, numd);
    if (len > nvme_mdts_bytes(n)) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 0,
                               "piece larger than MDTS");
    }
    if (off + len > NVME_FW_MAX_BYTES) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 44, 0,
                               "piece beyond the largest image");
    }
    if (fw->have &&
        find_next_bit(fw->have, ofst + numd, ofst) < ofst + numd) {
        return nvme_req_reject(req, NVME_OVERLAPPING_RANGE | NVME_DNR, 44, 0,
                               "piece overlaps one already downloaded");
    }
    if (!fw->image) {
        fw->image = g_malloc0(NVME_FW_MAX_BYTES);
        fw->have = bitmap_new(NVME_FW_MAX_BYTES / 4);
    }
    status = nvme_dma_from_guest(n, req, fw->image + off, len);
    if (status) {
        return status;
    }
    bitmap_set(fw->have, ofst, numd);
    fw->end = MAX(fw->end, off + len);
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  The downloaded image, if complete and well formed:
 * copy its revision to @rev.
 */
static bool nvme_fw_image_ok(NvmeFirmware *fw, uint8_t *rev)
{
    uint32_t dwords = fw->end / 4;

    if (!fw->image || fw->end < NVME_FW_HDR_BYTES ||
        find_first_zero_bit(fw->have, dwords) < dwords ||
        memcmp(fw->image, NVME_FW_MAGIC, 8)) {
        return false;
    }
    for (int i = 8; i < NVME_FW_HDR_BYTES; i++) {
        if (fw->image[i] < 0x20 || fw->image[i] > 0x7e) {
            return false;
        }
    }
    memcpy(rev, fw->image + 8, 8);
    return true;
}

/* Context: main loop.  Firmware Commit. */
static uint16_t nvme_fw_commit(NvmeCtrl *n, NvmeRequest *req)
{
    NvmeFirmware *fw = &n->fw;
    uint32_t dw10 = le32_to_cpu(req->cmd.cdw10);
    uint8_t fs = dw10 & 7, ca = (dw10 >> 3) & 7;
    uint8_t rev[8];

    trace_nvme_fw_commit(fs, ca);
    if (ca > NVME_FW_CA_REPLACE_NOW) {
        return nvme_req_reject(req, NVME_INVALID_FIELD | NVME_DNR, 40, 3,
                               "commit action not supported");
    }
    if (fs > NVME_FW_SLOTS) {
        return nvme_req_reject(req, NVME_INVALID_FW_SLOT | NVME_DNR, 40, 0,
                               "no such firmware slot");
    }
    if (fs == 0) {
        fs = NVME_FW_SLOTS;     /* the controller picks: the writable one */
    }
    if (ca == NVME_FW_CA_ACTIVATE) {
        if (!fw->rev[fs - 1][0]) {
            return nvme_req_reject(req, NVME_INVALID_FW_IMAGE | NVME_DNR, 40,
                                   0, "firmware slot is empty");
        }
        fw->next = fs;
        return NVME_SUCCESS;
    }
    if (fs == 1) {
        return nvme_req_reject(req, NVME_INVALID_FW_SLOT | NVME_DNR, 40, 0,
                               "firmware slot 1 is read only");
    }
    if (!nvme_fw_image_ok(fw, rev)) {
        return nvme_req_reject(req, NVME_INVALID_FW_IMAGE | NVME_DNR, 40, 3,
                               "no complete, valid image downloaded");
    }
    memcpy(fw->rev[fs - 1], rev, sizeof(rev));
    nvme_fw_discard(fw);
    if (fw->next == fs && ca == NVME_FW_CA_REPLACE) {
        fw->next = 0;       /* the pending activation was the old image's */
    }
    if (ca == NVME_FW_CA_REPLACE_ACTIVATE) {
        fw->next = fs;
    } else if (ca == NVME_FW_CA_REPLACE_NOW) {
        if (NVME_AEC_FW_ACTIVATION(n->feat.cur.aec)) {
            nvme_aer_enqueue(n, NVME_AER_TYPE_NOTICE,
                             NVME_AER_INFO_NOTICE_FW_ACT_STARTING,
                             NVME_LOG_FW_SLOT_INFO);
        }
        nvme_fw_activate(n, fs);
    }
    return NVME_SUCCESS;
}

/*
 * Context: main loop.  Firmware Commit; slots and activation are what an
 * SSD keeps through a power cycle (nvme,state-file=, migration.c).
 */
uint16_t nvme_admin_fw_commit(NvmeCtrl *n, NvmeRequest *req)
{
    uint16_t status = nvme_fw_commit(n, req);

    if (status == NVME_SUCCESS) {
        nvme_mig_keep(n);
    }
    return status;
}

/* Context: main loop.  Firmware Slot Information log page. */
size_t nvme_fw_fill_log(NvmeCtrl *n, uint8_t *buf)
{
    NvmeFwSlotInfoLog *log = (NvmeFwSlotInfoLog *)buf;
    uint8_t *frs = log->frs1;

    log->afi = n->fw.active | (n->fw.next << 4);
    for (int i = 0; i < NVME_FW_SLOTS; i++) {
        memcpy(frs + i * 8, n->fw.rev[i], 8);
    }
    return sizeof(*log);
}

/* ---- migration ---- */

/*
 * The downloaded pieces: be32 bytes (the end of the furthest piece), the
 * image up to there, then a bit per dword of it (downloaded or not).
 */
static int nvme_fw_pieces_put(QEMUFile *f, void *pv, size_t size,
                              const VMStateField *field, JSONWriter *vmdesc)
{
    NvmeFirmware *fw = pv;
    uint32_t dwords = fw->end / 4;
    g_autofree unsigned long *le = bitmap_new(MAX(dwords, 1));

    qemu_put_be32(f, fw->end);
    if (fw->end) {
        bitmap_to_le(le, fw->have, dwords);
        qemu_put_buffer(f, fw->image, fw->end);
        qemu_put_buffer(f, (uint8_t *)le, DIV_ROUND_UP(dwords, 8));
    }
    return 0;
}

static int nvme_fw_pieces_get(QEMUFile *f, void *pv, size_t size,
                              const VMStateField *field)
{
    NvmeFirmware *fw = pv;
    uint32_t end = qemu_get_be32(f), dwords = end / 4;
    g_autofree unsigned long *le = NULL;

    nvme_fw_discard(fw);
    if (end > NVME_FW_MAX_BYTES || end % 4) {
        return nvme_mig_bad_dev("firmware", "download of %u bytes", end);
    }
    if (!end) {
        return 0;
    }
    le = bitmap_new(dwords);
    fw->image = g_malloc0(NVME_FW_MAX_BYTES);
    fw->have = bitmap_new(NVME_FW_MAX_BYTES / 4);
    qemu_get_buffer(f, fw->image, end);
    qemu_get_buffer(f, (uint8_t *)le, DIV_ROUND_UP(dwords, 8));
    bitmap_from_le(fw->have, le, dwords);
    fw->end = end;
    return qemu_file_get_error(f);
}

static const VMStateInfo nvme_vmstate_info_fw_pieces = {
    .name = "nvme-fw-pieces",
    .get = nvme_fw_pieces_get,
    .put = nvme_fw_pieces_put,
};

/* Context: main loop.  Slots and activation as commands leave them. */
static int nvme_fw_post_load(void *opaque, int version_id)
{
    NvmeCtrl *n = opaque;
    NvmeFirmware *fw = &n->fw;

    if (fw->active < 1 || fw->active > NVME_FW_SLOTS ||
        fw->next > NVME_FW_SLOTS || !fw->rev[fw->active - 1][0] ||
        (fw->next && !fw->rev[fw->next - 1][0])) {
        return nvme_mig_bad(n, "firmware slot %u active, %u next, invalid",
                            fw->active, fw->next);
    }
    memcpy(n->id_ctrl.fr, fw->rev[fw->active - 1], sizeof(n->id_ctrl.fr));
    return 0;
}

const VMStateDescription nvme_vmstate_fw = {
    .name = "nvme/fw",
    .version_id = 1,
    .minimum_version_id = 1,
    .post_load = nvme_fw_post_load,
    .fields = (const VMStateField[]) {
        VMSTATE_UINT8_2DARRAY(fw.rev, NvmeCtrl, NVME_FW_SLOTS, 8),
        VMSTATE_UINT8(fw.active, NvmeCtrl),
        VMSTATE_UINT8(fw.next, NvmeCtrl),
        {
            .name = "fw.pieces",
            .info = &nvme_vmstate_info_fw_pieces,
            .size = sizeof(NvmeFirmware),
            .flags = VMS_SINGLE,
            .offset = offsetof(NvmeCtrl, fw),
        },
        VMSTATE_END_OF_LIST()
    },
};
