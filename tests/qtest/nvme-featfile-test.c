/*
 * qtest: saved features across QEMU restarts (-device nvme,features-file=).
 * Set Features with Save writes the file; a new QEMU on the same file
 * reports the values as saved and, after power-on, as current.  A missing
 * file is fine; a corrupt or foreign file keeps QEMU from starting with
 * a message; a save that cannot be written fails with Internal Error and
 * changes nothing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "libqtest.h"
#include "libqos/nvme-drv.h"

#define SEL_CUR     0
#define SEL_DFLT    1
#define SEL_SAVED   2
#define SV          (1u << 31)
#define FF_SIZE     64
#define ARB_SAVED   0x30201003u
#define TEMP_OVER   0x150       /* 336 K; default 343 */
#define TEMP_UNDER  (0x100 | (1u << 20))    /* THSEL 1: under threshold */

/* Set Features with the Save bit. */
static uint16_t set_saved(NvmeDrv *d, uint8_t fid, uint32_t cdw11)
{
    NvmeCmd cmd;

    nvme_drv_cmd_init(&cmd, NVME_ADM_CMD_SET_FEATURES, 0);
    cmd.cdw10 = fid | SV;
    cmd.cdw11 = cdw11;
    return nvme_drv_exec(d, 0, &cmd, NULL);
}

static uint32_t get(NvmeDrv *d, uint8_t fid, uint8_t sel, uint32_t cdw11)
{
    uint32_t v = 0xdeadbeef;

    g_assert_cmphex(nvme_drv_get_features(d, fid, sel, cdw11, &v), ==, 0);
    return v;
}

static NvmeDrv *start(const char *path, const char *serial)
{
    g_autofree char *props = g_strdup_printf("features-file=%s%s%s", path,
                                             serial ? ",serial=" : "",
                                             serial ? serial : "");

    NvmeDrv *d = nvme_drv_start(props, NULL);

    nvme_drv_msix_enable(d);
    nvme_drv_enable(d, 16, 16);
    return d;
}

static char *tmp_dir(void)
{
    GError *err = NULL;
    char *dir = g_dir_make_tmp("nvme-feat-XXXXXX", &err);

    g_assert_no_error(err);
    return dir;
}

/* Only @name is left in @dir (no temporary files). */
static void assert_only_file(const char *dir, const char *name)
{
    g_autoptr(GDir) gd = g_dir_open(dir, 0, NULL);
    const char *e;
    int n = 0;

    while ((e = g_dir_read_name(gd))) {
        g_assert_cmpstr(e, ==, name);
        n++;
    }
    g_assert_cmpint(n, ==, 1);
}

/*
 * Saves survive a restart: saved values as SEL=saved and, since power-on
 * makes saved values current, as SEL=current; an unsaved current value
 * does not.
 */
static void test_restart(void)
{
    g_autofree char *dir = tmp_dir();
    g_autofree char *path = g_build_filename(dir, "feat.bin", NULL);
    NvmeDrv *d = start(path, NULL);
    gsize len = 0;
    g_autofree gchar *data = NULL;

    /* nothing saved: no file yet */
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
    g_assert_cmphex(set_saved(d, NVME_ARBITRATION, ARB_SAVED), ==, 0);
    g_assert_cmphex(set_saved(d, NVME_TEMPERATURE_THRESHOLD, TEMP_OVER),
                    ==, 0);
    g_assert_cmphex(set_saved(d, NVME_TEMPERATURE_THRESHOLD, TEMP_UNDER),
                    ==, 0);
    /* current value changed again without Save */
    g_assert_cmphex(nvme_drv_set_features(d, NVME_ARBITRATION, 2, NULL), ==,
                    0);
    g_assert_cmphex(get(d, NVME_ARBITRATION, SEL_CUR, 0), ==, 2);
    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    g_assert_cmpuint(len, ==, FF_SIZE);
    g_assert_cmpmem(data, 8, "QNVMFEAT", 8);
    assert_only_file(dir, "feat.bin");
    nvme_drv_stop(d);

    d = start(path, NULL);
    g_assert_cmphex(get(d, NVME_ARBITRATION, SEL_SAVED, 0), ==, ARB_SAVED);
    g_assert_cmphex(get(d, NVME_ARBITRATION, SEL_CUR, 0), ==, ARB_SAVED);
    g_assert_cmphex(get(d, NVME_ARBITRATION, SEL_DFLT, 0), ==, 0);
    g_assert_cmphex(get(d, NVME_TEMPERATURE_THRESHOLD, SEL_SAVED, 0), ==,
                    0x150);
    g_assert_cmphex(get(d, NVME_TEMPERATURE_THRESHOLD, SEL_CUR, 0), ==,
                    0x150);
    g_assert_cmphex(get(d, NVME_TEMPERATURE_THRESHOLD, SEL_SAVED,
                        1u << 20), ==, 0x100);
    g_assert_cmphex(get(d, NVME_TEMPERATURE_THRESHOLD, SEL_CUR, 1u << 20),
                    ==, 0x100);
    /* never saved: default */
    g_assert_cmphex(get(d, NVME_POWER_MANAGEMENT, SEL_SAVED, 0), ==, 0);
    /* a second save in the new run rewrites the file */
    g_assert_cmphex(set_saved(d, NVME_POWER_MANAGEMENT, 0x40), ==, 0);
    nvme_drv_stop(d);

    d = start(path, NULL);
    g_assert_cmphex(get(d, NVME_POWER_MANAGEMENT, SEL_CUR, 0), ==, 0x40);
    g_assert_cmphex(get(d, NVME_ARBITRATION, SEL_CUR, 0), ==, ARB_SAVED);
    nvme_drv_stop(d);
    unlink(path);
    rmdir(dir);
}

/*
 * Run QEMU with the controller on @path, expecting it to refuse to start
 * (a QEMU that does start is stopped by timeout, exit status 124): its
 * exit status, and its stderr in *@err.
 */
static int run_qemu(const char *path, const char *serial, char **err)
{
    g_autofree char *args = g_strdup_printf(
        "-drive if=none,id=d0,driver=null-co,size=1M "
        "-device nvme,drive=d0,serial=%s,features-file=%s", serial, path);

    return nvme_drv_run_qemu(args, err);
}

static void write_file(const char *path, const void *buf, size_t len)
{
    g_assert_true(g_file_set_contents(path, buf, len, NULL));
}

/* A saved file, then damaged in several ways: QEMU refuses to start. */
static void test_corrupt(void)
{
    g_autofree char *dir = tmp_dir();
    g_autofree char *path = g_build_filename(dir, "feat.bin", NULL);
    g_autofree gchar *good = NULL;
    uint8_t bad[FF_SIZE];
    char *err = NULL;
    NvmeDrv *d = start(path, NULL);
    gsize len;

    g_assert_cmphex(set_saved(d, NVME_ARBITRATION, ARB_SAVED), ==, 0);
    nvme_drv_stop(d);
    g_assert_true(g_file_get_contents(path, &good, &len, NULL));
    g_assert_cmpuint(len, ==, FF_SIZE);

    /* a flipped bit: checksum */
    memcpy(bad, good, FF_SIZE);
    bad[41] ^= 0x10;
    write_file(path, bad, FF_SIZE);
    g_assert_cmpint(run_qemu(path, "qtest-nvme", &err), ==, 1);
    g_assert_nonnull(strstr(err, "features-file"));
    g_assert_nonnull(strstr(err, "checksum mismatch"));
    g_free(err);

    /* truncated */
    write_file(path, good, 40);
    g_assert_cmpint(run_qemu(path, "qtest-nvme", &err), ==, 1);
    g_assert_nonnull(strstr(err, "not a saved-features file"));
    g_free(err);

    /* intact, but another controller's */
    write_file(path, good, FF_SIZE);
    g_assert_cmpint(run_qemu(path, "other-serial", &err), ==, 1);
    g_assert_nonnull(strstr(err, "another serial"));
    g_free(err);

    /* intact and ours: the controller comes up with the saved value */
    d = start(path, NULL);
    g_assert_cmphex(get(d, NVME_ARBITRATION, SEL_CUR, 0), ==, ARB_SAVED);
    nvme_drv_stop(d);

    unlink(path);
    rmdir(dir);
}

/*
 * The file cannot be written (its directory is gone): Set Features with
 * Save fails with Internal Error and the saved value stays; without
 * Save the command still works.
 */
static void test_write_error(void)
{
    g_autofree char *dir = tmp_dir();
    g_autofree char *path = g_build_filename(dir, "feat.bin", NULL);
    NvmeDrv *d = start(path, NULL);

    g_assert_cmpint(rmdir(dir), ==, 0);
    g_assert_cmphex(set_saved(d, NVME_ARBITRATION, ARB_SAVED), ==,
                    NVME_INTERNAL_DEV_ERROR);
    g_assert_cmphex(get(d, NVME_ARBITRATION, SEL_SAVED, 0), ==, 0);
    g_assert_cmphex(nvme_drv_set_features(d, NVME_ARBITRATION, 3, NULL), ==,
                    0);
    g_assert_cmphex(get(d, NVME_ARBITRATION, SEL_CUR, 0), ==, 3);
    nvme_drv_stop(d);
}

/* Without the property a save lasts only as long as QEMU. */
static void test_no_file(void)
{
    NvmeDrv *d = nvme_drv_start_ready(NULL);

    g_assert_cmphex(set_saved(d, NVME_ARBITRATION, ARB_SAVED), ==, 0);
    g_assert_cmphex(get(d, NVME_ARBITRATION, SEL_SAVED, 0), ==, ARB_SAVED);
    nvme_drv_stop(d);
    d = nvme_drv_start_ready(NULL);
    g_assert_cmphex(get(d, NVME_ARBITRATION, SEL_SAVED, 0), ==, 0);
    nvme_drv_stop(d);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    qtest_add_func("/nvme/featfile/restart", test_restart);
    qtest_add_func("/nvme/featfile/corrupt", test_corrupt);
    qtest_add_func("/nvme/featfile/write_error", test_write_error);
    qtest_add_func("/nvme/featfile/no_file", test_no_file);
    return g_test_run();
}
