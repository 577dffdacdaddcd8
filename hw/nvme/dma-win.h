/*
 * A queue's windows on guest RAM for the data of its commands
 * (dma-win.c): block I/O on guest memory without a reference count
 * written per command.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#ifndef HW_NVME_DMA_WIN_H
#define HW_NVME_DMA_WIN_H

#include "exec/memory.h"
#include "types.h"

#define NVME_DMA_WINS   2       /* per SQ: RAM below and above 4 GiB */

typedef struct NvmeDmaWin NvmeDmaWin;

/* The controller's side: who to tell when the memory map changes. */
typedef struct NvmeDmaWinCtrl {
    MemoryListener listener;
    bool listening;
} NvmeDmaWinCtrl;

void nvme_dma_win_listen(NvmeCtrl *n);
void nvme_dma_win_unlisten(NvmeCtrl *n);
bool nvme_dma_win_ram(NvmeSQueue *sq, hwaddr addr, hwaddr len);
bool nvme_dma_win_map(NvmeRequest *req);
void nvme_dma_win_unmap(NvmeRequest *req);
void nvme_dma_win_refresh(NvmeSQueue *sq);
void nvme_dma_win_drop_all(NvmeSQueue *sq);

#endif /* HW_NVME_DMA_WIN_H */
