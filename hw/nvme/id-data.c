/*
 * Identify data over plain values (see id-data.h).  Every function runs
 * in any context: they only touch their arguments.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "id-data.h"
#include "types.h"

/* An ASCII field (SN, MN, FR): @src, space padded, cut at @len bytes. */
void nvme_id_strpad(uint8_t *dst, const char *src, size_t len)
{
    memset(dst, ' ', len);
    memcpy(dst, src, MIN(strlen(src), len));
}

/*
 * An NSID list (CNS 02h, 07h, 10h, 1Ah): the NSIDs greater than @above
 * whose namespace @csi_of has (its command set; NVME_ID_NO_NS: none), of
 * command set @csi if @by_csi, ascending, little endian, at
 * most NVME_ID_NSID_LIST_MAX; the rest of @list (that many entries) is
 * zeroes.  Returns how many NSIDs it holds.
 */
unsigned nvme_id_nsid_list(uint32_t *list, uint32_t above,
                           const uint8_t csi_of[NVME_MAX_NSID + 1],
                           bool by_csi, uint8_t csi)
{
    unsigned cnt = 0;

    memset(list, 0, NVME_ID_NSID_LIST_MAX * sizeof(*list));
    for (uint32_t i = above + 1; i >= 1 && i <= NVME_MAX_NSID; i++) {
        if (csi_of[i] != NVME_ID_NO_NS &&
            (!by_csi || csi_of[i] == csi) &&
            cnt < NVME_ID_NSID_LIST_MAX) {
            list[cnt++] = cpu_to_le32(i);
        }
    }
    return cnt;
}

/* Append one identifier descriptor at @off; returns the next offset. */
static size_t nvme_id_desc_add(uint8_t *buf, size_t off, uint8_t type,
                               const void *val, uint8_t len)
{
    NvmeIdNsDescr hdr = { .nidt = type, .nidl = len };

    memcpy(buf + off, &hdr, sizeof(hdr));
    memcpy(buf + off + sizeof(hdr), val, len);
    return off + sizeof(hdr) + len;
}

/*
 * The Namespace Identification Descriptor list (CNS 03h) of a namespace:
 * EUI-64 (unless 0), NGUID, UUID, CSI, in @buf (zeroed, 4 KiB).  Returns
 * the bytes used.
 */
size_t nvme_id_ns_descs(uint8_t *buf, uint64_t eui64, const uint8_t *nguid,
                        const uint8_t *uuid, uint8_t csi)
{
    size_t off = 0;

    if (eui64) {
        uint64_t be = cpu_to_be64(eui64);

        off = nvme_id_desc_add(buf, off, NVME_NIDT_EUI64, &be,
                               NVME_NIDL_EUI64);
    }
    off = nvme_id_desc_add(buf, off, NVME_NIDT_NGUID, nguid, NVME_NIDL_NGUID);
    off = nvme_id_desc_add(buf, off, NVME_NIDT_UUID, uuid, NVME_NIDL_UUID);
    return nvme_id_desc_add(buf, off, NVME_NIDT_CSI, &csi, NVME_NIDL_CSI);
}
