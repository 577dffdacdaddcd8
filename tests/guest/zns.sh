# Guest test of a zoned namespace on upstream's command line, as Linux
# sees it: a host-managed disk with the zone geometry and limits (the
# multipath head's queue/ does not stack max_open/max_active: a path disk
# has them), zone open/close/finish/reset through blkzone (the kernel's
# zone ioctls) and nvme-cli's zns plugin, Zone Append, with the conditions
# and write pointers both report, a write off the write pointer refused, fio zonemode=zbd writing and verifying 32
# zones at QD32 from four jobs, then zone state left for zns-check.sh after
# a Flush and a SIGKILL of QEMU.
# qemu-args: -drive file=@IMG@,if=none,id=z0,format=raw -device nvme,id=c0,serial=NVMETEST0001,zoned.zasl=5 -device nvme-ns,drive=z0,bus=c0,nsid=1,zoned=true,zoned.zone_size=4M,zoned.zone_capacity=3M,zoned.max_open=8,zoned.max_active=16,zoned.descr_ext_size=64,zoned.cross_read=on
# host-kill: ZNS-KILL-ME
. /tests/lib.sh

ZONE=8192                       # 4 MiB of 512-byte blocks
CAP=6144                        # 3 MiB

# zstate / zwp ZSLBA: the zone's state and write pointer (report-zones)
zrep() { nvme zns report-zones $NS -s "$1" -d 1 2>&1 | grep 'SLBA:'; }
# zone states as report-zones prints them (ZS in bits 7:4)
EMPTY=0x10 IMP_OPENED=0x20 EXP_OPENED=0x30 CLOSED=0x40 FULL=0xe0
zstate() { zrep "$1" | sed 's/.*State: *\(0x[0-9a-f]*\).*/\1/'; }
zwp() { num "$(zrep "$1" | sed 's/.*WP: *\(0x[0-9a-f]*\).*/\1/')"; }
zis() { [ "$(zstate "$1")" = "$2" ]; }

wait_until 30 [ -b $NS ]
q=/sys/block/nvme0n1/queue
# the limits: on the path disk under a multipath head, else the disk's
p=$(ls -d /sys/block/nvme0c*n1/queue 2>/dev/null | head -n1)
p=${p:-$q}
ok zoned-host-managed "zoned '$(cat $q/zoned)'" [ "$(cat $q/zoned)" = host-managed ]
ok zone-size "chunk_sectors $(cat $q/chunk_sectors)" [ "$(cat $q/chunk_sectors)" = $ZONE ]
ok nr-zones "nr_zones $(cat $q/nr_zones)" [ "$(cat $q/nr_zones)" = 64 ]
ok zone-limits "path $p: open $(cat $p/max_open_zones) active $(cat $p/max_active_zones) append $(cat $p/zone_append_max_bytes)" \
    [ "$(cat $p/max_open_zones)" = 8 -a "$(cat $p/max_active_zones)" = 16 -a \
      "$(cat $p/zone_append_max_bytes)" = 131072 ]
ok zone-capacity "zone 0: $(zrep 0)" eval '[ "$(zrep 0 | sed "s/.*Cap: *\(0x[0-9a-f]*\).*/\1/")" = 0x1800 ]'

# --- zone management through nvme-cli ---
z2=$((2 * ZONE))
nvme zns open-zone $NS -s $z2 > /dev/null 2>&1
ok zone-open "zone 2 $(zstate $z2)" zis $z2 $EXP_OPENED
nvme zns close-zone $NS -s $z2 > /dev/null 2>&1
ok zone-close "zone 2 $(zstate $z2)" zis $z2 $CLOSED
nvme zns finish-zone $NS -s $z2 > /dev/null 2>&1
ok zone-finish "zone 2 $(zstate $z2)" zis $z2 $FULL
nvme zns reset-zone $NS -s $z2 > /dev/null 2>&1
ok zone-reset "zone 2 $(zstate $z2) wp $(zwp $z2)" \
    eval '[ "$(zstate $z2)" = $EMPTY -a "$(zwp $z2)" = $z2 ]'

z3=$((3 * ZONE))
dd if=/dev/urandom of=/tmp/d8 bs=4096 count=1 2> /dev/null
nvme write $NS -s $z3 -c 7 -z 4096 -d /tmp/d8 > /dev/null 2>&1
ok zone-write "zone 3 $(zstate $z3) wp $(zwp $z3)" \
    eval '[ "$(zstate $z3)" = $IMP_OPENED -a "$(zwp $z3)" = $((z3 + 8)) ]'
app=$(nvme zns zone-append $NS -s $z3 -z 4096 -d /tmp/d8 2>&1)
ok zone-append "append: $app; wp $(zwp $z3)" \
    eval '[ "$(zwp $z3)" = $((z3 + 16)) ] && echo "$app" | grep -q "$(printf %x $((z3 + 8)))"'
bad=$(nvme write $NS -s $((z3 + 32)) -c 7 -z 4096 -d /tmp/d8 2>&1)
ok zone-invalid-write "off the write pointer: $bad" \
    eval 'echo "$bad" | grep -qi "invalid write"'
dd if=$NS of=/tmp/b8 bs=4096 skip=$((z3 / 8 + 1)) count=1 iflag=direct 2> /dev/null
ok zone-append-data "appended data read back" cmp -s /tmp/d8 /tmp/b8

# --- the same through the kernel: blkzone (offsets in 512-byte sectors) ---
# bcond ZSLBA: the zone condition blkzone reports ("zcond: N(xx)")
bcond() { blkzone report -o "$1" -c 1 $NS 2>&1 | sed -n 's/.*zcond: *\([0-9]*\).*/\1/p'; }
bwp() { blkzone report -o "$1" -c 1 $NS 2>&1 | sed -n 's/.*wptr \(0x[0-9a-f]*\).*/\1/p'; }
z4=$((4 * ZONE))
ok blkzone-report "$(blkzone report -c 2 $NS 2>&1 | tr '\n' ' ')" \
    [ "$(blkzone report $NS | wc -l)" = 64 -a "$(bcond 0)" = 1 ]
blkzone open -o $z4 -c 1 $NS
ok blkzone-open "cond $(bcond $z4), nvme-cli: $(zstate $z4)" \
    eval '[ "$(bcond $z4)" = 3 ] && zis $z4 $EXP_OPENED'
blkzone close -o $z4 -c 1 $NS
ok blkzone-close "cond $(bcond $z4)" [ "$(bcond $z4)" = 4 ]
blkzone finish -o $z4 -c 1 $NS
ok blkzone-finish "cond $(bcond $z4)" [ "$(bcond $z4)" = 14 ]
blkzone reset -o $z4 -c 1 $NS
ok blkzone-reset "cond $(bcond $z4) wp $(bwp $z4)" \
    eval '[ "$(bcond $z4)" = 1 -a "$(num "$(bwp $z4)")" = 0 ]'
dd if=/dev/urandom of=$NS bs=4096 seek=$((z4 / 8)) count=3 oflag=direct 2> /dev/null
ok blkzone-written "wp $(bwp $z4) after 24 sectors, cond $(bcond $z4)" \
    eval '[ "$(num "$(bwp $z4)")" = 24 -a "$(bcond $z4)" = 2 ]'

# --- fio zonemode=zbd: 4 jobs of 8 zones each (zones 8-39), QD32, verify ---
fio --name=zbd --filename=$NS --ioengine=libaio --direct=1 --zonemode=zbd \
    --rw=write --bs=16k --iodepth=32 --numjobs=4 --offset=32M --size=32M \
    --offset_increment=32M --verify=crc32c --group_reporting \
    --output-format=terse --terse-version=3 > /tmp/zbd.log 2>&1
rc=$?
wkb=$(terse /tmp/zbd.log 47); rkb=$(terse /tmp/zbd.log 6); err=$(terse /tmp/zbd.log 5)
ok fio-zbd-verify "rc=$rc err=$err wrote=${wkb}KiB read=${rkb}KiB $(grep -v '^3;' /tmp/zbd.log | tail -n3 | tr '\n' ' ')" \
    [ "$rc" = 0 -a "$err" = 0 -a "$wkb" = $((32 * 3 * 1024)) -a "$rkb" = "$wkb" ]
ok fio-zbd-full "zone 8 $(zstate $((8 * ZONE))), zone 39 $(zstate $((39 * ZONE)))" \
    eval 'zis $((8 * ZONE)) $FULL && zis $((39 * ZONE)) $FULL'
kernel_log_clean kernel-log "timeout|abort|I/O error|disabling"

# --- state for zns-check.sh: zone 50 written 16 blocks, flushed, killed ---
z50=$((50 * ZONE))
yes zns-persist | head -c 8192 > /tmp/d16
nvme write $NS -s $z50 -c 15 -z 8192 -d /tmp/d16 > /dev/null 2>&1
nvme zns open-zone $NS -s $((51 * ZONE)) > /dev/null 2>&1
fl=$(nvme flush $CTRL -n 1 2>&1)
ok persist-setup "zone 50 wp $(zwp $z50), flush: $fl" \
    [ "$(zwp $z50)" = $((z50 + 16)) ]
echo GUEST-DONE
sync
echo ZNS-KILL-ME
sleep 600
