# Zoned namespace, part 2 (after zns.sh and a SIGKILL of QEMU once a Flush
# completed): the zone state lives in the image.  Zones that were open are
# Closed after the restart (a power cycle), write pointers and written data
# are where they were, full zones stay Full, the reset zone Empty.  Then
# btrfs in zoned mode on the whole namespace: made, filled, checked,
# remounted and read back.
# reuse-image: yes
# qemu-args: -drive file=@IMG@,if=none,id=z0,format=raw -device nvme,id=c0,serial=NVMETEST0001,zoned.zasl=5 -device nvme-ns,drive=z0,bus=c0,nsid=1,zoned=true,zoned.zone_size=4M,zoned.zone_capacity=3M,zoned.max_open=8,zoned.max_active=16,zoned.descr_ext_size=64,zoned.cross_read=on
. /tests/lib.sh

ZONE=8192
zrep() { nvme zns report-zones $NS -s "$1" -d 1 2>&1 | grep 'SLBA:'; }
# zone states as report-zones prints them (ZS in bits 7:4)
EMPTY=0x10 IMP_OPENED=0x20 EXP_OPENED=0x30 CLOSED=0x40 FULL=0xe0
zstate() { zrep "$1" | sed 's/.*State: *\(0x[0-9a-f]*\).*/\1/'; }
zwp() { num "$(zrep "$1" | sed 's/.*WP: *\(0x[0-9a-f]*\).*/\1/')"; }

wait_until 30 [ -b $NS ]
z50=$((50 * ZONE)) z51=$((51 * ZONE)) z3=$((3 * ZONE))
ok persist-written-zone "zone 50: $(zrep $z50)" \
    eval '[ "$(zstate $z50)" = $CLOSED -a "$(zwp $z50)" = $((z50 + 16)) ]'
ok persist-open-zone "zone 51: $(zrep $z51)" \
    eval '[ "$(zstate $z51)" = $CLOSED -a "$(zwp $z51)" = $z51 ]'
ok persist-appended-zone "zone 3: $(zrep $z3)" \
    eval '[ "$(zstate $z3)" = $CLOSED -a "$(zwp $z3)" = $((z3 + 16)) ]'
ok persist-full-zone "zone 8: $(zrep $((8 * ZONE)))" \
    [ "$(zstate $((8 * ZONE)))" = $FULL ]
ok persist-empty-zone "zone 2: $(zrep $((2 * ZONE)))" \
    [ "$(zstate $((2 * ZONE)))" = $EMPTY ]
yes zns-persist | head -c 8192 > /tmp/d16
dd if=$NS of=/tmp/b16 bs=8192 skip=$((z50 / 16)) count=1 iflag=direct 2> /dev/null
ok persist-data "zone 50 data read back" cmp -s /tmp/d16 /tmp/b16
# writing goes on at the kept write pointer
nvme write $NS -s $((z50 + 16)) -c 15 -z 8192 -d /tmp/d16 > /dev/null 2>&1
ok persist-write-on "zone 50: $(zrep $z50)" [ "$(zwp $z50)" = $((z50 + 32)) ]

# --- a zoned file system on the whole namespace: btrfs (zoned mode) ---
blkzone reset $NS
mkfs.btrfs -f -d single -m single $NS > /tmp/mkfs.log 2>&1
rc=$?
ok btrfs-mkfs "rc $rc: $(tail -n4 /tmp/mkfs.log | tr '\n' ' ')" [ $rc = 0 ]
mkdir -p /mnt
mount -t btrfs $NS /mnt 2> /tmp/mount.log
ok btrfs-zoned "$(cat /tmp/mount.log) $(dmesg | grep -i 'btrfs.*zoned' | tail -n1)" \
    eval 'grep -q " /mnt btrfs" /proc/mounts && dmesg | grep -qi "btrfs.*zoned mode"'
i=0
while [ $i -lt 24 ]; do
    dd if=/dev/urandom of=/mnt/f$i bs=64k count=$((i + 4)) 2> /dev/null
    i=$((i + 1))
done
sync
md5sum /mnt/f* > /tmp/sums
rm /mnt/f3 /mnt/f7
sync
umount /mnt
btrfs check --readonly $NS > /tmp/check.log 2>&1
rc=$?
ok btrfs-check "rc $rc: $(tail -n2 /tmp/check.log | tr '\n' ' ')" [ $rc = 0 ]
mount -t btrfs $NS /mnt
grep -v '/mnt/f3$\|/mnt/f7$' /tmp/sums > /tmp/sums.kept
ok btrfs-data "files read back after a remount: $(md5sum -c /tmp/sums.kept 2>&1 | grep -v OK | head -n2)" \
    md5sum -c -s /tmp/sums.kept
umount /mnt
kernel_log_clean kernel-log
done_
