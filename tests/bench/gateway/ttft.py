#!/usr/bin/env python3
"""Time to first token of a streamed chat completion, as tests/bench/gateway.sh measures it.

Each request opens a connection (not timed), sends the request, and times until the first `data:` line that carries a
non-empty "content" delta has arrived; then reads the answer to its end. Prints the median and the 90th percentile in
milliseconds, and how many answers were not a 200 stream ending in [DONE] (those are left out of the figures).
"""
import argparse
import re
import socket
import statistics
import time

FIRST_TOKEN = re.compile(rb'data: ?\{[^\n]*"content": ?"[^"]')


def one(port, request, timeout):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = b""
        start = time.perf_counter()
        sock.sendall(request)
        first = None
        while True:
            piece = sock.recv(65536)
            if not piece:
                break
            buffer += piece
            if first is None and FIRST_TOKEN.search(buffer):
                first = time.perf_counter() - start
            if b"data: [DONE]" in buffer:
                break
        ok = buffer.startswith(b"HTTP/1.1 200") and b"data: [DONE]" in buffer and first is not None
        return first if ok else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--body", required=True)
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=10.0)
    args = parser.parse_args()

    body = args.body.encode()
    head = [f"POST {args.path} HTTP/1.1", f"Host: 127.0.0.1:{args.port}", "Content-Type: application/json",
            "Accept: text/event-stream", f"Content-Length: {len(body)}", "Connection: close", *args.header]
    request = ("\r\n".join(head) + "\r\n\r\n").encode() + body

    for _ in range(args.warmup):
        one(args.port, request, args.timeout)
    times, failed = [], 0
    for _ in range(args.count):
        t = one(args.port, request, args.timeout)
        if t is None:
            failed += 1
        else:
            times.append(t * 1000)
    if not times:
        print("nan nan", failed)
        return
    times.sort()
    print(f"{statistics.median(times):.3f} {times[int(0.9 * (len(times) - 1))]:.3f} {failed}")


if __name__ == "__main__":
    main()
