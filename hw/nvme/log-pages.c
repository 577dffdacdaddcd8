/*
 * Get Log Page over plain values (see log-pages.h).  Every function runs
 * in any context: they only touch their arguments (the error log ring's
 * callers hold io_lock).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "log-pages.h"

#define NVME_LOG_LSUPP      (1u << 0)   /* LID Supported and Effects */
#define NVME_MS_PER_HOUR    3600000
#define NVME_NS_PER_MINUTE  60000000000ULL

/*
 * The parameters of Get Log Page @cmd: LID, LSP and RAE in CDW10; the
 * length as NUMD dwords 0's based, NUMDL in CDW10 31:16 and NUMDU in
 * CDW11 15:0; the byte offset LPO in CDW13:CDW12.
 */
void nvme_log_params(const NvmeCmd *cmd, NvmeLogParams *p)
{
    uint32_t dw10 = le32_to_cpu(cmd->cdw10);
    uint32_t dw11 = le32_to_cpu(cmd->cdw11);
    uint64_t numd = (uint64_t)(dw11 & 0xffff) << 16 | dw10 >> 16;

    *p = (NvmeLogParams) {
        .lid = dw10 & 0xff,
        .lsp = (dw10 >> 8) & 0x7f,
        .rae = dw10 & (1u << 15),
        .len = (numd + 1) * 4,
        .off = le32_to_cpu(cmd->cdw12) |
               (uint64_t)le32_to_cpu(cmd->cdw13) << 32,
    };
}

/* An offset into a page of @size bytes: dword aligned, inside it. */
bool nvme_log_offset_ok(uint64_t off, size_t size)
{
    return !(off & 3) && off < size;
}

/*
 * Supported Log Pages: LSUPP for each LID @lids marks; no index offsets
 * (IOS) and no LID specific parameters.  Returns the page's size.
 */
size_t nvme_log_fill_supported(uint8_t *buf, const bool lids[256])
{
    for (int lid = 0; lid < 256; lid++) {
        stl_le_p(buf + lid * 4, lids[lid] ? NVME_LOG_LSUPP : 0);
    }
    return 256 * 4;
}

/*
 * Record @e as the newest entry of the ring, overwriting the oldest when
 * full; its Error Count is the number of errors ever logged.  Returns
 * that count, by which nvme_errlog_set_phase() finds the entry again.
 */
uint64_t nvme_errlog_add(NvmeErrLog *l, NvmeErrorLog e)
{
    l->count++;
    e.error_count = cpu_to_le64(l->count);
    l->entries[(l->count - 1) % NVME_ERROR_LOG_ENTRIES] = e;
    return l->count;
}

/*
 * The entry @seq's status field gets the phase tag of the completion that
 * reported it, known only once posted; unless newer errors overwrote it.
 */
void nvme_errlog_set_phase(NvmeErrLog *l, uint64_t seq, uint8_t phase)
{
    NvmeErrorLog *e;

    if (!seq) {
        return;
    }
    e = &l->entries[(seq - 1) % NVME_ERROR_LOG_ENTRIES];
    if (le64_to_cpu(e->error_count) == seq) {
        e->status_field |= cpu_to_le16(phase & 1);
    }
}

/*
 * The Error Information log page: the entries, newest first; the rest
 * of the page stays as it is (zeroes).  Returns the page's size.
 */
size_t nvme_errlog_fill(const NvmeErrLog *l, uint8_t *buf)
{
    uint64_t cnt = MIN(l->count, NVME_ERROR_LOG_ENTRIES);

    for (uint64_t i = 0; i < cnt; i++) {
        uint64_t idx = (l->count - 1 - i) % NVME_ERROR_LOG_ENTRIES;

        memcpy(buf + i * sizeof(NvmeErrorLog), &l->entries[idx],
               sizeof(NvmeErrorLog));
    }
    return NVME_ERROR_LOG_ENTRIES * sizeof(NvmeErrorLog);
}

/*
 * The SMART / Health Information page from @v: data units are thousands
 * of 512-byte units, rounded up; busy time in minutes and power-on time
 * in hours, rounded down; full spare, nothing used, one power cycle.
 * Returns the page's size.
 */
size_t nvme_log_fill_smart(uint8_t *buf, const NvmeSmartValues *v)
{
    NvmeSmartLog *s = (NvmeSmartLog *)buf;

    s->critical_warning = v->critical_warning;
    s->temperature = cpu_to_le16(v->temperature);
    s->available_spare = 100;
    s->available_spare_threshold = 10;
    s->percentage_used = 0;
    s->data_units_read[0] = cpu_to_le64(DIV_ROUND_UP(v->units_read, 1000));
    s->data_units_written[0] =
        cpu_to_le64(DIV_ROUND_UP(v->units_written, 1000));
    s->host_read_commands[0] = cpu_to_le64(v->read_cmds);
    s->host_write_commands[0] = cpu_to_le64(v->write_cmds);
    s->controller_busy_time[0] = cpu_to_le64(v->busy_ns / NVME_NS_PER_MINUTE);
    s->power_cycles[0] = cpu_to_le64(1);
    s->power_on_hours[0] = cpu_to_le64(v->power_on_ms / NVME_MS_PER_HOUR);
    s->media_errors[0] = cpu_to_le64(v->media_errors);
    s->number_of_error_log_entries[0] = cpu_to_le64(v->error_count);
    return sizeof(NvmeSmartLog);
}
