#!/usr/bin/env python3
"""Start-up time of a Kafka-API broker: from spawning the process to the first answered ApiVersions request.

usage: startup_probe.py DATA_DIR -- COMMAND... (COMMAND may contain {kafka_port} and {http_port}; DATA_DIR
must be empty). Prints {"startup_ms": X}. The broker is sent SIGTERM (by its PID) and reaped afterwards.
Bounded: gives up after 30 s."""
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api_versions(port):
    """One ApiVersions v0 round trip; True when the broker answered with error_code 0."""
    client_id = b"sd-startup-probe"
    body = struct.pack(">hhih", 18, 0, 7, len(client_id)) + client_id
    with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
        s.sendall(struct.pack(">i", len(body)) + body)
        head = s.recv(4, socket.MSG_WAITALL)
        if len(head) != 4:
            return False
        (size,) = struct.unpack(">i", head)
        resp = s.recv(size, socket.MSG_WAITALL)
        if len(resp) < 6:
            return False
        corr, err = struct.unpack(">ih", resp[:6])
        return corr == 7 and err == 0


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    kafka_port, http_port = free_port(), free_port()
    cmd = [a.format(kafka_port=kafka_port, http_port=http_port) for a in sys.argv[3:]]
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    elapsed = None
    try:
        while time.monotonic() - t0 < 30 and proc.poll() is None:
            try:
                if api_versions(kafka_port):
                    elapsed = (time.monotonic() - t0) * 1000.0
                    break
            except OSError:
                time.sleep(0.001)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
    if elapsed is None:
        print("startup_probe: no ApiVersions answer", file=sys.stderr)
        return 1
    print(json.dumps({"startup_ms": round(elapsed, 2)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
