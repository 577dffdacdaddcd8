/*
 * Guest helper of tests/guest/atomic.sh: atomic writes (pwritev2 with
 * RWF_ATOMIC, Linux 6.11+) on a block device opened with O_DIRECT.
 *
 *   atomicio write DEV OFFSET LEN BYTE   one atomic write of LEN bytes of
 *                                        BYTE; prints "ok" or the errno
 *   atomicio stress DEV OFFSET LEN SECS  two writers write LEN bytes at
 *                                        OFFSET atomically, each buffer
 *                                        one tag in every 512-byte sector,
 *                                        while two readers check that each
 *                                        read shows a single tag; prints
 *                                        "writes N reads N torn N"
 *
 * Built statically on the host by tests/guest/run.sh.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef RWF_ATOMIC
#define RWF_ATOMIC 0x00000040
#endif

#define SECTOR 512

static void *buffer(size_t len)
{
    void *p;

    if (posix_memalign(&p, 4096, len)) {
        perror("posix_memalign");
        exit(2);
    }
    return p;
}

static int open_dev(const char *dev, int flags)
{
    int fd = open(dev, flags | O_DIRECT);

    if (fd < 0) {
        perror(dev);
        exit(2);
    }
    return fd;
}

static ssize_t atomic_write(int fd, void *buf, size_t len, off_t off)
{
    struct iovec iov = { .iov_base = buf, .iov_len = len };

    return pwritev2(fd, &iov, 1, off, RWF_ATOMIC);
}

static int cmd_write(const char *dev, off_t off, size_t len, int byte)
{
    int fd = open_dev(dev, O_WRONLY);
    void *buf = buffer(len);

    memset(buf, byte, len);
    if (atomic_write(fd, buf, len, off) != (ssize_t)len) {
        printf("%s\n", strerror(errno));
        return 1;
    }
    printf("ok\n");
    return 0;
}

/* Fill @buf with @tag in the first 8 bytes of every sector and the rest. */
static void tag_buffer(uint8_t *buf, size_t len, uint64_t tag)
{
    for (size_t s = 0; s < len; s += SECTOR) {
        for (size_t i = 0; i < SECTOR; i += sizeof(tag)) {
            memcpy(buf + s + i, &tag, sizeof(tag));
        }
    }
}

/* Does every 8-byte word of @buf carry the same tag? */
static int uniform(const uint8_t *buf, size_t len)
{
    uint64_t first, w;

    memcpy(&first, buf, sizeof(first));
    for (size_t i = sizeof(first); i < len; i += sizeof(w)) {
        memcpy(&w, buf + i, sizeof(w));
        if (w != first) {
            return 0;
        }
    }
    return 1;
}

/* Counters shared by the children (anonymous shared mapping). */
struct counts {
    long writes, reads, torn, errors;
};

static void writer(const char *dev, off_t off, size_t len, time_t end,
                   uint64_t id, struct counts *c)
{
    int fd = open_dev(dev, O_WRONLY);
    uint8_t *buf = buffer(len);

    for (uint64_t seq = 1; time(NULL) < end; seq++) {
        tag_buffer(buf, len, id << 56 | seq);
        if (atomic_write(fd, buf, len, off) != (ssize_t)len) {
            __atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
            return;
        }
        __atomic_fetch_add(&c->writes, 1, __ATOMIC_RELAXED);
    }
}

static void reader(const char *dev, off_t off, size_t len, time_t end,
                   struct counts *c)
{
    int fd = open_dev(dev, O_RDONLY);
    uint8_t *buf = buffer(len);

    while (time(NULL) < end) {
        if (pread(fd, buf, len, off) != (ssize_t)len) {
            __atomic_fetch_add(&c->errors, 1, __ATOMIC_RELAXED);
            return;
        }
        __atomic_fetch_add(&c->reads, 1, __ATOMIC_RELAXED);
        if (!uniform(buf, len)) {
            __atomic_fetch_add(&c->torn, 1, __ATOMIC_RELAXED);
        }
    }
}

static int cmd_stress(const char *dev, off_t off, size_t len, int secs)
{
    struct counts *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
                            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    time_t end = time(NULL) + secs;
    uint8_t *buf = buffer(len);
    int fd = open_dev(dev, O_RDONLY);

    memset(c, 0, sizeof(*c));
    for (int i = 0; i < 4; i++) {
        if (fork() == 0) {
            if (i < 2) {
                writer(dev, off, len, end, i + 1, c);
            } else {
                reader(dev, off, len, end, c);
            }
            _exit(0);
        }
    }
    while (wait(NULL) > 0) {
        /* all four */
    }
    /* and what stays on the medium is one writer's buffer */
    if (pread(fd, buf, len, off) != (ssize_t)len || !uniform(buf, len)) {
        c->torn++;
    }
    printf("writes %ld reads %ld torn %ld errors %ld\n", c->writes, c->reads,
           c->torn, c->errors);
    return c->torn || c->errors || !c->writes || !c->reads;
}

int main(int argc, char **argv)
{
    if (argc == 6 && !strcmp(argv[1], "write")) {
        return cmd_write(argv[2], atoll(argv[3]), atoll(argv[4]),
                         strtol(argv[5], NULL, 0));
    }
    if (argc == 6 && !strcmp(argv[1], "stress")) {
        return cmd_stress(argv[2], atoll(argv[3]), atoll(argv[4]),
                          atoi(argv[5]));
    }
    fprintf(stderr, "usage: atomicio write|stress DEV OFFSET LEN ARG\n");
    return 2;
}
