#!/usr/bin/env python3
# Host side of the guest runner's "# host-qmp-at:" directive: send one QMP
# command (JSON text) to QEMU's QMP unix socket and print the reply.
# Usage: qmp-send.py SOCKET 'JSON'   Exit status 0 if the reply is "return".
import json
import socket
import sys
import time


def main():
    path, cmd = sys.argv[1], json.loads(sys.argv[2])
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    for _ in range(50):                 # QEMU may still be starting
        try:
            s.connect(path)
            break
        except OSError:
            time.sleep(0.1)
    else:
        print("qmp-send: cannot connect to %s" % path)
        return 1
    f = s.makefile("rw")

    def reply():
        while True:
            line = f.readline()
            if not line:
                raise EOFError("QMP connection closed")
            msg = json.loads(line)
            if "return" in msg or "error" in msg:
                return msg

    f.readline()                        # greeting
    f.write(json.dumps({"execute": "qmp_capabilities"}) + "\n")
    f.flush()
    reply()
    f.write(json.dumps(cmd) + "\n")
    f.flush()
    msg = reply()
    print(json.dumps(msg))
    return 0 if "return" in msg else 1


if __name__ == "__main__":
    sys.exit(main())
