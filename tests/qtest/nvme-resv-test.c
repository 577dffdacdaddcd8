/*
 * qtest: NVMe reservations on two controllers of one NVM subsystem that
 * share namespace 1, each with its own Host Identifier: Identify fields,
 * Register / Acquire / Release / Report with their key and type rules,
 * the command blocking rules of all six reservation types for a
 * registrant and a non-registrant (the admin commands of the table
 * too), preemption, Preempt and Abort of commands in flight, the Reservation
 * Notification log page with its event and mask, Persist Through Power
 * Loss across a QEMU restart, and hostile inputs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define SLOT_A          4
#define SLOT_B          5
#define LBASZ           512

#define OP_REGISTER     0x0d
#define OP_REPORT       0x0e
#define OP_ACQUIRE      0x11
#define OP_RELEASE      0x15
#define OP_SANITIZE     0x84
#define FID_HOSTID      0x81
#define FID_MASK        0x82
#define FID_PTPL        0x83
#define LOG_RESV        0x80
#define LOG_RAE         (1u << 15)

#define ST_CONFLICT     0x4083  /* Reservation Conflict, DNR */
#define ST_INVALID      0x4002  /* Invalid Field in Command, DNR */
#define ST_HOSTID       0x4018  /* Host Identifier Inconsistent Format */
#define ST_SEQ          0x400c  /* Command Sequence Error */
#define AER_RESV        0x800006    /* log 80h, info 0, I/O cmd set */

#define KEY_A           0xaaaa0000000000a1ULL
#define KEY_B           0xbbbb0000000000b2ULL

enum { REG = 0, UNREG = 1, REPLACE = 2 };
enum { ACQ = 0, PREEMPT = 1, PREEMPT_ABORT = 2 };
enum { REL = 0, CLEAR = 1 };

typedef struct Rig {
    NvmeDrv *a;                 /* cntlid 0 */
    NvmeDrv *b;                 /* cntlid 1 */
} Rig;

/* Two controllers sharing nsid 1; @ns_props added to the nvme-ns. */
static void rig_start(Rig *r, const char *ns_props)
{
    g_autofree char *args = g_strdup_printf(
        "-drive file=@IMG@,if=none,id=d0,format=raw "
        "-device nvme-subsys,id=s0,nqn=qtest-resv "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=%d "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1%s "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=%d",
        SLOT_A, ns_props ? ns_props : "", SLOT_B);

    r->a = nvme_drv_start_pair(args, SLOT_B, &r->b);
    nvme_drv_create_qpair(r->a, 1, 16);
    nvme_drv_create_qpair(r->b, 1, 16);
}

static void rig_stop(Rig *r)
{
    nvme_drv_stop_peer(r->b);
    nvme_drv_stop(r->a);
}

/* Admin or I/O command with @len bytes of data at a fresh buffer. */
static uint16_t exec_data(NvmeDrv *d, uint16_t qid, NvmeCmd *cmd,
                          void *data, uint32_t len, bool to_dev,
                          uint32_t *dw0)
{
    uint64_t buf = nvme_drv_alloc(d, MAX(len, 4096));
    NvmeCqe cqe;
    uint16_t st;

    if (to_dev) {
        nvme_drv_memwrite(d, buf, data, len);
    }
    nvme_drv_cmd_set_prp(d, cmd, buf, MAX(len, 4));
    st = nvme_drv_exec(d, qid, cmd, &cqe);
    if (!to_dev && data) {
        nvme_drv_memread(d, buf, data, len);
    }
    if (dw0) {
        *dw0 = cqe.result;
    }
    guest_free(&d->alloc, buf);
    return st;
}

static uint16_t set_hostid(NvmeDrv *d, uint64_t lo, uint64_t hi, bool ext)
{
    uint64_t id[2] = { cpu_to_le64(lo), cpu_to_le64(hi) };
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_SET_FEATURES, 0);
    cmd.cdw10 = FID_HOSTID;
    cmd.cdw11 = ext;
    return exec_data(d, 0, &cmd, id, ext ? 16 : 8, true, NULL);
}

static uint16_t ns_feature(NvmeDrv *d, bool set, uint8_t fid, uint32_t nsid,
                           uint32_t cdw11, uint32_t *dw0)
{
    NvmeCmd cmd;
    NvmeCqe cqe;
    uint16_t st;

    nvme_drv_cmd_init(&cmd, set ? NVME_ADM_CMD_SET_FEATURES :
                      NVME_ADM_CMD_GET_FEATURES, nsid);
    cmd.cdw10 = fid;
    cmd.cdw11 = cdw11;
    st = nvme_drv_exec(d, 0, &cmd, &cqe);
    if (dw0) {
        *dw0 = cqe.result;
    }
    return st;
}

static uint16_t resv_cmd(NvmeDrv *d, uint8_t op, uint32_t cdw10,
                         uint64_t k1, uint64_t k2)
{
    uint64_t keys[2] = { cpu_to_le64(k1), cpu_to_le64(k2) };
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, op, 1);
    cmd.cdw10 = cdw10;
    return exec_data(d, 1, &cmd, keys, op == OP_RELEASE ? 8 : 16, true,
                     NULL);
}

static uint16_t resv_register(NvmeDrv *d, unsigned rrega, bool iekey,
                              unsigned cptpl, uint64_t crkey, uint64_t nrkey)
{
    return resv_cmd(d, OP_REGISTER, rrega | (iekey << 3) | (cptpl << 30),
                    crkey, nrkey);
}

static uint16_t resv_acquire(NvmeDrv *d, unsigned racqa, unsigned rtype,
                             uint64_t crkey, uint64_t prkey)
{
    return resv_cmd(d, OP_ACQUIRE, racqa | (rtype << 8), crkey, prkey);
}

static uint16_t resv_release(NvmeDrv *d, unsigned rrela, unsigned rtype,
                             uint64_t crkey)
{
    return resv_cmd(d, OP_RELEASE, rrela | (rtype << 8), crkey, 0);
}

/* Reservation Report into @out (an 8 KiB buffer poisoned with 5Ah). */
static uint16_t resv_report(NvmeDrv *d, bool eds, uint32_t numd,
                            uint8_t *out)
{
    uint64_t buf = nvme_drv_alloc(d, 8192);
    uint8_t poison[8192];
    NvmeCmd cmd;
    uint16_t st;

    memset(poison, 0x5a, sizeof(poison));
    nvme_drv_memwrite(d, buf, poison, sizeof(poison));
    nvme_drv_cmd_init(&cmd, OP_REPORT, 1);
    nvme_drv_cmd_set_prp(d, &cmd, buf, 8192);
    cmd.cdw10 = numd;
    cmd.cdw11 = eds;
    st = nvme_drv_exec(d, 1, &cmd, NULL);
    nvme_drv_memread(d, buf, out, 8192);
    guest_free(&d->alloc, buf);
    return st;
}

/* One I/O command of 1 block (zero data) at @slba. */
static uint16_t io(NvmeDrv *d, uint8_t op, uint64_t slba)
{
    uint8_t data[4096] = { 0 };
    NvmeCmd cmd;
    uint32_t len = LBASZ;

    nvme_drv_cmd_init(&cmd, op, 1);
    cmd.cdw10 = slba;
    switch (op) {
    case NVME_CMD_DSM:          /* one range, deallocate */
        stl_le_p(data + 4, 1);
        stq_le_p(data + 8, slba);
        cmd.cdw10 = 0;
        cmd.cdw11 = 1 << 2;
        len = 16;
        break;
    case NVME_CMD_COPY:         /* block @slba to @slba + 1, format 0 */
        stq_le_p(data + 8, slba);
        cmd.cdw10 = slba + 1;
        cmd.cdw12 = 0;
        len = 32;
        break;
    case NVME_CMD_FLUSH:
        cmd.cdw10 = 0;
        len = 0;
        break;
    case NVME_CMD_WRITE_ZEROES:
    case NVME_CMD_VERIFY:
    case NVME_CMD_WRITE_UNCOR:
        len = 0;
        break;
    }
    if (!len) {
        return nvme_drv_exec(d, 1, &cmd, NULL);
    }
    return exec_data(d, 1, &cmd, data, len, op != NVME_CMD_READ, NULL);
}

static const uint8_t read_ops[] = {
    NVME_CMD_READ, NVME_CMD_COMPARE, NVME_CMD_VERIFY,
};
static const uint8_t write_ops[] = {
    NVME_CMD_WRITE_UNCOR, NVME_CMD_WRITE, NVME_CMD_WRITE_ZEROES,
    NVME_CMD_DSM, NVME_CMD_COPY,
};

/* Format NVM (format 0, no erase) or Sanitize (block erase) of @nsid. */
static uint16_t admin_erase(NvmeDrv *d, uint8_t op, uint32_t nsid)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, op, nsid);
    cmd.cdw10 = op == OP_SANITIZE ? 2 : 0;
    return nvme_drv_exec(d, 0, &cmd, NULL);
}

/*
 * Every command of the reservation table's read and write groups through
 * @d: blocked or not.  The admin commands of the write group (Format NVM
 * of the namespace or of all, Sanitize of the subsystem) are only tried
 * where they are blocked, so nothing is erased.  A broadcast Flush names
 * no namespace and is never blocked.
 */
static void expect_access(NvmeDrv *d, bool read_ok, bool write_ok)
{
    NvmeCmd cmd;

    for (unsigned i = 0; i < ARRAY_SIZE(read_ops); i++) {
        g_assert_cmphex(io(d, read_ops[i], 0), ==,
                        read_ok ? NVME_SUCCESS : ST_CONFLICT);
    }
    for (unsigned i = 0; i < ARRAY_SIZE(write_ops); i++) {
        /* Write Uncorrectable first: Write then clears the mark */
        g_assert_cmphex(io(d, write_ops[i], 40), ==,
                        write_ok ? NVME_SUCCESS : ST_CONFLICT);
    }
    g_assert_cmphex(io(d, NVME_CMD_FLUSH, 0), ==,
                    write_ok ? NVME_SUCCESS : ST_CONFLICT);
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 0xffffffff);
    g_assert_cmphex(nvme_drv_exec(d, 1, &cmd, NULL), ==, NVME_SUCCESS);
    if (!write_ok) {
        g_assert_cmphex(admin_erase(d, NVME_ADM_CMD_FORMAT_NVM, 1), ==,
                        ST_CONFLICT);
        g_assert_cmphex(admin_erase(d, NVME_ADM_CMD_FORMAT_NVM, 0xffffffff),
                        ==, ST_CONFLICT);
        g_assert_cmphex(admin_erase(d, OP_SANITIZE, 0), ==,
                        ST_CONFLICT);
    }
}

typedef struct Notice {
    uint64_t count;
    uint8_t type;
    uint8_t avail;
    uint32_t nsid;
} Notice;

static Notice read_notice(NvmeDrv *d, bool rae)
{
    uint8_t page[64];
    NvmeCmd cmd;
    Notice n;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_LOG_PAGE, 0xffffffff);
    cmd.cdw10 = LOG_RESV | (rae ? LOG_RAE : 0) | ((64 / 4 - 1) << 16);
    g_assert_cmphex(exec_data(d, 0, &cmd, page, 64, false, NULL), ==,
                    NVME_SUCCESS);
    n.count = ldq_le_p(page);
    n.type = page[8];
    n.avail = page[9];
    n.nsid = ldl_le_p(page + 12);
    return n;
}

static void expect_notice(NvmeDrv *d, uint8_t type, uint8_t avail)
{
    Notice n = read_notice(d, false);

    g_assert_cmpuint(n.type, ==, type);
    g_assert_cmpuint(n.avail, ==, avail);
    g_assert_cmpuint(n.nsid, ==, 1);
    g_assert_cmpuint(n.count, !=, 0);
}

static void expect_no_notice(NvmeDrv *d)
{
    Notice n = read_notice(d, false);

    g_assert_cmpuint(n.type, ==, 0);
    g_assert_cmpuint(n.count, ==, 0);
}

/* Host ids 1 and 2; A registered with KEY_A, B with KEY_B if @both. */
static void rig_hosts(Rig *r, bool both)
{
    g_assert_cmphex(set_hostid(r->a, 1, 0, false), ==, NVME_SUCCESS);
    g_assert_cmphex(set_hostid(r->b, 2, 0, false), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_register(r->a, REG, false, 0, 0, KEY_A), ==,
                    NVME_SUCCESS);
    if (both) {
        g_assert_cmphex(resv_register(r->b, REG, false, 0, 0, KEY_B), ==,
                        NVME_SUCCESS);
    }
}

static void test_identify(void)
{
    Rig r;
    uint8_t id[4096];
    uint32_t *eff = (uint32_t *)id;
    uint32_t dw0;

    rig_start(&r, NULL);
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_CTRL, 0, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(lduw_le_p(id + 520) & NVME_ONCS_RESRVATIONS, !=, 0);
    g_assert_cmphex(ldl_le_p(id + 96) & 1, ==, 1);     /* CTRATT HIDS */
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS, 1, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(id[31], ==, 0x7e);      /* six types, no PTPL */
    g_assert_cmphex(nvme_drv_identify(r.b, 0x08, 1, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(id[2], ==, 0x7e);       /* independent: RESCAP */
    g_assert_cmphex(nvme_drv_get_log(r.a, NVME_LOG_CMD_EFFECTS, 0, 0, id,
                                     4096), ==, NVME_SUCCESS);
    g_assert_cmphex(le32_to_cpu(eff[256 + OP_REGISTER]) & 1, ==, 1);
    g_assert_cmphex(le32_to_cpu(eff[256 + OP_REPORT]) & 1, ==, 1);
    g_assert_cmphex(le32_to_cpu(eff[256 + OP_ACQUIRE]) & 1, ==, 1);
    g_assert_cmphex(le32_to_cpu(eff[256 + OP_RELEASE]) & 1, ==, 1);
    /* no resv-state: PTPL cannot be set, neither by CPTPL */
    g_assert_cmphex(ns_feature(r.a, false, FID_PTPL, 1, 0, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, 0);
    g_assert_cmphex(ns_feature(r.a, true, FID_PTPL, 1, 1, NULL), ==,
                    ST_INVALID);
    g_assert_cmphex(ns_feature(r.a, true, FID_PTPL, 0xffffffff, 1, NULL), ==,
                    ST_INVALID);
    g_assert_cmphex(ns_feature(r.a, true, FID_PTPL, 0xffffffff, 0, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_get_features(r.a, FID_PTPL, 3, 0, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, NVME_FEAT_CAP_CHANGE | NVME_FEAT_CAP_NS);
    g_assert_cmphex(set_hostid(r.a, 1, 0, false), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_register(r.a, REG, false, 3, 0, KEY_A), ==,
                    ST_INVALID);
    g_assert_cmphex(resv_register(r.a, REG, false, 2, 0, KEY_A), ==,
                    NVME_SUCCESS);
    rig_stop(&r);
}

/* Holder on A, conflict on B, release lets B through. */
static void test_basic_conflict(void)
{
    Rig r;

    rig_start(&r, NULL);
    rig_hosts(&r, false);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 1, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(io(r.b, NVME_CMD_WRITE, 0), ==, ST_CONFLICT);
    g_assert_cmphex(io(r.b, NVME_CMD_READ, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(io(r.a, NVME_CMD_WRITE, 0), ==, NVME_SUCCESS);
    /* acquiring again as held is fine; another type or host is not */
    g_assert_cmphex(resv_acquire(r.a, ACQ, 1, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 2, KEY_A, 0), ==, ST_CONFLICT);
    g_assert_cmphex(resv_register(r.b, REG, false, 0, 0, KEY_B), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(resv_acquire(r.b, ACQ, 1, KEY_B, 0), ==, ST_CONFLICT);
    /* a registrant that does not hold it: release has no effect */
    g_assert_cmphex(resv_release(r.b, REL, 1, KEY_B), ==, NVME_SUCCESS);
    g_assert_cmphex(io(r.b, NVME_CMD_WRITE, 0), ==, ST_CONFLICT);
    /* the holder with the wrong type */
    g_assert_cmphex(resv_release(r.a, REL, 2, KEY_A), ==, ST_INVALID);
    g_assert_cmphex(resv_release(r.a, REL, 1, KEY_A), ==, NVME_SUCCESS);
    g_assert_cmphex(io(r.b, NVME_CMD_WRITE, 0), ==, NVME_SUCCESS);
    rig_stop(&r);
}

/* The blocking table of every type for a non-registrant and registrant. */
static void test_types(void)
{
    static const struct {
        bool nonreg_read, reg_read, reg_write;
    } t[7] = {
        [1] = { true, true, false },    /* Write Exclusive */
        [2] = { false, false, false },  /* Exclusive Access */
        [3] = { true, true, true },     /* WE - Registrants Only */
        [4] = { false, true, true },    /* EA - Registrants Only */
        [5] = { true, true, true },     /* WE - All Registrants */
        [6] = { false, true, true },    /* EA - All Registrants */
    };
    Rig r;

    rig_start(&r, NULL);
    g_assert_cmphex(set_hostid(r.a, 1, 0, false), ==, NVME_SUCCESS);
    g_assert_cmphex(set_hostid(r.b, 2, 0, false), ==, NVME_SUCCESS);
    for (unsigned type = 1; type <= 6; type++) {
        g_test_message("reservation type %u", type);
        g_assert_cmphex(resv_register(r.a, REG, false, 0, 0, KEY_A), ==,
                        NVME_SUCCESS);
        g_assert_cmphex(resv_acquire(r.a, ACQ, type, KEY_A, 0), ==,
                        NVME_SUCCESS);
        expect_access(r.a, true, true);                 /* holder */
        expect_access(r.b, t[type].nonreg_read, false); /* non-registrant */
        g_assert_cmphex(resv_register(r.b, REG, false, 0, 0, KEY_B), ==,
                        NVME_SUCCESS);
        expect_access(r.b, t[type].reg_read, t[type].reg_write);
        expect_access(r.a, true, true);
        g_assert_cmphex(resv_release(r.a, CLEAR, 0, KEY_A), ==,
                        NVME_SUCCESS);
        expect_access(r.b, true, true);
    }
    rig_stop(&r);
}

/* Register, replace, unregister: keys, IEKEY, actions, host ids. */
static void test_register_keys(void)
{
    Rig r;
    uint8_t rep[8192];

    rig_start(&r, NULL);
    rig_hosts(&r, false);
    g_assert_cmphex(resv_register(r.a, REG, false, 0, 0, KEY_A), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(resv_register(r.a, REG, false, 0, 0, KEY_B), ==,
                    ST_CONFLICT);
    g_assert_cmphex(resv_register(r.a, UNREG, false, 0, KEY_B, 0), ==,
                    ST_CONFLICT);
    g_assert_cmphex(resv_register(r.a, REPLACE, false, 0, KEY_B, 7), ==,
                    ST_CONFLICT);
    g_assert_cmphex(resv_register(r.a, REPLACE, false, 0, KEY_A, 7), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 1, KEY_A, 0), ==, ST_CONFLICT);
    g_assert_cmphex(resv_release(r.a, REL, 1, KEY_A), ==, ST_CONFLICT);
    g_assert_cmphex(resv_register(r.a, REPLACE, true, 0, 0, 8), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 1, 8, 0), ==, NVME_SUCCESS);
    /* the host identifier cannot change while registered */
    g_assert_cmphex(set_hostid(r.a, 9, 0, false), ==, ST_SEQ);
    /* non-registrant B */
    g_assert_cmphex(resv_register(r.b, UNREG, true, 0, 0, 0), ==,
                    ST_CONFLICT);
    g_assert_cmphex(resv_register(r.b, REPLACE, true, 0, 0, 1), ==,
                    ST_CONFLICT);
    g_assert_cmphex(resv_acquire(r.b, ACQ, 1, 0, 0), ==, ST_CONFLICT);
    g_assert_cmphex(resv_release(r.b, REL, 1, 0), ==, ST_CONFLICT);
    g_assert_cmphex(resv_acquire(r.b, PREEMPT, 1, 0, 8), ==, ST_CONFLICT);
    /* unregistering the holder ends a Write Exclusive reservation */
    g_assert_cmphex(resv_register(r.a, UNREG, true, 0, 12345, 0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(io(r.b, NVME_CMD_WRITE, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_report(r.a, false, 1023, rep), ==, NVME_SUCCESS);
    g_assert_cmphex(rep[4], ==, 0);
    g_assert_cmphex(lduw_le_p(rep + 5), ==, 0);
    g_assert_cmphex(ldl_le_p(rep), ==, 5);  /* five good Registers */
    g_assert_cmphex(set_hostid(r.a, 9, 0, false), ==, NVME_SUCCESS);
    rig_stop(&r);
}

/* Controllers with the same host id are one host; zero ids are not. */
static void test_hosts(void)
{
    Rig r;
    uint8_t rep[8192];

    rig_start(&r, NULL);
    /* both zero: two hosts */
    g_assert_cmphex(resv_register(r.a, REG, false, 0, 0, KEY_A), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 1, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(io(r.b, NVME_CMD_WRITE, 0), ==, ST_CONFLICT);
    g_assert_cmphex(resv_register(r.b, REG, false, 0, 0, KEY_B), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(resv_report(r.b, false, 1023, rep), ==, NVME_SUCCESS);
    g_assert_cmphex(lduw_le_p(rep + 5), ==, 2);
    g_assert_cmphex(ldq_le_p(rep + 24 + 8), ==, 0);     /* HOSTID */
    g_assert_cmphex(resv_release(r.a, CLEAR, 0, KEY_A), ==, NVME_SUCCESS);
    /* both 5: one host, registered and holding through either */
    g_assert_cmphex(set_hostid(r.a, 5, 0, false), ==, NVME_SUCCESS);
    g_assert_cmphex(set_hostid(r.b, 5, 0, false), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_register(r.a, REG, false, 0, 0, KEY_A), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(resv_register(r.b, REG, false, 0, 0, KEY_A), ==,
                    NVME_SUCCESS);  /* same host, same key */
    g_assert_cmphex(resv_register(r.b, REG, false, 0, 0, KEY_B), ==,
                    ST_CONFLICT);
    g_assert_cmphex(resv_acquire(r.b, ACQ, 2, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(io(r.a, NVME_CMD_WRITE, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(io(r.b, NVME_CMD_READ, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_report(r.a, false, 1023, rep), ==, NVME_SUCCESS);
    g_assert_cmphex(rep[4], ==, 2);
    g_assert_cmphex(lduw_le_p(rep + 5), ==, 2);     /* both controllers */
    for (int i = 0; i < 2; i++) {
        uint8_t *e = rep + 24 + 24 * i;

        g_assert_cmphex(lduw_le_p(e), ==, i);       /* CNTLID */
        g_assert_cmphex(e[2], ==, 1);               /* holds it */
        g_assert_cmphex(ldq_le_p(e + 8), ==, 5);
        g_assert_cmphex(ldq_le_p(e + 16), ==, KEY_A);
    }
    rig_stop(&r);
}

/* Report contents with EDS 0 and 1, short and huge buffers. */
static void test_report(void)
{
    Rig r;
    uint8_t rep[8192];

    rig_start(&r, NULL);
    rig_hosts(&r, true);
    g_assert_cmphex(resv_acquire(r.b, ACQ, 3, KEY_B, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_report(r.a, false, 1023, rep), ==, NVME_SUCCESS);
    g_assert_cmphex(ldl_le_p(rep), ==, 2);          /* GEN */
    g_assert_cmphex(rep[4], ==, 3);                 /* RTYPE */
    g_assert_cmphex(lduw_le_p(rep + 5), ==, 2);     /* REGCTL */
    g_assert_cmphex(rep[9], ==, 0);                 /* PTPLS */
    g_assert_cmphex(lduw_le_p(rep + 24), ==, 0);
    g_assert_cmphex(rep[24 + 2], ==, 0);
    g_assert_cmphex(ldq_le_p(rep + 24 + 8), ==, 1);
    g_assert_cmphex(ldq_le_p(rep + 24 + 16), ==, KEY_A);
    g_assert_cmphex(lduw_le_p(rep + 48), ==, 1);
    g_assert_cmphex(rep[48 + 2], ==, 1);
    g_assert_cmphex(ldq_le_p(rep + 48 + 8), ==, 2);
    g_assert_cmphex(ldq_le_p(rep + 48 + 16), ==, KEY_B);
    g_assert_cmphex(rep[72], ==, 0);    /* the rest of NUMD: zeroes */
    g_assert_cmphex(rep[4095], ==, 0);
    g_assert_cmphex(rep[4096], ==, 0x5a);   /* nothing beyond NUMD */
    /* extended: 64-byte header and entries, key before the host id */
    g_assert_cmphex(resv_report(r.a, true, 1023, rep), ==, NVME_SUCCESS);
    g_assert_cmphex(rep[4], ==, 3);
    g_assert_cmphex(lduw_le_p(rep + 5), ==, 2);
    g_assert_cmphex(lduw_le_p(rep + 128), ==, 1);
    g_assert_cmphex(rep[128 + 2], ==, 1);
    g_assert_cmphex(ldq_le_p(rep + 128 + 8), ==, KEY_B);
    g_assert_cmphex(ldq_le_p(rep + 128 + 16), ==, 2);
    g_assert_cmphex(ldq_le_p(rep + 128 + 24), ==, 0);
    g_assert_cmphex(rep[192], ==, 0);
    g_assert_cmphex(rep[4096], ==, 0x5a);
    /* short: two dwords only */
    g_assert_cmphex(resv_report(r.a, false, 1, rep), ==, NVME_SUCCESS);
    g_assert_cmphex(rep[4], ==, 3);
    g_assert_cmphex(rep[8], ==, 0x5a);
    /* huge: beyond MDTS */
    g_assert_cmphex(resv_report(r.a, false, 0xffffffff, rep), ==,
                    ST_INVALID);
    rig_stop(&r);
}

/* 128-bit host identifiers: EDS required, sizes must agree. */
static void test_hostid128(void)
{
    Rig r;
    uint8_t rep[8192];
    uint8_t id[16];
    NvmeCmd cmd;

    rig_start(&r, NULL);
    g_assert_cmphex(set_hostid(r.a, 0x1111, 0x2222, true), ==, NVME_SUCCESS);
    g_assert_cmphex(set_hostid(r.b, 3, 0, false), ==, NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_GET_FEATURES, 0);
    cmd.cdw10 = FID_HOSTID;
    cmd.cdw11 = 1;
    g_assert_cmphex(exec_data(r.a, 0, &cmd, id, 16, false, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(ldq_le_p(id), ==, 0x1111);
    g_assert_cmphex(ldq_le_p(id + 8), ==, 0x2222);
    cmd.cdw11 = 0;
    g_assert_cmphex(exec_data(r.a, 0, &cmd, id, 8, false, NULL), ==,
                    ST_HOSTID);
    g_assert_cmphex(resv_report(r.a, false, 1023, rep), ==, ST_HOSTID);
    g_assert_cmphex(resv_register(r.a, REG, false, 0, 0, KEY_A), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(resv_register(r.b, REG, false, 0, 0, KEY_B), ==,
                    ST_HOSTID);
    g_assert_cmphex(resv_report(r.b, false, 1023, rep), ==, ST_HOSTID);
    g_assert_cmphex(resv_report(r.b, true, 1023, rep), ==, NVME_SUCCESS);
    g_assert_cmphex(lduw_le_p(rep + 5), ==, 1);
    g_assert_cmphex(ldq_le_p(rep + 64 + 8), ==, KEY_A);
    g_assert_cmphex(ldq_le_p(rep + 64 + 16), ==, 0x1111);
    g_assert_cmphex(ldq_le_p(rep + 64 + 24), ==, 0x2222);
    rig_stop(&r);
}

/* Preempt and preempt-and-abort, with their notices. */
static void test_preempt(void)
{
    Rig r;
    uint8_t rep[8192];

    rig_start(&r, NULL);
    rig_hosts(&r, true);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 3, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_acquire(r.b, PREEMPT, 3, KEY_B, 0), ==,
                    ST_INVALID);            /* 0 is not the holder's key */
    g_assert_cmphex(resv_acquire(r.b, PREEMPT, 3, KEY_B, 99), ==,
                    ST_CONFLICT);           /* nobody has it */
    g_assert_cmphex(resv_acquire(r.b, PREEMPT, 2, KEY_B, KEY_A), ==,
                    NVME_SUCCESS);
    expect_notice(r.a, 1, 0);               /* registration preempted */
    expect_no_notice(r.b);
    g_assert_cmphex(io(r.a, NVME_CMD_READ, 0), ==, ST_CONFLICT);
    g_assert_cmphex(io(r.b, NVME_CMD_WRITE, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_report(r.a, false, 1023, rep), ==, NVME_SUCCESS);
    g_assert_cmphex(rep[4], ==, 2);
    g_assert_cmphex(lduw_le_p(rep + 5), ==, 1);
    g_assert_cmphex(lduw_le_p(rep + 24), ==, 1);
    g_assert_cmphex(ldl_le_p(rep), ==, 3);
    /* all registrants: PRKEY 0 takes over, the others go */
    g_assert_cmphex(resv_register(r.a, REG, false, 0, 0, KEY_A), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(resv_release(r.b, REL, 2, KEY_B), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_acquire(r.b, ACQ, 6, KEY_B, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(io(r.a, NVME_CMD_WRITE, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_acquire(r.a, PREEMPT_ABORT, 1, KEY_A, 0), ==,
                    NVME_SUCCESS);
    expect_notice(r.b, 1, 0);
    g_assert_cmphex(io(r.b, NVME_CMD_WRITE, 0), ==, ST_CONFLICT);
    g_assert_cmphex(io(r.b, NVME_CMD_READ, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_report(r.b, false, 1023, rep), ==, NVME_SUCCESS);
    g_assert_cmphex(rep[4], ==, 1);
    g_assert_cmphex(lduw_le_p(rep + 5), ==, 1);
    g_assert_cmphex(lduw_le_p(rep + 24), ==, 0);
    g_assert_cmphex(rep[24 + 2], ==, 1);
    /* the holder changes the type by preempting itself: B is told */
    g_assert_cmphex(resv_register(r.b, REG, false, 0, 0, KEY_B), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(resv_acquire(r.a, PREEMPT, 2, KEY_A, KEY_A), ==,
                    NVME_SUCCESS);
    expect_notice(r.b, 3, 0);               /* reservation preempted */
    expect_no_notice(r.a);
    g_assert_cmphex(io(r.b, NVME_CMD_READ, 0), ==, ST_CONFLICT);
    g_assert_cmphex(resv_report(r.b, false, 1023, rep), ==, NVME_SUCCESS);
    g_assert_cmphex(rep[4], ==, 2);
    g_assert_cmphex(lduw_le_p(rep + 5), ==, 2);
    rig_stop(&r);
}

/*
 * Preempt and Abort with commands in flight: host B's reads and writes on
 * namespace 1, whose backend answers after 400 ms, are still running when
 * host A preempts B with Preempt and Abort.  They complete with Command
 * Aborted due to Preempt and Abort (1Bh), the Acquire completes after
 * them, B's command to namespace 2 is left alone, and B's next command
 * meets the new reservation.
 */
static void test_preempt_abort_inflight(void)
{
    g_autofree char *args = g_strdup_printf(
        "-drive driver=null-co,size=16777216,latency-ns=400000000,"
        "read-zeroes=on,if=none,id=d0 "
        "-drive driver=null-co,size=16777216,latency-ns=400000000,"
        "read-zeroes=on,if=none,id=d1 "
        "-device nvme-subsys,id=s0,nqn=qtest-resv "
        "-device nvme,id=c0,serial=qtest-a,subsys=s0,addr=%d "
        "-device nvme-ns,drive=d0,bus=c0,nsid=1 "
        "-device nvme-ns,drive=d1,bus=c0,nsid=2 "
        "-device nvme,id=c1,serial=qtest-b,subsys=s0,addr=%d",
        SLOT_A, SLOT_B);
    uint16_t cid[8], other;
    NvmeErrorLog log;
    NvmeCqe cqe;
    NvmeCmd cmd;
    Rig r;

    r.a = nvme_drv_start_pair(args, SLOT_B, &r.b);
    nvme_drv_create_qpair(r.a, 1, 16);
    nvme_drv_create_qpair(r.b, 1, 32);
    rig_hosts(&r, true);
    g_assert_cmphex(resv_acquire(r.b, ACQ, 1, KEY_B, 0), ==, NVME_SUCCESS);
    for (unsigned i = 0; i < ARRAY_SIZE(cid); i++) {
        uint64_t buf = nvme_drv_alloc(r.b, 4096);

        nvme_drv_cmd_init(&cmd, i & 1 ? NVME_CMD_WRITE : NVME_CMD_READ, 1);
        nvme_drv_cmd_set_prp(r.b, &cmd, buf, 4096);
        cmd.cdw10 = i * 8;
        cmd.cdw12 = 7;
        cid[i] = nvme_drv_submit(r.b, 1, &cmd);
    }
    nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 2);
    nvme_drv_cmd_set_prp(r.b, &cmd, nvme_drv_alloc(r.b, 4096), 512);
    other = nvme_drv_submit(r.b, 1, &cmd);
    /*
     * A Flush of namespace 2 (no latency) behind them on the same SQ: once
     * it completes, B's controller has fetched and started every command
     * before it, also when B's queue runs in an iothread.
     */
    nvme_drv_cmd_init(&cmd, NVME_CMD_FLUSH, 2);
    nvme_drv_wait_cid(r.b, 1, nvme_drv_submit(r.b, 1, &cmd), &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);

    g_assert_cmphex(resv_acquire(r.a, PREEMPT_ABORT, 2, KEY_A, KEY_B), ==,
                    NVME_SUCCESS);
    for (unsigned i = 0; i < ARRAY_SIZE(cid); i++) {
        nvme_drv_wait_cid(r.b, 1, cid[i], &cqe);
        g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, 0x1b);
    }
    nvme_drv_wait_cid(r.b, 1, other, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
    g_assert_cmphex(nvme_drv_get_log(r.b, NVME_LOG_ERROR_INFO, 0, 0, &log,
                                     sizeof(log)), ==, NVME_SUCCESS);
    g_assert_cmphex(le16_to_cpu(log.status_field) >> 1, ==, 0x1b);
    expect_notice(r.b, 1, 0);               /* registration preempted */
    g_assert_cmphex(io(r.b, NVME_CMD_READ, 0), ==, ST_CONFLICT);
    g_assert_cmphex(io(r.a, NVME_CMD_WRITE, 0), ==, NVME_SUCCESS);
    /* a plain Preempt aborts nothing */
    g_assert_cmphex(resv_register(r.b, REG, false, 0, 0, KEY_B), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(resv_release(r.a, REL, 2, KEY_A), ==, NVME_SUCCESS);
    nvme_drv_cmd_init(&cmd, NVME_CMD_READ, 1);
    nvme_drv_cmd_set_prp(r.b, &cmd, nvme_drv_alloc(r.b, 4096), 512);
    other = nvme_drv_submit(r.b, 1, &cmd);
    g_assert_cmphex(resv_acquire(r.a, PREEMPT, 1, KEY_A, KEY_B), ==,
                    NVME_SUCCESS);
    nvme_drv_wait_cid(r.b, 1, other, &cqe);
    g_assert_cmphex(NVME_DRV_STATUS(&cqe), ==, NVME_SUCCESS);
    rig_stop(&r);
}

/*
 * The admin commands of the write group run for a host the reservation
 * lets write: the holder's Format NVM, and a registrant's under
 * Registrants Only; a mere registrant of Write Exclusive gets a conflict.
 */
static void test_admin_allowed(void)
{
    Rig r;

    rig_start(&r, NULL);
    rig_hosts(&r, true);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 1, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(admin_erase(r.a, NVME_ADM_CMD_FORMAT_NVM, 1), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(admin_erase(r.b, NVME_ADM_CMD_FORMAT_NVM, 1), ==,
                    ST_CONFLICT);
    g_assert_cmphex(resv_release(r.a, REL, 1, KEY_A), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 3, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(admin_erase(r.b, NVME_ADM_CMD_FORMAT_NVM, 0xffffffff),
                    ==, NVME_SUCCESS);
    rig_stop(&r);
}

/* Release and clear notices, the AER, RAE and the mask feature. */
static void test_notices(void)
{
    Rig r;
    uint16_t cid;
    uint32_t dw0;

    rig_start(&r, NULL);
    rig_hosts(&r, true);
    cid = nvme_drv_submit_aer(r.b);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 4, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_release(r.a, REL, 4, KEY_A), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(r.b, cid, AER_RESV);
    expect_no_notice(r.a);
    /* a second notice while the first is unread: no second event yet */
    cid = nvme_drv_submit_aer(r.b);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 5, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_release(r.a, REL, 5, KEY_A), ==, NVME_SUCCESS);
    nvme_drv_expect_no_aer(r.b);
    {
        Notice n1 = read_notice(r.b, true), n2;

        g_assert_cmpuint(n1.type, ==, 2);   /* reservation released */
        g_assert_cmpuint(n1.avail, ==, 1);
        g_assert_cmpuint(n1.nsid, ==, 1);
        n2 = read_notice(r.b, true);        /* RAE: still masked */
        g_assert_cmpuint(n2.type, ==, 2);
        g_assert_cmpuint(n2.avail, ==, 0);
        g_assert_cmpuint(n2.count, ==, n1.count + 1);
    }
    nvme_drv_expect_no_aer(r.b);
    expect_no_notice(r.b);                  /* unmasks; nothing left */
    /* Write Exclusive: release tells nobody */
    g_assert_cmphex(resv_acquire(r.a, ACQ, 1, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_release(r.a, REL, 1, KEY_A), ==, NVME_SUCCESS);
    nvme_drv_expect_no_aer(r.b);
    /* clear: reservation preempted for the others, all unregistered */
    g_assert_cmphex(resv_acquire(r.a, ACQ, 2, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_release(r.a, CLEAR, 0, KEY_A), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(r.b, cid, AER_RESV);
    expect_notice(r.b, 3, 0);
    expect_no_notice(r.a);
    g_assert_cmphex(resv_acquire(r.b, ACQ, 1, KEY_B, 0), ==, ST_CONFLICT);
    /* mask "reservation released" on B for nsid 1 */
    rig_hosts(&r, true);
    g_assert_cmphex(ns_feature(r.b, true, FID_MASK, 1, 1 << 2, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(ns_feature(r.b, false, FID_MASK, 1, 0, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, 1 << 2);
    g_assert_cmphex(ns_feature(r.b, false, FID_MASK, 0, 0, NULL), ==,
                    0x400b);                /* namespace specific */
    g_assert_cmphex(ns_feature(r.b, false, FID_MASK, 2, 0, NULL), ==,
                    ST_INVALID);            /* not attached */
    cid = nvme_drv_submit_aer(r.b);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 3, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_release(r.a, REL, 3, KEY_A), ==, NVME_SUCCESS);
    nvme_drv_expect_no_aer(r.b);
    expect_no_notice(r.b);
    /* FFFFFFFFh sets every namespace; preempted still comes through */
    g_assert_cmphex(ns_feature(r.b, true, FID_MASK, 0xffffffff, 1 << 1,
                               NULL), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_release(r.a, CLEAR, 0, KEY_A), ==, NVME_SUCCESS);
    nvme_drv_expect_aer(r.b, cid, AER_RESV);
    expect_notice(r.b, 3, 0);
    rig_stop(&r);
}

/*
 * A controller reset keeps the host identifier, the registrations and the
 * unread notices; the notification mask returns to its default.
 */
static void test_reset(void)
{
    Rig r;
    uint32_t dw0;

    rig_start(&r, NULL);
    rig_hosts(&r, true);
    g_assert_cmphex(ns_feature(r.b, true, FID_MASK, 1, 1 << 3, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 3, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_release(r.a, REL, 3, KEY_A), ==, NVME_SUCCESS);
    nvme_drv_disable(r.b);
    nvme_drv_enable(r.b, 32, 32);
    nvme_drv_create_qpair(r.b, 1, 16);
    g_assert_cmphex(ns_feature(r.b, false, FID_MASK, 1, 0, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, 0);
    expect_notice(r.b, 2, 0);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 1, KEY_A, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(io(r.b, NVME_CMD_WRITE, 0), ==, ST_CONFLICT);
    g_assert_cmphex(resv_acquire(r.b, ACQ, 1, KEY_B, 0), ==, ST_CONFLICT);
    g_assert_cmphex(resv_register(r.b, UNREG, false, 0, KEY_B, 0), ==,
                    NVME_SUCCESS);          /* still host 2's key */
    rig_stop(&r);
}

/* Hostile values: actions, types, CPTPL, bad NSIDs. */
static void test_hostile(void)
{
    Rig r;
    NvmeCmd cmd;

    rig_start(&r, NULL);
    rig_hosts(&r, true);
    for (unsigned a = 3; a < 8; a++) {
        g_assert_cmphex(resv_register(r.a, a, false, 0, KEY_A, 1), ==,
                        ST_INVALID);
        g_assert_cmphex(resv_acquire(r.a, a, 1, KEY_A, 0), ==, ST_INVALID);
    }
    for (unsigned a = 2; a < 8; a++) {
        g_assert_cmphex(resv_release(r.a, a, 1, KEY_A), ==, ST_INVALID);
    }
    g_assert_cmphex(resv_acquire(r.a, ACQ, 0, KEY_A, 0), ==, ST_INVALID);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 7, KEY_A, 0), ==, ST_INVALID);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 0xff, KEY_A, 0), ==, ST_INVALID);
    g_assert_cmphex(resv_register(r.a, REG, false, 1, 0, KEY_A), ==,
                    ST_INVALID);            /* CPTPL 01b is reserved */
    g_assert_cmphex(resv_acquire(r.a, ACQ, 1, KEY_B, 0), ==, ST_CONFLICT);
    /* inactive and invalid namespaces */
    nvme_drv_cmd_init(&cmd, OP_REPORT, 2);
    cmd.cdw10 = 15;
    g_assert_cmphex(nvme_drv_exec(r.a, 1, &cmd, NULL), ==, ST_INVALID);
    nvme_drv_cmd_init(&cmd, OP_ACQUIRE, 0xffffffff);
    g_assert_cmphex(nvme_drv_exec(r.a, 1, &cmd, NULL), ==, 0x400b);
    /* a data pointer outside guest RAM */
    nvme_drv_cmd_init(&cmd, OP_REGISTER, 1);
    cmd.dptr.prp1 = cpu_to_le64(0xfff0000000000ULL);
    g_assert_cmphex(nvme_drv_exec(r.a, 1, &cmd, NULL) & 0x7ff, ==,
                    NVME_DATA_TRAS_ERROR);
    /* nothing changed */
    g_assert_cmphex(io(r.b, NVME_CMD_WRITE, 0), ==, NVME_SUCCESS);
    rig_stop(&r);
}

/* PTPL: state kept in resv-state across a QEMU restart. */
static void test_ptpl(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvme-resv-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "ns1.resv", NULL);
    g_autofree char *props = g_strdup_printf(",resv-state=%s", path);
    uint8_t id[4096], rep[8192];
    uint32_t dw0;
    Rig r;

    rig_start(&r, props);
    g_assert_true(g_file_test(path, G_FILE_TEST_EXISTS));
    {
        g_autofree char *tmp = g_strdup_printf("%s.tmp", path);

        g_assert_false(g_file_test(tmp, G_FILE_TEST_EXISTS));
    }
    g_assert_cmphex(nvme_drv_identify(r.a, NVME_ID_CNS_NS, 1, 0, id), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(id[31], ==, 0x7f);
    rig_hosts(&r, true);
    g_assert_cmphex(resv_register(r.a, REPLACE, false, 3, KEY_A, KEY_A), ==,
                    NVME_SUCCESS);          /* CPTPL 11b: persist */
    g_assert_cmphex(ns_feature(r.b, false, FID_PTPL, 1, 0, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, 1);
    g_assert_cmphex(resv_acquire(r.a, ACQ, 4, KEY_A, 0), ==, NVME_SUCCESS);
    rig_stop(&r);

    rig_start(&r, props);
    /* no host ids yet: the report names the hosts without controllers */
    g_assert_cmphex(resv_report(r.a, false, 1023, rep), ==, NVME_SUCCESS);
    g_assert_cmphex(rep[4], ==, 4);
    g_assert_cmphex(rep[9], ==, 1);
    g_assert_cmphex(lduw_le_p(rep + 5), ==, 2);
    g_assert_cmphex(lduw_le_p(rep + 24), ==, 0xffff);
    g_assert_cmphex(ldq_le_p(rep + 24 + 8), ==, 1);
    g_assert_cmphex(rep[24 + 2], ==, 1);
    g_assert_cmphex(io(r.a, NVME_CMD_READ, 0), ==, ST_CONFLICT);
    g_assert_cmphex(set_hostid(r.a, 1, 0, false), ==, NVME_SUCCESS);
    g_assert_cmphex(set_hostid(r.b, 2, 0, false), ==, NVME_SUCCESS);
    g_assert_cmphex(io(r.a, NVME_CMD_WRITE, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(io(r.b, NVME_CMD_WRITE, 0), ==, NVME_SUCCESS);
    g_assert_cmphex(resv_release(r.a, REL, 4, KEY_A), ==, NVME_SUCCESS);
    /* PTPL off (all namespaces): the next power on starts empty */
    g_assert_cmphex(ns_feature(r.a, true, FID_PTPL, 0xffffffff, 0, NULL), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(ns_feature(r.b, false, FID_PTPL, 1, 0, &dw0), ==,
                    NVME_SUCCESS);
    g_assert_cmphex(dw0, ==, 0);
    rig_stop(&r);

    rig_start(&r, props);
    g_assert_cmphex(resv_report(r.a, false, 1023, rep), ==, NVME_SUCCESS);
    g_assert_cmphex(rep[4], ==, 0);
    g_assert_cmphex(rep[9], ==, 0);
    g_assert_cmphex(lduw_le_p(rep + 5), ==, 0);
    g_assert_cmphex(ldl_le_p(rep), ==, 3);  /* the generation stays */
    rig_stop(&r);
    unlink(path);
    rmdir(dir);
}

/* A corrupt state file fails realize with a message, not a crash. */
static void test_corrupt_file(void)
{
    g_autofree char *dir = g_dir_make_tmp("nvme-resv-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "ns1.resv", NULL);
    g_autofree char *img = nvme_drv_make_image(1024 * 1024);
    const char *qemu = g_getenv("QTEST_QEMU_BINARY");
    static const struct {
        const char *data;
        size_t len;
    } bad[] = {
        { "garbage", 7 }, { "QNVMRESV\x01\x00\x00\x00", 12 }, { "", 0 },
    };
    g_autofree char *good = NULL;
    gsize good_len;

    g_assert_nonnull(qemu);
    /* a valid file to start from: made by a real run */
    {
        g_autofree char *props = g_strdup_printf(",resv-state=%s", path);
        Rig r;

        rig_start(&r, props);
        rig_hosts(&r, true);
        g_assert_cmphex(ns_feature(r.a, true, FID_PTPL, 1, 1, NULL), ==,
                        NVME_SUCCESS);
        rig_stop(&r);
        g_assert_true(g_file_get_contents(path, &good, &good_len, NULL));
        g_assert_cmpuint(good_len, ==, 32 + 2 * 32 + 4);
    }
    for (int i = 0; i < 5; i++) {
        g_autofree char *cmd = NULL, *err = NULL;
        g_autofree char *data = g_memdup2(good, good_len);
        gsize len = good_len;
        int status;

        if (i < 3) {
            g_free(data);
            data = g_memdup2(bad[i].data, bad[i].len + 1);
            len = bad[i].len;
        } else if (i == 3) {
            data[40] ^= 1;          /* a key bit: CRC mismatch */
        } else {
            len -= 1;               /* truncated */
        }
        g_assert_true(g_file_set_contents(path, data, len, NULL));
        cmd = g_strdup_printf("timeout 60 %s -machine q35 -accel qtest "
                              "-display none -nodefaults "
                              "-drive file=%s,if=none,id=d0,format=raw "
                              "-device nvme,id=c0,serial=x "
                              "-device nvme-ns,drive=d0,bus=c0,"
                              "resv-state=%s", qemu, img, path);
        g_assert_true(g_spawn_command_line_sync(cmd, NULL, &err, &status,
                                                NULL));
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 1);
        g_assert_nonnull(strstr(err, "nvme-ns: resv-state"));
        g_assert_null(strstr(err, "Assertion"));
    }
    unlink(path);
    unlink(img);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/resv/identify", test_identify);
    qtest_add_func("/nvme/resv/basic-conflict", test_basic_conflict);
    qtest_add_func("/nvme/resv/types", test_types);
    qtest_add_func("/nvme/resv/register-keys", test_register_keys);
    qtest_add_func("/nvme/resv/hosts", test_hosts);
    qtest_add_func("/nvme/resv/report", test_report);
    qtest_add_func("/nvme/resv/hostid128", test_hostid128);
    qtest_add_func("/nvme/resv/preempt", test_preempt);
    qtest_add_func("/nvme/resv/preempt-abort-inflight",
                   test_preempt_abort_inflight);
    qtest_add_func("/nvme/resv/admin-allowed", test_admin_allowed);
    qtest_add_func("/nvme/resv/notices", test_notices);
    qtest_add_func("/nvme/resv/reset", test_reset);
    qtest_add_func("/nvme/resv/hostile", test_hostile);
    qtest_add_func("/nvme/resv/ptpl", test_ptpl);
    qtest_add_func("/nvme/resv/corrupt-file", test_corrupt_file);
    return g_test_run();
}
