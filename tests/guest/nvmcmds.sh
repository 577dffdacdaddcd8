# NVM commands from nvme-cli (2.3) on a fresh disk: write-zeroes, dsm --ad,
# compare, verify, write-uncor (+ get-lba-status, lba-status-log), copy.  Every check reads
# the data back with "nvme read" (passthrough: no page cache in the way).
. /tests/lib.sh

BS=512
T=/tmp/nvm

# blk_write SLBA COUNT SEED: write COUNT blocks of a pattern.
blk_write() {
    awk -v n=$(($2 * BS)) -v s="$3" 'BEGIN { for (i = 0; i < n; i++)
        printf "%c", 65 + (i * 7 + s) % 26 }' > $T/w.bin
    nvme write $NS -s "$1" -c $(($2 - 1)) -z $(($2 * BS)) -d $T/w.bin > $T/out 2>&1
}

# pat COUNT SEED > FILE: the pattern blk_write writes.
pat() {
    awk -v n=$(($1 * BS)) -v s="$2" 'BEGIN { for (i = 0; i < n; i++)
        printf "%c", 65 + (i * 7 + s) % 26 }'
}

# pshift SEED BLOCKS: the seed of the pattern BLOCKS blocks into SEED's.
pshift() { echo $((($1 + $2 * BS * 7) % 26)); }

# blk_read SLBA COUNT FILE: read COUNT blocks; returns nvme's status.
blk_read() {
    rm -f "$3"      # nvme-cli does not truncate its output file
    nvme read $NS -s "$1" -c $(($2 - 1)) -z $(($2 * BS)) -d "$3" > $T/rd.out 2>&1
}

# is_zero SLBA COUNT: the blocks read back as zeroes.
is_zero() {
    blk_read "$1" "$2" $T/z.bin && head -c $(($2 * BS)) /dev/zero > $T/zero.bin &&
        cmp -s $T/z.bin $T/zero.bin
}

# is_pat SLBA COUNT SEED: the blocks read back as pattern SEED.
is_pat() {
    blk_read "$1" "$2" $T/p.bin && pat "$2" "$3" > $T/pexp.bin &&
        cmp -s $T/p.bin $T/pexp.bin
}

check_write_zeroes() {
    blk_write 1000 16 1 || { fail write-zeroes "setup write: $(cat $T/out)"; return; }
    if nvme write-zeroes $NS -s 1004 -c 7 > $T/out 2>&1 &&
       nvme write-zeroes $NS -s 1012 -c 1 --deac > $T/out2 2>&1 &&
       is_zero 1004 8 && is_zero 1012 2 && is_pat 1000 4 1 && is_pat 1014 2 $(pshift 1 14); then
        pass write-zeroes
    else
        fail write-zeroes "$(cat $T/out $T/out2 $T/rd.out 2>/dev/null | tail -n3 | tr '\n' ' ')"
    fi
}

check_dsm() {
    blk_write 2000 32 2 || { fail dsm-deallocate "setup write failed"; return; }
    if nvme dsm $NS --ad -s 2000,2020 -b 4,8 > $T/out 2>&1 &&
       is_zero 2000 4 && is_zero 2020 8 && is_pat 2004 16 $(pshift 2 4); then
        pass dsm-deallocate
    else
        fail dsm-deallocate "$(cat $T/out $T/rd.out 2>/dev/null | tail -n3 | tr '\n' ' ')"
    fi
}

check_compare() {
    blk_write 3000 8 3 || { fail compare "setup write failed"; return; }
    pat 8 3 > $T/same.bin; pat 8 4 > $T/other.bin
    if ! nvme compare $NS -s 3000 -c 7 -z 4096 -d $T/same.bin > $T/out 2>&1; then
        fail compare "matching data: $(tail -n2 $T/out | tr '\n' ' ')"
    elif nvme compare $NS -s 3000 -c 7 -z 4096 -d $T/other.bin > $T/out 2>&1; then
        fail compare "mismatching data compared equal"
    elif ! grep -qi 'compare' $T/out; then
        fail compare "mismatch reported as: $(tail -n2 $T/out | tr '\n' ' ')"
    elif ! is_pat 3000 8 3; then
        fail compare "data changed"
    else
        pass compare
    fi
}

check_verify() {
    if nvme verify $NS -s 3000 -c 7 > $T/out 2>&1; then
        pass verify
    else
        fail verify "$(tail -n2 $T/out | tr '\n' ' ')"
    fi
}

# Mark 4 blocks, read fails (and verify too), get-lba-status reports them,
# rewriting one block makes it readable.
check_write_uncor() {
    blk_write 4000 8 5 || { fail write-uncor "setup write failed"; return; }
    if ! nvme write-uncor $NS -s 4002 -c 3 > $T/out 2>&1; then
        fail write-uncor "$(tail -n2 $T/out | tr '\n' ' ')"; return
    fi
    if blk_read 4000 8 $T/u.bin || ! grep -qi 'unrecovered' $T/rd.out; then
        fail write-uncor "read of marked blocks: $(tail -n2 $T/rd.out | tr '\n' ' ')"
    elif nvme verify $NS -s 4000 -c 7 > $T/out 2>&1; then
        fail write-uncor "verify of marked blocks succeeded"
    elif ! is_pat 4000 2 5; then
        fail write-uncor "unmarked neighbours unreadable"
    else
        pass write-uncor
    fi
    check_lba_status
    check_lba_status_log 4 1
    blk_write 4002 4 6
    if is_pat 4002 4 6 && is_pat 4000 2 5; then
        pass write-uncor-rewrite
    else
        fail write-uncor-rewrite "$(tail -n2 $T/rd.out | tr '\n' ' ')"
    fi
    check_lba_status_log_empty
}

# After the rewrite the log has no namespace element and no estimate.
check_lba_status_log_empty() {
    local est elems
    nvme lba-status-log $CTRL > $T/lbl.txt 2>&1
    est=$(field 'Estimate of Unrecoverable Logical Blocks' < $T/lbl.txt)
    elems=$(field 'Number of LBA Status Log Namespace Elements' < $T/lbl.txt)
    ok lba-status-log-cleared "estulb '$est' elements '$elems'" \
        [ "$est:$elems" = 0:0 ]
}

# Get LBA Status.  libnvme 1.3 (bookworm's, under nvme-cli 2.3) leaves the
# data length of "nvme get-lba-status" at 0, so the guest never sees the
# descriptors: the command's status comes from get-lba-status, its data
# from admin-passthru (opcode 86h, MNDW 15, ATYPE 11h).  Dwords: NLSD, CMPC,
# then DSLBA (low, high), NLB of each descriptor.
check_lba_status() {
    local d
    if ! nvme get-lba-status $NS -n 1 -s 0 -m 15 -a 0x11 -l 0 > $T/out 2>&1; then
        fail get-lba-status "$(tail -n2 $T/out | tr '\n' ' ')"; return
    fi
    if ! nvme admin-passthru $CTRL -o 0x86 -n 1 --cdw12=15 --cdw13=$((0x11 << 24)) \
            -l 64 -r -b > $T/lbas.bin 2> $T/out; then
        fail get-lba-status "admin-passthru: $(tail -n2 $T/out | tr '\n' ' ')"; return
    fi
    d=$(od -An -tu4 -v $T/lbas.bin | tr -s ' \n' '  ' | cut -d' ' -f2-6)
    ok get-lba-status "dwords '$d', want NLSD 1, CMPC 2, DSLBA 4002, NLB 4" \
        [ "$d" = "1 2 4002 0 4" ]
}

# check_lba_status_log ESTULB ELEMENTS: "nvme lba-status-log" (log 0Eh)
# shows namespace 1 with the write-uncor range (4002, 4 blocks): its
# estimate of unrecoverable blocks, element count, NSID and range.
check_lba_status_log() {
    local est elems neid
    if ! nvme lba-status-log $CTRL > $T/lbl.txt 2>&1; then
        fail lba-status-log "$(tail -n2 $T/lbl.txt | tr '\n' ' ')"; return
    fi
    est=$(field 'Estimate of Unrecoverable Logical Blocks' < $T/lbl.txt)
    elems=$(field 'Number of LBA Status Log Namespace Elements' < $T/lbl.txt)
    neid=$(field 'Namespace Element Identifier' < $T/lbl.txt)
    if [ "$est" = "$1" ] && [ "$elems" = "$2" ] && [ "$neid" = 1 ] &&
       grep -q ':[ \t]*4002$' $T/lbl.txt; then
        pass lba-status-log
    else
        fail lba-status-log "estulb '$est' elements '$elems' neid '$neid': $(tr '\n' ' ' < $T/lbl.txt | cut -c1-400)"
    fi
}

check_copy() {
    blk_write 5000 8 7 && blk_write 5100 4 8 || { fail copy "setup write failed"; return; }
    if nvme copy $NS -d 6000 -s 5000,5100 -b 7,3 > $T/out 2>&1 &&
       is_pat 6000 8 7 && is_pat 6008 4 8 && is_zero 6012 4; then
        pass copy
    else
        fail copy "$(cat $T/out $T/rd.out 2>/dev/null | tail -n3 | tr '\n' ' ')"
    fi
}

check_oncs() {
    local oncs
    oncs=$(num "$(nvme id-ctrl $CTRL 2>/dev/null | field oncs)")
    ok id-ctrl-oncs "oncs=$oncs, want 0x1ff" [ "$oncs" = $((0x1ff)) ]
}

mkdir -p $T
check_oncs
check_write_zeroes
check_dsm
check_compare
check_verify
check_write_uncor
check_copy
done_
