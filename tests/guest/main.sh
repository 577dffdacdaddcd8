# Main guest test: identify, logs, fio verify at QD1/QD32, reset under I/O and
# ext4.  Leaves an ext4 file system with /SUMS for persist.sh (next boot).
. /tests/lib.sh

SERIAL=$(arg nvmeserial "")
SIZE=$(arg nvmesize 0)

check_list() {
    local line
    line=$(nvme list 2>&1 | grep "^$NS ")
    case "$line" in
        *" $SERIAL "*) pass nvme-list ;;
        *) fail nvme-list "no $NS line with serial '$SERIAL': $(nvme list 2>&1 | tail -n +3 | head -n2)" ;;
    esac
}

check_id_ctrl() {
    local out vid sn mdts sqes cqes kb
    out=$(nvme id-ctrl $CTRL 2>&1) || { fail id-ctrl "nvme id-ctrl failed: $out"; return; }
    vid=$(echo "$out" | field vid); sn=$(echo "$out" | field sn)
    mdts=$(num "$(echo "$out" | field mdts)")
    sqes=$(num "$(echo "$out" | field sqes)"); cqes=$(num "$(echo "$out" | field cqes)")
    ok id-ctrl-vid "vid=$vid, want 0x1b36" [ "$vid" = 0x1b36 ]
    ok id-ctrl-serial "sn='$sn', want '$SERIAL'" [ "$sn" = "$SERIAL" ]
    # SQES/CQES: required (low nibble) entry sizes are 2^6 and 2^4 bytes,
    # maximum (high nibble) at least that.
    ok id-ctrl-sqes-cqes "sqes=$sqes cqes=$cqes" \
        [ $((sqes & 15)) = 6 -a $((sqes >> 4)) -ge 6 -a $((cqes & 15)) = 4 -a $((cqes >> 4)) -ge 4 ]
    # MDTS (units of the 4 KiB minimum page) must bound what Linux sends.
    kb=$(cat /sys/block/nvme0n1/queue/max_hw_sectors_kb)
    if [ "$mdts" -eq 0 ] || { [ "$mdts" -gt 0 ] && [ "$mdts" -le 16 ] && [ "$kb" -le $((4 << mdts)) ]; }; then
        pass id-ctrl-mdts
    else
        fail id-ctrl-mdts "mdts=$mdts but max_hw_sectors_kb=$kb"
    fi
}

check_id_ns() {
    local out nsze ncap flbas lbads bs sysbs
    out=$(nvme id-ns $NS 2>&1) || { fail id-ns "nvme id-ns failed: $out"; return; }
    nsze=$(num "$(echo "$out" | field nsze)"); ncap=$(num "$(echo "$out" | field ncap)")
    flbas=$(num "$(echo "$out" | field flbas)")
    # The in-use format: LBA data size is 2^lbads.
    lbads=$(echo "$out" | sed -n "s/^lbaf *$((flbas & 15)) *:.*lbads:\([0-9]*\).*/\1/p")
    bs=$((1 << ${lbads:-0}))
    sysbs=$(cat /sys/block/nvme0n1/queue/logical_block_size)
    ok id-ns-nsze "nsze=$nsze x $bs B != $SIZE B image" [ $((nsze * bs)) = "$SIZE" ]
    ok id-ns-ncap "ncap=$ncap > nsze=$nsze" [ "$ncap" -gt 0 -a "$ncap" -le "$nsze" ]
    ok id-ns-lbasize "lbads=$lbads, kernel uses $sysbs B blocks" [ "$bs" = "$sysbs" ]
    ok id-ns-blockdev-size "kernel sees $(($(cat /sys/block/nvme0n1/size) * 512)) B" \
        [ $(($(cat /sys/block/nvme0n1/size) * 512)) = "$SIZE" ]
}

check_error_log() {
    local out
    if out=$(nvme error-log $CTRL 2>&1) && echo "$out" | grep -q 'Error Log Entries'; then
        pass error-log
    else
        fail error-log "$(echo "$out" | head -n2 | tr '\n' ' ')"
    fi
}

smart() { nvme smart-log -o json $CTRL 2>/dev/null | jfield "$1"; }

# A QD1 verified random write; SMART write counters must grow by at least
# what fio wrote (data units are 1000 x 512 bytes, rounded up).
check_fio_qd1_and_smart() {
    local hwc0 duw0 hrc0 hwc1 duw1 hrc1 mib=16
    hwc0=$(smart host_write_commands); duw0=$(smart data_units_written)
    hrc0=$(smart host_read_commands)
    fio_verify fio-qd1-verify /tmp/fio1.log $((mib * 1024)) --iodepth=1 \
        --size=${mib}M
    hwc1=$(smart host_write_commands); duw1=$(smart data_units_written)
    hrc1=$(smart host_read_commands)
    if [ -z "$hwc0" ] || [ -z "$hwc1" ]; then
        fail smart-log "cannot read smart-log counters"
        return
    fi
    ok smart-log-write-commands "host_write_commands $hwc0 -> $hwc1, fio issued $((mib * 256))" \
        [ $((hwc1 - hwc0)) -ge $((mib * 256)) ]
    ok smart-log-data-units-written "data_units_written $duw0 -> $duw1, want +$((mib * 2048 / 1000))" \
        [ $((duw1 - duw0)) -ge $((mib * 2048 / 1000)) ]
    ok smart-log-read-commands "host_read_commands $hrc0 -> $hrc1" \
        [ $((hrc1 - hrc0)) -ge $((mib * 256)) ]
}

# Two jobs pinned to different CPUs at QD32: Linux maps each CPU to its own
# I/O queue, so at least two queues' interrupt vectors must fire.
check_fio_qd32() {
    local mib=32 n
    queue_irqs > /tmp/irq0
    fio_verify fio-qd32-2jobs-verify /tmp/fio32.log $((2 * mib * 1024)) \
        --iodepth=32 --numjobs=2 --size=${mib}M --offset_increment=${mib}M \
        --cpus_allowed=0-1 --cpus_allowed_policy=split
    queue_irqs > /tmp/irq1
    n=$(queues_grown /tmp/irq0 /tmp/irq1)
    ok multi-queue "only $n I/O queue vector(s) fired: $(cat /tmp/irq1 | tr '\n' ' ')" [ "$n" -ge 2 ]
}

# ext4 round trip: data written, synced, unmounted, read back after a
# remount with caches dropped; fsck must find the file system clean.
check_ext4() {
    local i
    if ! mkfs.ext4 -F -q $NS > /tmp/mkfs.log 2>&1; then
        fail ext4-mkfs "$(tail -n2 /tmp/mkfs.log | tr '\n' ' ')"; return
    fi
    pass ext4-mkfs
    mount -t ext4 $NS /mnt || { fail ext4-mount "mount failed"; return; }
    mkdir -p /mnt/d
    for i in 1 2 3; do dd if=/dev/urandom of=/mnt/big$i bs=1M count=$((i * 4)) 2>/dev/null; done
    for i in $(seq 1 50); do head -c $((i * 997)) /dev/urandom > /mnt/d/small$i; done
    (cd /mnt && find . -type f ! -name SUMS | sort | xargs sha256sum > /tmp/SUMS)
    cp /tmp/SUMS /mnt/SUMS
    sync
    umount /mnt || { fail ext4-umount "umount failed"; return; }
    echo 3 > /proc/sys/vm/drop_caches
    mount -t ext4 $NS /mnt || { fail ext4-remount "mount failed"; return; }
    if (cd /mnt && sha256sum -c -s /tmp/SUMS) && cmp -s /tmp/SUMS /mnt/SUMS; then
        pass ext4-readback
    else
        fail ext4-readback "checksums differ after remount"
    fi
    umount /mnt
    fsck_clean ext4-fsck-clean
}

# Nothing in the kernel log that points at the device misbehaving.

check_list
check_id_ctrl
check_id_ns
check_error_log
check_fio_qd1_and_smart
check_fio_qd32
reset_under_io "" 2
check_ext4
kernel_log_clean kernel-log-clean "" "EXT4-fs error"
done_
