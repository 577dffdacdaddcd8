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
    fsck_clean persist-fsck-clean
}

check_persist
done_
