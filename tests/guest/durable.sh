# Durability, part 1: write a pattern with O_DIRECT, flush it with an NVMe
# Flush, then ask the host to SIGKILL QEMU (no shutdown, no chance to write
# anything back).  durable-check.sh, booted next on the same image, checks
# that everything acknowledged before the kill is on the disk image.
# host-kill: GUEST-KILL-ME
. /tests/lib.sh

# 16 MiB of per-MiB distinct data from offset 32 MiB, plus one FUA write.
durable_pattern
if dd if=/tmp/pattern of=$NS bs=1M seek=32 oflag=direct 2>/tmp/dd.log &&
   nvme flush $CTRL -n 1 > /tmp/flush.log 2>&1; then
    pass durable-write-flush
else
    fail durable-write-flush "$(cat /tmp/dd.log /tmp/flush.log | tail -n 2)"
fi
head -c 4096 /tmp/pattern > /tmp/fua
if nvme write $NS -s 131072 -c 7 -z 4096 -d /tmp/fua --force-unit-access \
        > /tmp/fua.log 2>&1; then
    pass durable-fua-write
else
    fail durable-fua-write "$(tail -n 1 /tmp/fua.log)"
fi
echo GUEST-DONE
sync
echo GUEST-KILL-ME
sleep 600
