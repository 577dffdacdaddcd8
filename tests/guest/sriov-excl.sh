# Guest test of SR-IOV with msix-exclusive-bar=on on the PF (its MSI-X
# table in BAR 4; the VFs keep theirs in BAR0): the checks of sriov.sh.
# qemu-args: -device pcie-root-port,id=rp0,chassis=1 -blockdev driver=raw,node-name=d1,offset=0,size=134217728,file.driver=file,file.filename=@IMG@,file.locking=off -blockdev driver=raw,node-name=d2,offset=134217728,size=134217728,file.driver=file,file.filename=@IMG@,file.locking=off -device nvme-subsys,id=s0,nqn=sriov0 -device nvme,id=pf,bus=rp0,serial=sriov0,subsys=s0,sriov_max_vfs=4,sriov_vq_flexible=8,sriov_vi_flexible=4,sriov_max_vi_per_vf=2,sriov_max_vq_per_vf=4,msix-exclusive-bar=on -device nvme-ns,drive=d1,bus=pf,nsid=1,shared=off,detached=on -device nvme-ns,drive=d2,bus=pf,nsid=2,shared=off
. /tests/sriov.sh
