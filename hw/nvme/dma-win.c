/*
 * A queue's windows on guest RAM, for the data of its commands.
 *
 * dma_memory_map() takes a reference on the owner of the guest RAM it
 * maps and dma_memory_unmap() drops it: per range of every command, one
 * reference count that queues in two iothreads both write, its cache
 * line bouncing between the CPUs (object_ref and object_unref were 9.5%
 * of an iothread's perf samples, docs/performance.rst).  Instead each SQ
 * keeps up to NVME_DMA_WINS windows: a MemoryRegionCache over the direct
 * RAM around data it mapped before, made from the DMA address space's
 * flat view of the time, holding one reference for its whole life.  A
 * command whose ranges all lie in one window points its iovec into the
 * window; at unmap a device-to-guest transfer marks its ranges dirty
 * through the same cache, as dma_memory_unmap() would.  Only direct,
 * writable RAM makes a usable window, so a hit also proves what
 * nvme_dma_check() asks of a range (guest RAM, not ROM or a RAM device).
 * Anything else (no window fits, a vIOMMU, MMIO) maps as before.
 *
 * Lifetime.  A window serves its SQ while its flat view is the address
 * space's current one.  Every memory transaction makes a new view: the
 * listener kicks the SQs that have a window, whose next pass retires it,
 * so that an idle queue keeps no unplugged memory alive; a map compares
 * the views as well.  A retired window is freed when the last command
 * mapped through it is unmapped.  All of this runs in the SQ's context
 * (the counts are plain); the listener, in the main loop, only reads
 * whether an SQ has a window.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/atomic.h"
#include "cmem.h"
#include "ctrl.h"
#include "dma-win.h"
#include "queue.h"
#include "trace.h"

/* How far a window may reach from its first address. */
#define NVME_DMA_WIN_REACH  (1ULL << 48)

struct NvmeDmaWin {
    MemoryRegionCache cache;    /* ptr NULL: not direct RAM, no use */
    AddressSpace *as;           /* the controller's DMA view, made from */
    hwaddr base;                /* guest address of the cache's offset 0 */
    uint32_t users;             /* requests whose iov points into it */
    bool retired;               /* no longer one of its SQ's windows */
};

/* Context: the SQ's.  Does @w reach all of [@addr, @addr + @len)? */
static bool nvme_dma_win_has(NvmeDmaWin *w, hwaddr addr, hwaddr len)
{
    return addr >= w->base && len <= w->cache.len &&
           addr - w->base <= w->cache.len - len;
}

/* Context: the SQ's.  Is @w made from its address space's current map? */
static bool nvme_dma_win_current(NvmeDmaWin *w)
{
    /* only compared, never followed: the window holds its view */
    return w->cache.fv == qatomic_read(&w->as->current_map);
}

/* Context: the SQ's. */
static void nvme_dma_win_free(NvmeDmaWin *w)
{
    trace_nvme_dma_win_free(w->base, w->cache.len);
    address_space_cache_destroy(&w->cache);
    g_free(w);
}

/* Context: the SQ's.  Slot @i's window stops serving; freed once unused. */
static void nvme_dma_win_retire(NvmeSQueue *sq, unsigned i)
{
    NvmeDmaWin *w = sq->dma_win[i];

    qatomic_set(&sq->dma_win[i], NULL);
    if (w->users) {
        w->retired = true;
    } else {
        nvme_dma_win_free(w);
    }
}

/* Context: the SQ's.  Slot @i's window (or none) to slot 0. */
static void nvme_dma_win_to_front(NvmeSQueue *sq, unsigned i)
{
    NvmeDmaWin *w = sq->dma_win[i];

    for (; i > 0; i--) {
        qatomic_set(&sq->dma_win[i], sq->dma_win[i - 1]);
    }
    qatomic_set(&sq->dma_win[0], w);
}

/*
 * Context: the SQ's.  No window in slot 0 reaches [@addr, @addr + @len):
 * another slot's, moved to slot 0, or one made for it now (the oldest
 * retired), or NULL when none can be: only a window with a pointer is
 * usable.  A window that is not RAM is kept too: the next miss there
 * costs nothing.
 */
static __attribute__((noinline))
NvmeDmaWin *nvme_dma_win_miss(NvmeSQueue *sq, hwaddr addr, hwaddr len)
{
    NvmeDmaWin *w;

    for (unsigned i = 1; i < NVME_DMA_WINS; i++) {
        w = sq->dma_win[i];
        if (w && nvme_dma_win_current(w) && nvme_dma_win_has(w, addr, len)) {
            nvme_dma_win_to_front(sq, i);
            return w->cache.ptr ? w : NULL;
        }
    }
    if (sq->dma_win[NVME_DMA_WINS - 1]) {
        nvme_dma_win_retire(sq, NVME_DMA_WINS - 1);
    }
    nvme_dma_win_to_front(sq, NVME_DMA_WINS - 1);
    w = g_new0(NvmeDmaWin, 1);
    w->base = addr;
    w->as = nvme_dma_as(sq->n);
    address_space_cache_init(&w->cache, w->as, addr, NVME_DMA_WIN_REACH,
                             true);
    qatomic_set(&sq->dma_win[0], w);
    trace_nvme_dma_win_new(sq->sqid, addr, w->cache.len, !!w->cache.ptr);
    return w->cache.ptr && nvme_dma_win_has(w, addr, len) ? w : NULL;
}

/* Context: the SQ's.  The usable window for the range, or NULL. */
static inline NvmeDmaWin *nvme_dma_win_get(NvmeSQueue *sq, hwaddr addr,
                                           hwaddr len)
{
    NvmeDmaWin *w = sq->dma_win[0];

    if (likely(w && nvme_dma_win_has(w, addr, len) &&
               nvme_dma_win_current(w))) {
        return w->cache.ptr ? w : NULL;
    }
    return nvme_dma_win_miss(sq, addr, len);
}

/*
 * Context: the SQ's.  Is [@addr, @addr + @len) direct guest RAM in one
 * of @sq's windows?  False says nothing: the caller checks the slow way.
 */
bool nvme_dma_win_ram(NvmeSQueue *sq, hwaddr addr, hwaddr len)
{
    return len && nvme_dma_win_get(sq, addr, len);
}

/*
 * Context: the SQ's.  Point req->iov at req->sg through the window that
 * holds its first range, if it holds them all; false: map another way.
 */
bool nvme_dma_win_map(NvmeRequest *req)
{
    QEMUSGList *sg = &req->sg;
    NvmeDmaWin *w;

    if (!sg->nsg) {
        return false;
    }
    w = nvme_dma_win_get(req->sq, sg->sg[0].base, sg->sg[0].len);
    if (!w) {
        return false;
    }
    for (int i = 1; i < sg->nsg; i++) {
        if (!nvme_dma_win_has(w, sg->sg[i].base, sg->sg[i].len)) {
            return false;
        }
    }
    for (int i = 0; i < sg->nsg; i++) {
        qemu_iovec_add(&req->iov, w->cache.ptr + (sg->sg[i].base - w->base),
                       sg->sg[i].len);
    }
    w->users++;
    req->iov_win = w;
    return true;
}

/*
 * Context: the SQ's.  The I/O on req->iov is over: what the device wrote
 * is marked dirty (migration, TCG's translated code), the window
 * released.
 */
void nvme_dma_win_unmap(NvmeRequest *req)
{
    NvmeDmaWin *w = req->iov_win;

    if (req->iov_dir == DMA_DIRECTION_FROM_DEVICE) {
        for (int i = 0; i < req->iov.niov; i++) {
            address_space_cache_invalidate(
                &w->cache, (uint8_t *)req->iov.iov[i].iov_base - w->cache.ptr,
                req->iov.iov[i].iov_len);
        }
    }
    req->iov_win = NULL;
    if (!--w->users && w->retired) {
        nvme_dma_win_free(w);
    }
}

/* Context: the SQ's (each pass).  Retire windows of an outdated map. */
void nvme_dma_win_refresh(NvmeSQueue *sq)
{
    for (unsigned i = 0; i < NVME_DMA_WINS; i++) {
        if (sq->dma_win[i] && !nvme_dma_win_current(sq->dma_win[i])) {
            nvme_dma_win_retire(sq, i);
        }
    }
}

/* Context: the SQ's (its deletion).  Its commands are done or go. */
void nvme_dma_win_drop_all(NvmeSQueue *sq)
{
    for (unsigned i = 0; i < NVME_DMA_WINS; i++) {
        if (sq->dma_win[i]) {
            nvme_dma_win_retire(sq, i);
        }
    }
}

/*
 * Context: main loop (a memory transaction's end).  The DMA view changed:
 * every SQ with a window retires it in its next pass.  The queue array
 * only changes in the main loop.
 */
static void nvme_dma_win_commit(MemoryListener *listener)
{
    NvmeCtrl *n = container_of(listener, NvmeCtrl, dmawin.listener);

    for (uint32_t i = 0; n->queues.sq && i < n->queues.num; i++) {
        NvmeSQueue *sq = n->queues.sq[i];

        for (unsigned j = 0; sq && j < NVME_DMA_WINS; j++) {
            if (qatomic_read(&sq->dma_win[j])) {
                qemu_bh_schedule(sq->bh);
                break;
            }
        }
    }
}

/* Context: main loop (realize, once the DMA view exists). */
void nvme_dma_win_listen(NvmeCtrl *n)
{
    n->dmawin.listener = (MemoryListener) {
        .name = "nvme-dma-win",
        .commit = nvme_dma_win_commit,
    };
    memory_listener_register(&n->dmawin.listener, nvme_dma_as(n));
    n->dmawin.listening = true;
}

/* Context: main loop (unrealize). */
void nvme_dma_win_unlisten(NvmeCtrl *n)
{
    if (n->dmawin.listening) {
        memory_listener_unregister(&n->dmawin.listener);
        n->dmawin.listening = false;
    }
}
