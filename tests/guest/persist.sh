# Second boot on the image main.sh left behind: what was flushed before the
# first guest powered off must be on the disk image, so QEMU's whole
# write/flush path is covered, not only the guest's page cache.
. /tests/lib.sh

check_persist() {
    mount -t ext4 $NS /mnt 2>/tmp/mount.log || {
        fail persist-mount "$(cat /tmp/mount.log)"; return; }
    pass persist-mount
    if [ -s /mnt/SUMS ] && (cd /mnt && sha256sum -c -s SUMS); then
        pass persist-readback
    else
        fail persist-readback "files from the previous boot differ or SUMS missing"
    fi
    umount /mnt
    if fsck.ext4 -n -f $NS > /tmp/fsck.log 2>&1; then
        pass persist-fsck-clean
    else
        fail persist-fsck-clean "$(tail -n3 /tmp/fsck.log | tr '\n' ' ')"
    fi
}

check_persist
done_
