# Durability, part 2 (after durable.sh and a SIGKILL of QEMU): the flushed
# pattern and the FUA write are on the image a new QEMU opens.
# reuse-image: yes
. /tests/lib.sh

durable_pattern
dd if=$NS of=/tmp/back bs=1M skip=32 count=16 iflag=direct 2>/dev/null
if cmp -s /tmp/pattern /tmp/back; then
    pass durable-flushed-data
else
    fail durable-flushed-data "16 MiB read back differ from what was flushed"
fi
dd if=$NS of=/tmp/fua bs=4096 skip=16384 count=1 iflag=direct 2>/dev/null
if head -c 4096 /tmp/pattern | cmp -s - /tmp/fua; then
    pass durable-fua-data
else
    fail durable-fua-data "the FUA-written block differs"
fi
done_
