# Guest test of the Controller Memory Buffer in the NVMe 1.3 layout
# (legacy-cmb=on): CAP.CMBS clear, CMBLOC/CMBSZ valid from the start, no
# CMBMSC; Linux maps the CMB all the same.  Checks of cmb.sh.
# qemu-args: -drive file=@IMG@,if=none,id=d0,format=raw -device nvme,drive=d0,serial=NVMETEST0001,cmb_size_mb=16,legacy-cmb=on
# guest-append: iomem=relaxed
. /tests/lib.sh

cmb_checks cmb-legacy- 0x1021f 0xea 0
io_paths_check cmb-legacy- 2
done_
