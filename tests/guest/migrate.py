#!/usr/bin/env python3
# Host side of a live migration between two running QEMUs, for the guest
# runner's "# host-migrate-at:" directive and the benchmark.  The
# destination was started with "-incoming defer" and a QMP socket of its
# own.  Usage:
#   migrate.py SRC_QMP DST_QMP URI [live|postcopy|paused]
# live: precopy while the guest runs; postcopy: switch to postcopy once
# the first RAM pass started; paused: stop, migrate, cont (on the
# destination).  The source QEMU is told to quit once it is done.
# Prints one JSON line: status, total-time and downtime (ms), setup-time;
# exit status 0 if the migration completed and the destination runs.
import json
import socket
import sys
import time


class Qmp:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        for _ in range(100):            # QEMU may still be starting
            try:
                self.sock.connect(path)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise OSError("cannot connect to %s" % path)
        self.f = self.sock.makefile("rw")
        self.f.readline()               # greeting
        self.cmd("qmp_capabilities")

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.f.write(json.dumps(msg) + "\n")
        self.f.flush()
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("QMP connection closed")
            rsp = json.loads(line)
            if "error" in rsp:
                raise RuntimeError("%s: %s" % (name, rsp["error"]["desc"]))
            if "return" in rsp:
                return rsp["return"]


def wait_status(q, goals, timeout=600):
    deadline = time.time() + timeout
    while time.time() < deadline:
        info = q.cmd("query-migrate")
        if info.get("status") in goals:
            return info
        time.sleep(0.05)
    raise TimeoutError("migration still %s" % info.get("status"))


def main():
    src_path, dst_path, uri = sys.argv[1:4]
    mode = sys.argv[4] if len(sys.argv) > 4 else "live"
    src, dst = Qmp(src_path), Qmp(dst_path)
    caps = [{"capability": "events", "state": True}]
    if mode == "postcopy":
        caps.append({"capability": "postcopy-ram", "state": True})
    src.cmd("migrate-set-capabilities", capabilities=caps)
    dst.cmd("migrate-set-capabilities", capabilities=caps)
    dst.cmd("migrate-incoming", uri=uri)
    if mode == "paused":
        src.cmd("stop")
    t0 = time.time()
    src.cmd("migrate", uri=uri)
    if mode == "postcopy":
        wait_status(src, ("active", "completed", "failed"))
        src.cmd("migrate-start-postcopy")
    info = wait_status(src, ("completed", "failed", "cancelled"))
    result = {
        "status": info.get("status"),
        "mode": mode,
        "total-time": info.get("total-time"),
        "downtime": info.get("downtime"),
        "setup-time": info.get("setup-time"),
        "wall": round((time.time() - t0) * 1000),
    }
    if info.get("status") != "completed":
        result["error"] = info.get("error-desc")
        print(json.dumps(result))
        return 1
    dinfo = wait_status(dst, ("completed", "failed"))
    if dinfo.get("status") != "completed":
        result["status"] = "destination " + dinfo.get("status")
        print(json.dumps(result))
        return 1
    if mode == "paused":
        dst.cmd("cont")
    for _ in range(200):
        if dst.cmd("query-status").get("running"):
            break
        time.sleep(0.05)
    else:
        result["status"] = "destination not running"
        print(json.dumps(result))
        return 1
    print(json.dumps(result))
    try:
        src.cmd("quit")
    except (EOFError, OSError):
        pass
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, EOFError, RuntimeError, TimeoutError) as e:
        print(json.dumps({"status": "error", "error": str(e)}))
        sys.exit(1)
