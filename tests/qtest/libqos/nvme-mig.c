/*
 * Live migration for the NVMe qtest driver, and a migration stream
 * editor for hostile-stream tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#include "qemu/osdep.h"
#include "qemu/bswap.h"
#include "qemu/cutils.h"
#include "qapi/error.h"
#include "qobject/qdict.h"
#include "qobject/qjson.h"
#include "qobject/qlist.h"
#include "qobject/qnum.h"
#include "qobject/qstring.h"
#include "migration/migration-qmp.h"
#include "migration/migration-util.h"
#include "nvme-mig.h"

/* Section types and markers of the stream (migration/savevm.c) */
#define MIG_SECTION_FULL    0x04
#define MIG_SUBSECTION      0x05
#define MIG_VMDESCRIPTION   0x06

/* A private folder for sockets and logs, removed when the test exits. */
static char *mig_tmpdir;

static const char *mig_dir(void)
{
    if (!mig_tmpdir) {
        g_autoptr(GError) err = NULL;

        mig_tmpdir = g_dir_make_tmp("nvme-mig-XXXXXX", &err);
        g_assert_no_error(err);
    }
    return mig_tmpdir;
}

static void __attribute__((destructor)) mig_dir_cleanup(void)
{
    g_autoptr(GDir) gd = NULL;
    const char *name;

    if (!mig_tmpdir) {
        return;
    }
    gd = g_dir_open(mig_tmpdir, 0, NULL);
    while (gd && (name = g_dir_read_name(gd))) {
        g_autofree char *p = g_build_filename(mig_tmpdir, name, NULL);

        unlink(p);
    }
    rmdir(mig_tmpdir);
}

/* The driver whose QEMU this is (a peer's parent). */
static NvmeDrv *mig_root(NvmeDrv *d)
{
    return d->parent ? d->parent : d;
}

/* Context: test.  Every driver of @root's QEMU now talks to @to. */
static void mig_switch(NvmeDrv *root, QTestState *to)
{
    root->qts = to;
    root->pcibus->qts = to;
    for (int i = 0; i < NVME_DRV_MAX_PEERS; i++) {
        if (root->peers[i]) {
            root->peers[i]->qts = to;
        }
    }
}

QTestState *nvme_mig_start_dest_edited(NvmeDrv *d, const char *extra,
                                        const char *errlog, const char *was,
                                        const char *is)
{
    NvmeDrv *root = mig_root(d);
    g_autofree char *args = nvme_drv_cmdline(root, NULL);

    if (was) {
        g_auto(GStrv) parts = g_strsplit(args, was, -1);

        g_assert_cmpuint(g_strv_length(parts), >, 1);
        g_free(args);
        args = g_strjoinv(is, parts);
    }
    return qtest_initf("-machine q35 %s -incoming defer %s%s%s", args,
                       extra ? extra : "", errlog ? " 2>" : "",
                       errlog ? errlog : "");
}

QTestState *nvme_mig_start_dest(NvmeDrv *d, const char *extra,
                                 const char *errlog)
{
    return nvme_mig_start_dest_edited(d, extra, errlog, NULL, NULL);
}

bool nvme_mig_postcopy_ok(void)
{
    bool thread_id;

    return ufd_version_check(&thread_id);
}

/*
 * Context: test.  The migration to @to completed: the old QEMU goes (it
 * lets go of the images), @to gets its virtual clock (under qtest each
 * QEMU's virtual clock is its own counter, which migration does not
 * carry; with a CPU accelerator it is continuous) and runs unless told
 * otherwise.  @to was started with -S, so it waits in "paused" (or the
 * source's stopped state, e.g. "io-error").  @root drives @to then.
 */
static void mig_finish(NvmeDrv *root, QTestState *to, bool run)
{
    int64_t clock = qtest_clock_step(root->qts, 1);  /* its value, +1 ns */

    qtest_quit(root->qts);
    for (int i = 0; i < 20000; i++) {
        QDict *rsp = qtest_qmp_assert_success_ref(to,
                                                  "{'execute': 'query-status'}");
        bool running = qdict_get_bool(rsp, "running");
        bool ready = strcmp(qdict_get_str(rsp, "status"), "inmigrate");

        qobject_unref(rsp);
        g_assert_false(running);
        if (ready) {
            break;
        }
        g_usleep(1000);
    }
    qtest_clock_set(to, clock);
    mig_switch(root, to);
    if (run) {
        qtest_qmp_assert_success(to, "{'execute': 'cont'}");
    }
}

void nvme_drv_migrate(NvmeDrv *d, const NvmeDrvMig *m)
{
    static const NvmeDrvMig live;
    NvmeDrv *root = mig_root(d);
    QTestState *from = root->qts, *to;
    g_autofree char *uri = g_strdup_printf("unix:%s/mig.sock", mig_dir());
    g_autofree char *extra = NULL;

    m = m ? m : &live;
    extra = g_strdup_printf("-S %s", m->dst_args ? m->dst_args : "");
    to = nvme_mig_start_dest_edited(root, extra, NULL, m->dst_was,
                                    m->dst_is);
    if (m->postcopy) {
        migrate_set_capability(from, "postcopy-ram", true);
        migrate_set_capability(to, "postcopy-ram", true);
    }
    migrate_incoming_qmp(to, uri, NULL, "{}");
    if (m->paused) {
        qtest_qmp_assert_success(from, "{'execute': 'stop'}");
    }
    if (m->postcopy) {
        migrate_ensure_non_converge(from);
    }
    migrate_qmp(from, to, uri, NULL, "{}");
    if (m->postcopy) {
        wait_for_migration_status(from, "active", NULL);
        qtest_qmp_assert_success(from,
                                 "{'execute': 'migrate-start-postcopy'}");
    }
    wait_for_migration_complete(from);
    wait_for_migration_complete(to);
    mig_finish(root, to, !m->keep_paused);
}

void nvme_mig_save(NvmeDrv *d, const char *path)
{
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    QTestState *qts = mig_root(d)->qts;

    migrate_qmp(qts, NULL, uri, NULL, "{}");
    wait_for_migration_complete(qts);
}

QTestState *nvme_mig_load(NvmeDrv *d, const char *path, bool paused,
                          char **why)
{
    NvmeDrv *root = mig_root(d);
    g_autofree char *uri = g_strdup_printf("file:%s", path);
    g_autofree char *log = g_strdup_printf("%s/dest.err", mig_dir());
    QTestState *to = nvme_mig_start_dest(root, "-S", log);
    g_autofree char *st = NULL;

    migrate_incoming_qmp(to, uri, NULL, "{'exit-on-error': false}");
    for (;;) {
        g_free(st);
        st = migrate_query_status(to);
        if (!strcmp(st, "completed") || !strcmp(st, "failed")) {
            break;
        }
        g_usleep(1000);
    }
    if (!strcmp(st, "failed")) {
        qtest_quit(to);
        if (why) {
            g_file_get_contents(log, why, NULL, NULL);
        }
        unlink(log);
        return NULL;
    }
    unlink(log);
    mig_finish(root, to, !paused);
    return to;
}

/* ---------------------------------------------------------------- */
/* stream editing                                                    */

struct NvmeStream {
    uint8_t *buf;
    size_t len;
    QDict *desc;                /* the stream's JSON description */
};

NvmeStream *nvme_stream_open(const char *path)
{
    NvmeStream *s = g_new0(NvmeStream, 1);
    g_autofree char *json = NULL;
    gchar *buf;
    size_t pos;

    g_assert_true(g_file_get_contents(path, &buf, &s->len, NULL));
    s->buf = (uint8_t *)buf;
    /* the description closes the stream: marker, be32 length, JSON */
    for (pos = s->len - 5; pos > 0; pos--) {
        if (s->buf[pos] == MIG_VMDESCRIPTION &&
            ldl_be_p(s->buf + pos + 1) == s->len - pos - 5) {
            break;
        }
    }
    g_assert_cmpuint(pos, >, 0);
    json = g_strndup((char *)s->buf + pos + 5, s->len - pos - 5);
    s->desc = qobject_to(QDict, qobject_from_json(json, &error_abort));
    g_assert_nonnull(s->desc);
    return s;
}

void nvme_stream_write(NvmeStream *s, const char *path)
{
    g_assert_true(g_file_set_contents(path, (char *)s->buf, s->len, NULL));
}

void nvme_stream_free(NvmeStream *s)
{
    qobject_unref(s->desc);
    g_free(s->buf);
    g_free(s);
}

uint8_t *nvme_stream_bytes(NvmeStream *s, size_t *len)
{
    *len = s->len;
    return s->buf;
}

/* The description of device @dev, instance @instance. */
static QDict *stream_dev(NvmeStream *s, const char *dev, uint32_t instance)
{
    QList *devs = qdict_get_qlist(s->desc, "devices");
    g_autofree char *tail = g_strconcat("/", dev, NULL);
    QListEntry *e;

    QLIST_FOREACH_ENTRY(devs, e) {
        QDict *d = qobject_to(QDict, qlist_entry_obj(e));
        const char *name = qdict_get_str(d, "name");

        if ((!strcmp(name, dev) || g_str_has_suffix(name, tail)) &&
            qdict_get_int(d, "instance_id") == instance) {
            return d;
        }
    }
    return NULL;
}

/*
 * Offset of the first field of @dev's section: the header is type, be32
 * section id, id string (length byte first), be32 instance id and be32
 * version.
 */
static size_t stream_section(NvmeStream *s, QDict *dev)
{
    const char *idstr = qdict_get_str(dev, "name");
    size_t n = strlen(idstr);
    uint32_t instance = qdict_get_int(dev, "instance_id");
    uint32_t version = qdict_get_int(dev, "version");

    for (size_t p = 6; p + n + 8 <= s->len; p++) {
        if (s->buf[p - 1] == n && s->buf[p - 6] == MIG_SECTION_FULL &&
            !memcmp(s->buf + p, idstr, n) &&
            ldl_be_p(s->buf + p + n) == instance &&
            ldl_be_p(s->buf + p + n + 4) == version) {
            return p + n + 8;
        }
    }
    g_error("nvme-mig: no section %s in the stream", idstr);
}

static size_t stream_vmsd_size(QDict *vmsd);

/* Bytes of one described field entry (all of its elements). */
static size_t stream_field_size(QDict *f)
{
    int64_t n = qdict_haskey(f, "array_len") ?
                qdict_get_int(f, "array_len") : 1;

    return qdict_get_int(f, "size") * n;
}

/* Bytes of a subsection: marker, name, be32 version, then its body. */
static size_t stream_sub_size(QDict *sub)
{
    return 2 + strlen(qdict_get_str(sub, "vmsd_name")) + 4 +
           stream_vmsd_size(sub);
}

/* Bytes of a description's fields and the subsections that follow. */
static size_t stream_vmsd_size(QDict *vmsd)
{
    QList *fields = qdict_get_qlist(vmsd, "fields");
    QList *subs = qdict_get_qlist(vmsd, "subsections");
    QListEntry *e;
    size_t size = 0;

    QLIST_FOREACH_ENTRY(fields, e) {
        size += stream_field_size(qobject_to(QDict, qlist_entry_obj(e)));
    }
    if (subs) {
        QLIST_FOREACH_ENTRY(subs, e) {
            size += stream_sub_size(qobject_to(QDict, qlist_entry_obj(e)));
        }
    }
    return size;
}

static bool stream_walk(QDict *vmsd, size_t pos, char **comp, size_t *off,
                        size_t *size);

/*
 * How many path components a subsection name takes ("nvme/queues" takes
 * two), or 0 if the path does not start with it.
 */
static int stream_match_name(const char *name, char **comp)
{
    g_auto(GStrv) parts = g_strsplit(name, "/", -1);
    int k;

    for (k = 0; parts[k]; k++) {
        if (!comp[k] || strcmp(comp[k], parts[k])) {
            return 0;
        }
    }
    return k;
}

/*
 * @f (at @pos) is the field the path names: resolve an element index,
 * then descend into a struct.
 */
static bool stream_walk_field(QDict *f, size_t pos, char **comp,
                              size_t *off, size_t *size)
{
    size_t one = qdict_get_int(f, "size");

    if (qdict_haskey(f, "array_len")) {
        uint64_t i;

        if (!*comp) {
            *off = pos;
            *size = stream_field_size(f);
            return true;
        }
        if (qemu_strtou64(*comp, NULL, 10, &i) ||
            i >= qdict_get_int(f, "array_len")) {
            return false;
        }
        pos += one * i;
        comp++;
    } else if (*comp && !strcmp(*comp, "0")) {
        comp++;                 /* an array of one lists no array_len */
    }
    if (!*comp) {
        *off = pos;
        *size = one;
        return true;
    }
    return qdict_haskey(f, "struct") &&
           stream_walk(qdict_get_qdict(f, "struct"), pos, comp, off, size);
}

/* Find the path @comp in the body of @vmsd that starts at @pos. */
static bool stream_walk(QDict *vmsd, size_t pos, char **comp, size_t *off,
                        size_t *size)
{
    QList *fields = qdict_get_qlist(vmsd, "fields");
    QList *subs = qdict_get_qlist(vmsd, "subsections");
    QListEntry *e;

    QLIST_FOREACH_ENTRY(fields, e) {
        QDict *f = qobject_to(QDict, qlist_entry_obj(e));
        bool hit = !strcmp(qdict_get_str(f, "name"), comp[0]);

        /* arrays that do not compress list each element with an index */
        if (hit && qdict_haskey(f, "index")) {
            hit = comp[1] && qdict_get_int(f, "index") == atoi(comp[1]);
            if (hit) {
                return stream_walk_field(f, pos, comp + 2, off, size);
            }
        } else if (hit) {
            return stream_walk_field(f, pos, comp + 1, off, size);
        }
        pos += stream_field_size(f);
    }
    if (subs) {
        QLIST_FOREACH_ENTRY(subs, e) {
            QDict *sub = qobject_to(QDict, qlist_entry_obj(e));
            const char *name = qdict_get_str(sub, "vmsd_name");
            size_t hdr = 2 + strlen(name) + 4;
            int k = stream_match_name(name, comp);

            if (k) {
                if (!comp[k]) {
                    *off = pos;
                    *size = stream_sub_size(sub);
                    return true;
                }
                return stream_walk(sub, pos + hdr, comp + k, off, size);
            }
            pos += stream_sub_size(sub);
        }
    }
    return false;
}

bool nvme_stream_find(NvmeStream *s, const char *dev, uint32_t instance,
                      const char *field, size_t *off, size_t *size)
{
    QDict *d = stream_dev(s, dev, instance);
    g_auto(GStrv) comp = g_strsplit(field, "/", -1);

    return d && stream_walk(d, stream_section(s, d), comp, off, size);
}

static void stream_find_or_fail(NvmeStream *s, const char *dev,
                                const char *field, size_t *off,
                                size_t *size)
{
    if (!nvme_stream_find(s, dev, 0, field, off, size)) {
        g_autofree char *all = nvme_stream_dump(s, dev, 0);

        g_error("nvme-mig: no field %s in section %s; it has:\n%s", field,
                dev, all);
    }
    g_assert_true(*size == 1 || *size == 2 || *size == 4 || *size == 8);
}

uint64_t nvme_stream_get(NvmeStream *s, const char *dev, const char *field)
{
    size_t off, size;
    uint64_t v = 0;

    stream_find_or_fail(s, dev, field, &off, &size);
    for (size_t i = 0; i < size; i++) {
        v = v << 8 | s->buf[off + i];
    }
    return v;
}

void nvme_stream_set(NvmeStream *s, const char *dev, const char *field,
                     uint64_t val)
{
    size_t off, size;

    stream_find_or_fail(s, dev, field, &off, &size);
    for (size_t i = size; i > 0; i--) {
        s->buf[off + i - 1] = val;
        val >>= 8;
    }
}

/* Append "path size" lines for the body of @vmsd to @out. */
static void stream_dump_vmsd(QDict *vmsd, const char *prefix, GString *out)
{
    QList *fields = qdict_get_qlist(vmsd, "fields");
    QList *subs = qdict_get_qlist(vmsd, "subsections");
    QListEntry *e;

    QLIST_FOREACH_ENTRY(fields, e) {
        QDict *f = qobject_to(QDict, qlist_entry_obj(e));
        g_autofree char *path = qdict_haskey(f, "index") ?
            g_strdup_printf("%s%s/%" PRId64, prefix,
                            qdict_get_str(f, "name"),
                            qdict_get_int(f, "index")) :
            g_strconcat(prefix, qdict_get_str(f, "name"), NULL);

        g_string_append_printf(out, "%s %zu%s\n", path, stream_field_size(f),
                               qdict_haskey(f, "array_len") ? " (array)" : "");
        if (qdict_haskey(f, "struct")) {
            g_autofree char *p = g_strconcat(path, "/", NULL);

            stream_dump_vmsd(qdict_get_qdict(f, "struct"), p, out);
        }
    }
    if (subs) {
        QLIST_FOREACH_ENTRY(subs, e) {
            QDict *sub = qobject_to(QDict, qlist_entry_obj(e));
            g_autofree char *p = g_strconcat(prefix,
                                             qdict_get_str(sub, "vmsd_name"),
                                             "/", NULL);

            g_string_append_printf(out, "%s (subsection)\n", p);
            stream_dump_vmsd(sub, p, out);
        }
    }
}

char *nvme_stream_dump(NvmeStream *s, const char *dev, uint32_t instance)
{
    QDict *d = stream_dev(s, dev, instance);
    GString *out = g_string_new(NULL);

    if (d) {
        stream_dump_vmsd(d, "", out);
    }
    return g_string_free(out, false);
}
