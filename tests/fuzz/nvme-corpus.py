#!/usr/bin/env python3
"""Seed corpus for fuzzing our NVMe controller with QEMU's generic-fuzz target.

Writes one file per scenario into the output folder.  Each file is a
generic-fuzz input: operations separated by b"FUZZ", the first byte of each
operation selecting it (modulo the number of operations), followed by its raw
C struct (host byte order, with the struct's padding).  The operations used:

  OP_READ / OP_WRITE   an MMIO access to the n-th memory region of the
                       fuzzed objects, in address order: 0 = registers
                       (BAR0 0..0xfff), 1 = doorbells, 2 = MSI-X table,
                       3 = MSI-X PBA
  OP_PCI_WRITE         a config-space write of the device
  OP_ADD_DMA_PATTERN   a pattern the fuzzer writes into guest memory whenever
                       the device DMA-reads it (patterns are used in turn)
  OP_CLEAR_DMA_PATTERNS, OP_CLOCK_STEP

Guest memory is never written directly: submission queue entries, PRP lists,
SGL segments and data the device reads come from DMA patterns.  So every
command here is a pattern installed right before the doorbell write that makes
the device fetch it; the device's own writes (completions, data) land in RAM.

Every scenario is a valid command sequence (enable, admin and I/O commands,
reset paths); the fuzzer mutates from there.  Usage: nvme-corpus.py OUTDIR
"""

import os
import struct
import sys

SEP = b"FUZZ"
(OP_IN, OP_OUT, OP_READ, OP_WRITE, OP_PCI_READ, OP_PCI_WRITE, OP_DISABLE_PCI,
 OP_ADD_DMA_PATTERN, OP_CLEAR_DMA_PATTERNS, OP_CLOCK_STEP) = range(10)
B, W, L, Q = range(4)               # access sizes of OP_READ/OP_WRITE
REGS, DBS, MSIX_TABLE, MSIX_PBA = range(4)

# Registers
CAP, VS, INTMS, INTMC, CC, CSTS, NSSR, AQA, ASQ, ACQ = (
    0x00, 0x08, 0x0c, 0x10, 0x14, 0x1c, 0x20, 0x24, 0x28, 0x30)
CC_EN = 1
CC_IO = (6 << 16) | (4 << 20)       # IOSQES 64 bytes, IOCQES 16 bytes
NSSR_MAGIC = 0x4E564D65

# Guest memory layout (RAM is 512 MiB; no guest code runs)
ASQ_ADDR, ACQ_ADDR = 0x100000, 0x110000
IOSQ_ADDR, IOCQ_ADDR = 0x120000, 0x130000
BUF = 0x200000                      # data buffers, 64 KiB
LIST = 0x300000                     # PRP lists / SGL segments
DBBUF, EVIDX = 0x400000, 0x401000
QSIZE = 16

# Admin opcodes
ADM_DELETE_SQ, ADM_CREATE_SQ, ADM_GET_LOG, ADM_DELETE_CQ, ADM_CREATE_CQ = (
    0x00, 0x01, 0x02, 0x04, 0x05)
ADM_IDENTIFY, ADM_ABORT, ADM_SET_FEAT, ADM_GET_FEAT, ADM_AER = (
    0x06, 0x08, 0x09, 0x0a, 0x0c)
ADM_KEEP_ALIVE, ADM_DBBUF, ADM_GET_LBA_STATUS = 0x18, 0x7c, 0x86
ADM_NS_ATTACH, ADM_FORMAT, ADM_SANITIZE = 0x15, 0x80, 0x84
# NVM opcodes
NVM_FLUSH, NVM_WRITE, NVM_READ, NVM_WRITE_UNCOR, NVM_COMPARE = (
    0x00, 0x01, 0x02, 0x04, 0x05)
NVM_WRITE_ZEROES, NVM_DSM, NVM_VERIFY, NVM_COPY = 0x08, 0x09, 0x0c, 0x19
NVM_RESV_REGISTER, NVM_RESV_REPORT, NVM_RESV_ACQUIRE, NVM_RESV_RELEASE = (
    0x0d, 0x0e, 0x11, 0x15)
ZNS_MGMT_SEND, ZNS_MGMT_RECV, ZNS_APPEND = 0x79, 0x7a, 0x7d
CC_CSS_ALL = 6 << 4                 # CC.CSS: every supported I/O command set

# Namespaces of the fuzzed device (tests/run-fuzz.sh): 1 on the controller's
# drive, 2 with 4 KiB blocks, 3 zoned (1 MiB zones of 512-byte blocks), 4 a
# second 512-byte one (Copy formats 2/3 need the destination's format).
NS_ZONED, NS_PLAIN = 3, 4
ZONE_LBAS = 2048


def op(code, payload=b""):
    data = bytes([code]) + payload
    assert SEP not in data, "operation contains the separator"
    return data


def wr(region, off, val, size=L):
    # struct { uint8_t size, base; uint32_t offset; uint64_t value; }
    return op(OP_WRITE, struct.pack("<BBxxIQ", size, region, off, val))


def rd(region, off, size=L):
    # struct { uint8_t size, base; uint32_t offset; }
    return op(OP_READ, struct.pack("<BBxxI", size, region, off))


def pci_wr(off, val, size=W):
    # struct { uint8_t size, base, offset; uint32_t value; }
    return op(OP_PCI_WRITE, struct.pack("<BBBxI", size, 0, off, val))


def pattern(data, index=0, stride=0):
    return op(OP_ADD_DMA_PATTERN, bytes([index, stride]) + data)


def clear():
    return op(OP_CLEAR_DMA_PATTERNS)


def clock():
    return op(OP_CLOCK_STEP)


def cmd(opcode, nsid=0, prp1=0, prp2=0, cdw10=0, cdw11=0, cdw12=0, cdw13=0,
        cdw14=0, cdw15=0, flags=0, cid=0, mptr=0):
    c = struct.pack("<BBHIIIQQQ6I", opcode, flags, cid, nsid, 0, 0, mptr,
                    prp1, prp2, cdw10, cdw11, cdw12, cdw13, cdw14, cdw15)
    assert len(c) == 64
    return c


def sgl_desc(addr, length, dtype=0x0, subtype=0x0):
    return struct.pack("<QI3xB", addr, length, (dtype << 4) | subtype)


class Host:
    """Tracks queue tails/heads so doorbell values stay valid."""

    def __init__(self):
        self.ops = []
        self.sq_tail = {}
        self.cq_head = {}
        self.cid = 0

    def add(self, *ops):
        self.ops.extend(ops)

    def enable(self, cc=CC_EN | CC_IO):
        self.add(wr(REGS, AQA, ((QSIZE - 1) << 16) | (QSIZE - 1)),
                 wr(REGS, ASQ, ASQ_ADDR, Q),
                 wr(REGS, ACQ, ACQ_ADDR, Q),
                 wr(REGS, CC, cc),
                 rd(REGS, CSTS))
        self.sq_tail[0] = 0
        self.cq_head[0] = 0

    def submit(self, qid, command, *data_patterns, completions=1):
        """Install the command (and patterns for the data the device will
        read after it), ring the SQ tail doorbell, then consume the CQEs."""
        command = bytearray(command)
        struct.pack_into("<H", command, 2, self.cid)
        self.cid = (self.cid + 1) & 0xffff
        self.add(clear(), pattern(bytes(command)))
        for p in data_patterns:
            self.add(p)
        self.sq_tail[qid] = (self.sq_tail[qid] + 1) % QSIZE
        self.add(wr(DBS, 8 * qid, self.sq_tail[qid]))
        for _ in range(completions):
            self.cq_head[qid] = (self.cq_head[qid] + 1) % QSIZE
            self.add(wr(DBS, 8 * qid + 4, self.cq_head[qid]))

    def admin(self, *a, **kw):
        self.submit(0, cmd(*a, **kw))

    def io_queues(self, qid=1, vector=0, ien=True):
        self.admin(ADM_CREATE_CQ, prp1=IOCQ_ADDR + (qid - 1) * 0x1000,
                   cdw10=((QSIZE - 1) << 16) | qid,
                   cdw11=(vector << 16) | (2 if ien else 0) | 1)
        self.admin(ADM_CREATE_SQ, prp1=IOSQ_ADDR + (qid - 1) * 0x1000,
                   cdw10=((QSIZE - 1) << 16) | qid, cdw11=(qid << 16) | 1)
        self.sq_tail[qid] = 0
        self.cq_head[qid] = 0

    def io(self, opcode, slba=0, nlb=1, nsid=1, qid=1, prp1=BUF, prp2=0,
           data=(), cdw12_flags=0, flags=0, cdw10=None, cdw11=None):
        c = cmd(opcode, nsid=nsid, prp1=prp1, prp2=prp2,
                cdw10=(slba & 0xffffffff) if cdw10 is None else cdw10,
                cdw11=(slba >> 32) if cdw11 is None else cdw11,
                cdw12=((nlb - 1) & 0xffff) | cdw12_flags, flags=flags)
        self.submit(qid, c, *data)

    def blob(self):
        return SEP.join(self.ops)


def s_enable():
    h = Host()
    h.add(rd(REGS, CAP, Q), rd(REGS, VS))
    h.enable()
    h.add(rd(REGS, CSTS), rd(REGS, CC))
    return h


def s_identify():
    h = Host()
    h.enable()
    h.admin(ADM_IDENTIFY, prp1=BUF, cdw10=1)                    # controller
    h.admin(ADM_IDENTIFY, nsid=1, prp1=BUF, cdw10=0)            # namespace
    h.admin(ADM_IDENTIFY, prp1=BUF, cdw10=2)                    # active list
    h.admin(ADM_IDENTIFY, nsid=1, prp1=BUF, cdw10=3)            # descriptors
    h.admin(ADM_IDENTIFY, nsid=1, prp1=BUF, cdw10=5)            # I/O cs ns
    h.admin(ADM_IDENTIFY, prp1=BUF, cdw10=6)                    # I/O cs ctrl
    h.admin(ADM_IDENTIFY, prp1=BUF, cdw10=7)
    h.admin(ADM_IDENTIFY, prp1=BUF, cdw10=8)                    # cs vector
    h.admin(ADM_IDENTIFY, nsid=2, prp1=BUF, cdw10=0)            # nvme-ns
    h.admin(ADM_IDENTIFY, prp1=BUF, cdw10=0x19)                 # endgrp list
    # Identify data straddling a page: PRP1 mid-page, PRP2 the next page.
    h.admin(ADM_IDENTIFY, prp1=BUF + 0x800, prp2=BUF + 0x1000, cdw10=1)
    return h


def s_logs():
    h = Host()
    h.enable()
    for lid, size in ((0x01, 64 * 4), (0x02, 512), (0x03, 512), (0x05, 4096)):
        numd = size // 4 - 1
        h.admin(ADM_GET_LOG, nsid=0xffffffff, prp1=BUF,
                cdw10=lid | ((numd & 0xffff) << 16), cdw11=numd >> 16)
    # offset into the SMART log, RAE set, and per-namespace SMART
    h.admin(ADM_GET_LOG, nsid=0xffffffff, prp1=BUF,
            cdw10=0x02 | (1 << 15) | (31 << 16), cdw12=64)
    h.admin(ADM_GET_LOG, nsid=1, prp1=BUF, cdw10=0x02 | (127 << 16))
    # endurance group 1 (LSI in CDW11 31:16)
    h.admin(ADM_GET_LOG, prp1=BUF, cdw10=0x09 | (127 << 16), cdw11=1 << 16)
    return h


def s_features():
    h = Host()
    h.enable()
    for fid in (0x01, 0x02, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
                0x0f):
        h.admin(ADM_GET_FEAT, cdw10=fid, cdw11=1 if fid == 0x09 else 0)
    h.admin(ADM_GET_FEAT, cdw10=0x07 | (3 << 8))                # capabilities
    h.admin(ADM_GET_FEAT, cdw10=0x04 | (1 << 8))                # default
    h.admin(ADM_SET_FEAT, cdw10=0x07, cdw11=(3 << 16) | 3)      # queues
    h.admin(ADM_SET_FEAT, cdw10=0x01, cdw11=0x03020103)         # arbitration
    h.admin(ADM_SET_FEAT, cdw10=0x04, cdw11=350)                # temp thresh
    h.admin(ADM_SET_FEAT, cdw10=0x06, cdw11=1)                  # write cache
    h.admin(ADM_SET_FEAT, cdw10=0x08, cdw11=0x0a04)             # coalescing
    h.admin(ADM_SET_FEAT, cdw10=0x09, cdw11=(1 << 16) | 1)      # vector cfg
    h.admin(ADM_SET_FEAT, cdw10=0x0b, cdw11=0x1ff)              # AE config
    h.admin(ADM_SET_FEAT, cdw10=0x0f, cdw11=5000)               # KATO
    h.admin(ADM_SET_FEAT, cdw10=0x04 | (1 << 31), cdw11=360)    # save: error
    return h


def s_io():
    h = Host()
    h.enable()
    h.io_queues()
    h.io(NVM_WRITE, slba=0, nlb=8, prp1=BUF)
    h.io(NVM_READ, slba=0, nlb=8, prp1=BUF)
    h.io(NVM_WRITE, slba=100, nlb=1, cdw12_flags=1 << 30)       # FUA
    h.io(NVM_FLUSH, nsid=0xffffffff)
    h.io(NVM_COMPARE, slba=0, nlb=8, prp1=BUF)
    h.io(NVM_WRITE_ZEROES, slba=16, nlb=32, prp1=0)
    h.io(NVM_VERIFY, slba=0, nlb=64, prp1=0)
    h.io(NVM_WRITE_UNCOR, slba=200, nlb=2, prp1=0)
    h.io(NVM_READ, slba=200, nlb=2, prp1=BUF)                   # fails
    # DSM deallocate of two ranges: the device reads the range list
    ranges = struct.pack("<IIQ", 0, 8, 0) + struct.pack("<IIQ", 0, 4, 64)
    h.io(NVM_DSM, prp1=LIST, cdw10=1, cdw11=1 << 2, nlb=1,
         data=[pattern(ranges)])
    # Copy two source ranges (format 0) to LBA 1000
    srcs = (struct.pack("<QQHHIIHH", 0, 0, 3, 0, 0, 0, 0, 0) +
            struct.pack("<QQHHIIHH", 0, 32, 1, 0, 0, 0, 0, 0))
    assert len(srcs) == 64
    h.io(NVM_COPY, prp1=LIST, cdw10=1000, cdw11=0, nlb=2,
         data=[pattern(srcs)])
    h.io(NVM_READ, slba=1000, nlb=6, prp1=BUF)
    h.admin(ADM_GET_LBA_STATUS, nsid=1, prp1=BUF, cdw10=0, cdw11=0,
            cdw12=1023, cdw13=(1 << 24) | 64)
    h.admin(ADM_DELETE_SQ, cdw10=1)
    h.admin(ADM_DELETE_CQ, cdw10=1)
    return h


def s_prp_list():
    h = Host()
    h.enable()
    h.io_queues()
    # 64 KiB: PRP1 + a list of 15 entries 0x201000, 0x202000, ... (byte 1
    # of each 8-byte entry advances by 0x10 per repetition of the pattern)
    entry = struct.pack("<Q", BUF + 0x1000)
    h.io(NVM_WRITE, slba=0, nlb=128, prp1=BUF, prp2=LIST,
         data=[pattern(entry, index=1, stride=0x10)])
    h.io(NVM_READ, slba=0, nlb=128, prp1=BUF, prp2=LIST,
         data=[pattern(entry, index=1, stride=0x10)])
    # unaligned PRP1, two pages
    h.io(NVM_READ, slba=8, nlb=8, prp1=BUF + 0x200, prp2=BUF + 0x1000)
    return h


def s_sgl():
    h = Host()
    h.enable()
    h.io_queues()
    psdt = 1 << 6                   # SGL for the data, MPTR a buffer
    # data block descriptor inline in DPTR
    d = sgl_desc(BUF, 4096)
    h.io(NVM_WRITE, slba=0, nlb=8, flags=psdt,
         prp1=struct.unpack_from("<Q", d)[0], prp2=struct.unpack_from("<Q", d, 8)[0])
    h.io(NVM_READ, slba=0, nlb=8, flags=psdt,
         prp1=struct.unpack_from("<Q", d)[0], prp2=struct.unpack_from("<Q", d, 8)[0])
    # last segment descriptor -> two data blocks + a bit bucket
    seg = sgl_desc(LIST, 48, dtype=0x3)
    lst = (sgl_desc(BUF, 1024) + sgl_desc(BUF + 0x1000, 512, dtype=0x1) +
           sgl_desc(BUF + 0x2000, 2560))
    h.io(NVM_READ, slba=0, nlb=8, flags=psdt,
         prp1=struct.unpack_from("<Q", seg)[0], prp2=struct.unpack_from("<Q", seg, 8)[0],
         data=[pattern(lst)])
    # writes take no bit bucket: three data blocks
    lst = (sgl_desc(BUF, 1024) + sgl_desc(BUF + 0x1000, 512) +
           sgl_desc(BUF + 0x2000, 2560))
    h.io(NVM_WRITE, slba=0, nlb=8, flags=psdt,
         prp1=struct.unpack_from("<Q", seg)[0], prp2=struct.unpack_from("<Q", seg, 8)[0],
         data=[pattern(lst)])
    return h


def s_aer_abort_keepalive():
    h = Host()
    h.enable()
    h.admin(ADM_SET_FEAT, cdw10=0x0f, cdw11=1000)               # KATO 1 s
    h.submit(0, cmd(ADM_AER), completions=0)
    h.submit(0, cmd(ADM_AER), completions=0)
    h.admin(ADM_KEEP_ALIVE)
    h.admin(ADM_ABORT, cdw10=0 | (1 << 16))                     # an AER
    # an invalid doorbell write (SQ 5 does not exist) completes an AER
    h.add(wr(DBS, 8 * 5, 1))
    h.cq_head[0] = (h.cq_head[0] + 1) % QSIZE
    h.add(wr(DBS, 4, h.cq_head[0]))
    h.admin(ADM_GET_LOG, nsid=0xffffffff, prp1=BUF, cdw10=0x01 | (15 << 16))
    h.add(clock(), clock(), clock())
    h.add(rd(REGS, CSTS))
    return h


def s_reset_paths():
    h = Host()
    h.enable()
    h.io_queues()
    h.io(NVM_WRITE, slba=0, nlb=1)
    h.add(wr(REGS, INTMS, 1), wr(REGS, INTMC, 1))
    h.add(wr(REGS, CC, CC_EN | CC_IO | (1 << 14)), rd(REGS, CSTS))  # shutdown
    h.add(wr(REGS, CC, 0), rd(REGS, CSTS))                          # reset
    h.enable()
    h.admin(ADM_IDENTIFY, prp1=BUF, cdw10=1)
    h.add(wr(REGS, NSSR, NSSR_MAGIC), rd(REGS, CSTS))           # subsystem
    h.add(wr(REGS, CC, 0))
    # 4 KiB pages are not the only ones: MPS = 1 (8 KiB)
    h.enable(cc=CC_EN | CC_IO | (1 << 7))
    h.admin(ADM_IDENTIFY, prp1=BUF, cdw10=1)
    return h


def s_msix():
    h = Host()
    # MSI-X capability is the first one (0x40): enable it, program vector 0
    h.add(pci_wr(0x42, 0x8000),
          wr(MSIX_TABLE, 0, 0xfee00000, L), wr(MSIX_TABLE, 4, 0, L),
          wr(MSIX_TABLE, 8, 0x4041, L), wr(MSIX_TABLE, 12, 0, L))
    h.enable()
    h.io_queues(vector=1)
    h.add(wr(MSIX_TABLE, 16 + 12, 1, L))                        # mask vec 1
    h.io(NVM_WRITE, slba=0, nlb=1)
    h.add(rd(MSIX_PBA, 0, Q), wr(MSIX_TABLE, 16 + 12, 0, L))
    h.admin(ADM_SET_FEAT, cdw10=0x08, cdw11=0x0102)
    h.io(NVM_READ, slba=0, nlb=1)
    return h


def s_dbbuf():
    h = Host()
    h.enable()
    h.admin(ADM_DBBUF, prp1=DBBUF, prp2=EVIDX)
    h.io_queues()
    h.io(NVM_WRITE, slba=0, nlb=1)
    h.io(NVM_READ, slba=0, nlb=1)
    return h


def s_errors():
    h = Host()
    h.enable()
    h.admin(0xff)                                               # bad opcode
    h.admin(ADM_CREATE_SQ, prp1=IOSQ_ADDR, cdw10=(15 << 16) | 1,
            cdw11=(9 << 16) | 1)                                # no such CQ
    h.admin(ADM_CREATE_CQ, prp1=IOCQ_ADDR + 4, cdw10=(15 << 16) | 1,
            cdw11=1)                                            # misaligned
    h.admin(ADM_DELETE_CQ, cdw10=0)                             # admin CQ
    h.admin(ADM_IDENTIFY, nsid=77, prp1=BUF, cdw10=0)           # bad nsid
    h.io_queues()
    h.io(NVM_READ, slba=(1 << 40), nlb=1)                       # LBA range
    h.io(NVM_READ, slba=0, nlb=0x10000)                         # > MDTS
    h.io(NVM_READ, slba=0, nlb=1, prp1=BUF + 3)                 # PRP offset
    h.io(NVM_READ, slba=0, nlb=1, nsid=0)
    h.io(0x7f)
    # tail beyond the queue size, then a CQ head the host has not earned
    h.add(wr(DBS, 8, QSIZE + 3), wr(DBS, 12, 7), rd(REGS, CSTS))
    return h


def s_two_queue_pairs():
    h = Host()
    h.enable()
    h.admin(ADM_SET_FEAT, cdw10=0x07, cdw11=(1 << 16) | 1)
    h.io_queues(qid=1)
    h.io_queues(qid=2)
    for qid in (1, 2, 1, 2):
        h.io(NVM_WRITE, slba=qid * 8, nlb=8, qid=qid)
    h.io(NVM_READ, slba=8, nlb=16, qid=2)
    h.admin(ADM_DELETE_SQ, cdw10=2)
    h.admin(ADM_DELETE_SQ, cdw10=1)
    h.admin(ADM_DELETE_CQ, cdw10=1)
    h.admin(ADM_DELETE_CQ, cdw10=2)
    return h


def s_zoned():
    """Zoned namespace: the command sets enabled by CC.CSS, its Identify
    structures, writes and appends, zone report and every zone action."""
    h = Host()
    h.enable(cc=CC_EN | CC_IO | CC_CSS_ALL)
    h.admin(ADM_IDENTIFY, nsid=NS_ZONED, prp1=BUF, cdw10=5, cdw11=2 << 24)
    h.admin(ADM_IDENTIFY, prp1=BUF, cdw10=6, cdw11=2 << 24)
    h.admin(ADM_IDENTIFY, prp1=BUF, cdw10=7, cdw11=2 << 24)
    h.io_queues()
    h.io(NVM_WRITE, nsid=NS_ZONED, slba=0, nlb=8)
    h.io(ZNS_APPEND, nsid=NS_ZONED, slba=0, nlb=4)
    h.io(ZNS_APPEND, nsid=NS_ZONED, slba=ZONE_LBAS, nlb=1,
         cdw12_flags=1 << 30)                                   # FUA
    h.io(NVM_READ, nsid=NS_ZONED, slba=0, nlb=12)
    # report zones (all, then partial), extended report
    for zra, zrasf, partial in ((0, 0, 0), (0, 2, 1), (1, 0, 0)):
        h.submit(1, cmd(ZNS_MGMT_RECV, nsid=NS_ZONED, prp1=BUF,
                        cdw12=1023, cdw13=zra | (zrasf << 8) |
                        (partial << 16)))
    # open, close, finish, reset one zone; then reset every zone
    for zsa in (3, 1, 2, 4):
        h.submit(1, cmd(ZNS_MGMT_SEND, nsid=NS_ZONED,
                        cdw10=2 * ZONE_LBAS, cdw13=zsa))
    h.submit(1, cmd(ZNS_MGMT_SEND, nsid=NS_ZONED, cdw13=4 | (1 << 8)))
    h.admin(ADM_GET_LOG, nsid=NS_ZONED, prp1=BUF,
            cdw10=0xbf | (1023 << 16), cdw14=2 << 24)  # changed zones
    return h


def s_copy_formats():
    """Copy with source range descriptor formats 2 (another namespace as
    the source) and 3 (64-bit guard fields); Copy into a zoned namespace."""
    h = Host()
    h.enable(cc=CC_EN | CC_IO | CC_CSS_ALL)
    h.io_queues()
    h.io(NVM_WRITE, nsid=NS_PLAIN, slba=0, nlb=8)
    # format 2: SNSID in bytes 3:0, SOPT (bytes 23:22) 0
    srcs = (struct.pack("<IIQHHIIHH", NS_PLAIN, 0, 0, 3, 0, 0, 0, 0, 0) +
            struct.pack("<IIQHHIIHH", 1, 0, 16, 1, 0, 0, 0, 0, 0))
    assert len(srcs) == 64
    h.io(NVM_COPY, prp1=LIST, cdw10=500, cdw11=0, nlb=2,
         cdw12_flags=2 << 8, data=[pattern(srcs)])
    # format 3 on a 16-bit guard namespace: Invalid Field
    h.io(NVM_COPY, prp1=LIST, cdw10=600, cdw11=0, nlb=2,
         cdw12_flags=3 << 8, data=[pattern(srcs)])
    # into the zoned namespace's first zone, from namespace 4
    srcs = struct.pack("<IIQHHIIHH", NS_PLAIN, 0, 0, 7, 0, 0, 0, 0, 0)
    h.io(NVM_COPY, nsid=NS_ZONED, prp1=LIST, cdw10=0, cdw11=0, nlb=1,
         cdw12_flags=2 << 8, data=[pattern(srcs)])
    return h


def s_reservations():
    """Register two keys' worth of changes, acquire, report, preempt and
    abort with an I/O queued behind it, release, clear."""
    h = Host()
    h.enable()
    h.submit(0, cmd(ADM_SET_FEAT, cdw10=0x81, cdw11=1, prp1=BUF),
             pattern(bytes(range(1, 17))))                      # 128-bit id
    h.io_queues()
    keys = struct.pack("<QQ", 0, 0x1111)
    h.io(NVM_RESV_REGISTER, prp1=LIST, cdw10=0, cdw11=0, nlb=1,
         data=[pattern(keys)])                                  # register
    keys = struct.pack("<QQ", 0x1111, 0)
    h.io(NVM_RESV_ACQUIRE, prp1=LIST, cdw10=1 << 8, cdw11=0, nlb=1,
         data=[pattern(keys)])                                  # WE
    h.io(NVM_RESV_REPORT, prp1=BUF, cdw10=127, cdw11=1, nlb=1)  # extended
    h.io(NVM_WRITE, slba=0, nlb=1, qid=1)
    keys = struct.pack("<QQ", 0x1111, 0x1111)
    h.io(NVM_RESV_ACQUIRE, prp1=LIST, cdw10=2 | (3 << 8), cdw11=0, nlb=1,
         data=[pattern(keys)])                                  # P&A
    keys = struct.pack("<Q", 0x1111)
    h.io(NVM_RESV_RELEASE, prp1=LIST, cdw10=3 << 8, cdw11=0, nlb=1,
         data=[pattern(keys)])                                  # release
    h.io(NVM_RESV_RELEASE, prp1=LIST, cdw10=1, cdw11=0, nlb=1,
         data=[pattern(keys)])                                  # clear
    h.admin(ADM_GET_LOG, nsid=0xffffffff, prp1=BUF,
            cdw10=0x80 | (15 << 16))                            # resv log
    return h


def s_atomic_overlap():
    """Writes within the atomic write unit (the controller's AWUN) on two
    queues over the same blocks, with a Compare and Write fused pair."""
    h = Host()
    h.enable()
    h.admin(ADM_SET_FEAT, cdw10=0x07, cdw11=(1 << 16) | 1)
    h.admin(ADM_SET_FEAT, cdw10=0x0a, cdw11=1)                  # atomicity
    h.io_queues(qid=1)
    h.io_queues(qid=2)
    h.io(NVM_WRITE, slba=0, nlb=8, qid=1)
    h.io(NVM_WRITE, slba=4, nlb=8, qid=2)
    h.io(NVM_READ, slba=0, nlb=12, qid=1)
    # fused Compare (first) and Write (second) with one doorbell write:
    # the device reads the entries one by one, each from the next pattern
    h.add(clear())
    for opcode, fuse in ((NVM_COMPARE, 1), (NVM_WRITE, 2)):
        c = bytearray(cmd(opcode, nsid=1, prp1=BUF, flags=fuse))
        struct.pack_into("<H", c, 2, h.cid)
        h.cid += 1
        h.add(pattern(bytes(c)))
        h.sq_tail[2] = (h.sq_tail[2] + 1) % QSIZE
    h.add(wr(DBS, 8 * 2, h.sq_tail[2]))
    h.cq_head[2] = (h.cq_head[2] + 2) % QSIZE
    h.add(wr(DBS, 8 * 2 + 4, h.cq_head[2]))
    return h


def s_ns_lifetime():
    """Namespace 2 detached and attached again, formatted, and the whole
    subsystem sanitized, each after I/O on it; the fence paths."""
    h = Host()
    h.enable()
    h.io_queues()
    h.io(NVM_WRITE, nsid=2, slba=0, nlb=1)
    ctrl_list = struct.pack("<HH", 1, 0)                        # CNTLID 0
    h.submit(0, cmd(ADM_NS_ATTACH, nsid=2, prp1=LIST, cdw10=1),
             pattern(ctrl_list))                                # detach
    h.io(NVM_READ, nsid=2, slba=0, nlb=1)                       # fails
    h.submit(0, cmd(ADM_NS_ATTACH, nsid=2, prp1=LIST, cdw10=0),
             pattern(ctrl_list))                                # attach
    h.admin(ADM_GET_LOG, nsid=0xffffffff, prp1=BUF,
            cdw10=0x04 | (1023 << 16))                          # changed ns
    h.io(NVM_WRITE, nsid=2, slba=0, nlb=1)
    h.admin(ADM_FORMAT, nsid=2, cdw10=0)                        # LBA fmt 0
    h.io(NVM_READ, nsid=2, slba=0, nlb=1)
    h.admin(ADM_SANITIZE, cdw10=2)                              # block erase
    h.admin(ADM_GET_LOG, nsid=0xffffffff, prp1=BUF,
            cdw10=0x81 | (127 << 16))                           # sanitize log
    h.add(clock(), clock())
    return h


SCENARIOS = {
    "00-enable": s_enable,
    "01-identify": s_identify,
    "02-logs": s_logs,
    "03-features": s_features,
    "04-io": s_io,
    "05-prp-list": s_prp_list,
    "06-sgl": s_sgl,
    "07-aer-abort-keepalive": s_aer_abort_keepalive,
    "08-reset-paths": s_reset_paths,
    "09-msix": s_msix,
    "10-dbbuf": s_dbbuf,
    "11-errors": s_errors,
    "12-two-queue-pairs": s_two_queue_pairs,
    "13-zoned": s_zoned,
    "14-copy-formats": s_copy_formats,
    "15-reservations": s_reservations,
    "16-atomic-overlap": s_atomic_overlap,
    "17-ns-lifetime": s_ns_lifetime,
}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, fn in SCENARIOS.items():
        with open(os.path.join(out, "seed-" + name), "wb") as f:
            f.write(fn().blob())


if __name__ == "__main__":
    main()
