/*
 * qtest: shadow doorbells (Doorbell Buffer Config) and their ioeventfds.
 *
 * The qtest modes run each test with ioeventfd on (the default) and off
 * (the ioeventfd-off modes), in the main loop and an iothread: the shadow
 * buffer protocol must behave the same whether an MMIO doorbell write
 * reaches the device as a value or only as a signal.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define DNR NVME_DNR
#define LBASZ 512
#define QSIZE 8

typedef struct Shadow {
    NvmeDrv *d;
    uint64_t dbs;       /* shadow doorbells */
    uint64_t eis;       /* EventIdx */
} Shadow;

static uint16_t dbbuf_config(NvmeDrv *d, uint64_t dbs, uint64_t eis)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_DBBUF_CONFIG, 0);
    cmd.dptr.prp1 = dbs;
    cmd.dptr.prp2 = eis;
    return nvme_drv_exec(d, 0, &cmd, NULL);
}

static uint32_t shadow_get(NvmeDrv *d, uint64_t base, uint16_t qid, bool cq)
{
    uint32_t v;

    nvme_drv_memread(d, base + qid * 8 + (cq ? 4 : 0), &v, 4);
    return le32_to_cpu(v);
}

static void shadow_set(NvmeDrv *d, uint64_t base, uint16_t qid, bool cq,
                       uint32_t val)
{
    uint32_t v = cpu_to_le32(val);

    nvme_drv_memwrite(d, base + qid * 8 + (cq ? 4 : 0), &v, 4);
}

/*
 * Controller ready, queue pair 1 created, shadow doorbells configured.
 * In the iothread modes the queues run in an iothread that does not poll:
 * a polling one watches the shadow values by design (dbbuf.c), so what
 * the device does without a doorbell write would depend on timing.
 */
static Shadow setup(uint32_t cq_entries)
{
    bool iot = nvme_drv_mode_iothread();
    Shadow s;

    s.d = nvme_drv_start(iot ? "iothread=nopoll" : NULL,
                         iot ? "-object iothread,id=nopoll,poll-max-ns=0"
                             : NULL);
    nvme_drv_msix_enable(s.d);
    nvme_drv_enable(s.d, 32, 32);
    s.dbs = nvme_drv_alloc(s.d, 4096);
    s.eis = nvme_drv_alloc(s.d, 4096);
    g_assert_cmphex(dbbuf_config(s.d, s.dbs, s.eis), ==, 0);
    g_assert_cmphex(nvme_drv_create_cq(s.d, 1, cq_entries, 1, true), ==, 0);
    g_assert_cmphex(nvme_drv_create_sq(s.d, 1, 1, QSIZE), ==, 0);
    return s;
}

static void put_write(Shadow *s, uint16_t cid, uint64_t slba, uint8_t byte)
{
    uint64_t buf = nvme_drv_alloc(s->d, LBASZ);
    uint8_t data[LBASZ];
    NvmeCmd cmd;

    memset(data, byte, sizeof(data));
    nvme_drv_memwrite(s->d, buf, data, sizeof(data));
    nvme_drv_cmd_init(&cmd, NVME_CMD_WRITE, 1);
    nvme_drv_cmd_set_prp(s->d, &cmd, buf, LBASZ);
    cmd.cdw10 = slba;
    cmd.cid = cid;
    nvme_drv_sq_put(s->d, 1, &cmd);
}

static uint8_t media_byte(Shadow *s, uint64_t slba)
{
    uint8_t b;

    g_assert_cmpint(pread(s->d->img_fd, &b, 1, slba * LBASZ), ==, 1);
    return b;
}

static void test_config_errors(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);
    uint64_t page = nvme_drv_alloc(d, 8192);

    g_assert_cmphex(dbbuf_config(d, page + 8, page + 4096), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(dbbuf_config(d, page, page + 4096 + 512), ==,
                    NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(dbbuf_config(d, 0, page), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(dbbuf_config(d, page, 0), ==, NVME_INVALID_FIELD | DNR);
    g_assert_cmphex(dbbuf_config(d, page, page + 4096), ==, 0);
    nvme_drv_stop(d);
}

/*
 * The SQ tail comes from the shadow buffer: the MMIO write carries a
 * stale value, yet both queued commands run; EventIdx reports the tail.
 */
static void test_shadow_sq_tail(void)
{
    Shadow s = setup(QSIZE);
    NvmeCqe cqe;

    put_write(&s, 0x11, 10, 0xa1);
    put_write(&s, 0x12, 11, 0xa2);
    shadow_set(s.d, s.dbs, 1, false, 2);
    nvme_drv_raw_db(s.d, 1, false, 0);

    nvme_drv_wait_cid(s.d, 1, 0x11, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, 0);
    nvme_drv_wait_cid(s.d, 1, 0x12, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, 0);
    g_assert_cmpuint(media_byte(&s, 10), ==, 0xa1);
    g_assert_cmpuint(media_byte(&s, 11), ==, 0xa2);
    g_assert_cmpuint(shadow_get(s.d, s.eis, 1, false), ==, 2);
    nvme_drv_stop(s.d);
}

/*
 * Without a doorbell write nothing is fetched: the shadow alone is silent.
 * One command goes through the doorbell first, so that the device has
 * looked at the queue after its creation (an iothread looks at its queues
 * again after each admin command that quiesced them) before the shadow
 * moves alone.
 */
static void test_shadow_needs_doorbell(void)
{
    Shadow s = setup(QSIZE);
    NvmeCqe cqe;

    put_write(&s, 0x20, 19, 0xb0);
    shadow_set(s.d, s.dbs, 1, false, 1);
    nvme_drv_raw_db(s.d, 1, false, 1);
    nvme_drv_wait_cid(s.d, 1, 0x20, &cqe);

    put_write(&s, 0x21, 20, 0xb1);
    shadow_set(s.d, s.dbs, 1, false, 2);
    g_assert_false(nvme_drv_poll_cqe(s.d, 1, &cqe, 200, false));
    nvme_drv_raw_db(s.d, 1, false, 2);
    nvme_drv_wait_cid(s.d, 1, 0x21, &cqe);
    g_assert_cmpuint(media_byte(&s, 20), ==, 0xb1);
    nvme_drv_stop(s.d);
}

/*
 * CQ of 2 entries holds one completion.  The second waits; the device
 * publishes the head it waits on, and a head moved in the shadow buffer
 * plus a doorbell signal releases it.
 */
static void test_shadow_cq_head(void)
{
    Shadow s = setup(2);
    uint16_t first;
    NvmeCqe cqe;

    put_write(&s, 0x31, 30, 0xc1);
    put_write(&s, 0x32, 31, 0xc2);
    shadow_set(s.d, s.dbs, 1, false, 2);
    nvme_drv_raw_db(s.d, 1, false, 2);

    g_assert_true(nvme_drv_poll_cqe(s.d, 1, &cqe, 5000, false));
    first = cqe.cid;    /* the backend may finish either write first */
    g_assert_true(first == 0x31 || first == 0x32);
    g_assert_false(nvme_drv_poll_cqe(s.d, 1, &cqe, 200, false));
    g_assert_cmpuint(shadow_get(s.d, s.eis, 1, true), ==, 0);

    shadow_set(s.d, s.dbs, 1, true, s.d->cq[1].head);
    nvme_drv_raw_db(s.d, 1, true, 0x7fff);      /* value is ignored */
    g_assert_true(nvme_drv_poll_cqe(s.d, 1, &cqe, 5000, false));
    g_assert_cmpuint(cqe.cid, ==, first == 0x31 ? 0x32 : 0x31);
    g_assert_cmpuint(media_byte(&s, 30), ==, 0xc1);
    g_assert_cmpuint(media_byte(&s, 31), ==, 0xc2);
    nvme_drv_stop(s.d);
}

/* A shadow tail beyond the queue is ignored; the queue keeps working. */
static void test_shadow_bad_tail(void)
{
    Shadow s = setup(QSIZE);
    NvmeCqe cqe;

    shadow_set(s.d, s.dbs, 1, false, QSIZE + 3);
    nvme_drv_raw_db(s.d, 1, false, 0);
    g_assert_false(nvme_drv_poll_cqe(s.d, 1, &cqe, 200, false));

    put_write(&s, 0x41, 40, 0xd1);
    shadow_set(s.d, s.dbs, 1, false, 1);
    nvme_drv_raw_db(s.d, 1, false, 1);
    nvme_drv_wait_cid(s.d, 1, 0x41, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, 0);
    nvme_drv_stop(s.d);
}

/* A controller reset forgets the buffers: plain doorbells work again. */
static void test_shadow_reset(void)
{
    Shadow s = setup(QSIZE);
    uint8_t data[LBASZ];

    nvme_drv_disable(s.d);
    nvme_drv_enable(s.d, 32, 32);
    nvme_drv_create_qpair(s.d, 1, QSIZE);
    memset(data, 0xe1, sizeof(data));
    g_assert_cmphex(nvme_drv_rw(s.d, 1, NVME_CMD_WRITE, 1, 50, 1, LBASZ,
                                data, 0), ==, 0);
    g_assert_cmpuint(media_byte(&s, 50), ==, 0xe1);
    nvme_drv_stop(s.d);
}

/*
 * Effects log and OACS advertise the command, unless "dbbuf=off": then
 * neither does, and the command is an invalid opcode.
 */
static void advertised(bool on)
{
    NvmeDrv *d = nvme_drv_start_ready(on ? NULL : "dbbuf=off");
    g_autofree NvmeIdCtrl *id = g_new0(NvmeIdCtrl, 1);
    g_autofree uint32_t *acs = g_new0(uint32_t, 1024);
    uint64_t dbs = nvme_drv_alloc(d, 4096), eis = nvme_drv_alloc(d, 4096);
    NvmeCmd cmd;

    g_assert_cmphex(nvme_drv_identify(d, NVME_ID_CNS_CTRL, 0, 0, id), ==, 0);
    g_assert_cmpint(!!(le16_to_cpu(id->oacs) & NVME_OACS_DBCS), ==, on);
    g_assert_cmphex(nvme_drv_get_log(d, NVME_LOG_CMD_EFFECTS, 0, 0, acs,
                                     4096), ==, 0);
    g_assert_cmpint(!!(le32_to_cpu(acs[NVME_ADM_CMD_DBBUF_CONFIG]) &
                       NVME_CMD_EFF_CSUPP), ==, on);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_DBBUF_CONFIG, 0);
    cmd.dptr.prp1 = cpu_to_le64(dbs);
    cmd.dptr.prp2 = cpu_to_le64(eis);
    g_assert_cmphex(nvme_drv_exec(d, 0, &cmd, NULL), ==,
                    on ? NVME_SUCCESS : NVME_INVALID_OPCODE | NVME_DNR);
    nvme_drv_stop(d);
}

static void test_advertised(void)
{
    advertised(true);
}

static void test_not_offered(void)
{
    advertised(false);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/dbbuf/config_errors", test_config_errors);
    qtest_add_func("/nvme/dbbuf/advertised", test_advertised);
    qtest_add_func("/nvme/dbbuf/not-offered", test_not_offered);
    qtest_add_func("/nvme/dbbuf/sq_tail", test_shadow_sq_tail);
    qtest_add_func("/nvme/dbbuf/needs_doorbell", test_shadow_needs_doorbell);
    qtest_add_func("/nvme/dbbuf/cq_head", test_shadow_cq_head);
    qtest_add_func("/nvme/dbbuf/bad_tail", test_shadow_bad_tail);
    qtest_add_func("/nvme/dbbuf/reset", test_shadow_reset);
    return g_test_run();
}
