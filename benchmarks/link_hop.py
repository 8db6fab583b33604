"""The media hop alone: N calls' 20 ms frames from a "front" process to a "worker" process over
the link (Unix socket, the framed protocol, ``LinkStream`` on both sides), no session work.

Prints one JSON object: the one-way delay of a frame (front wrote it → worker decoded it; both
processes read the same monotonic clock) as p50/p95, and the CPU each side spends per frame.
This is the hop's own cost; ``scale.py`` measures it inside a loaded deployment.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import tempfile
import time

import numpy as np
import psutil

from vocalis.worker.link.codec import AudioIn
from vocalis.worker.link.stream import LinkStream

FRAME = 0.02
PCM = bytes(640)


def worker_main(path: str, calls: int, frames: int, out: multiprocessing.Queue) -> None:
    async def serve() -> None:
        delays: list[float] = []
        done = asyncio.Event()
        finished = 0

        async def on_link(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            nonlocal finished
            link = LinkStream(reader, writer)
            for _ in range(frames):
                frame = await link.receive()
                assert isinstance(frame, AudioIn)
                delays.append(time.monotonic() - frame.sent_at)
            finished += 1
            if finished == calls:
                done.set()

        server = await asyncio.start_unix_server(on_link, path)
        out.put("ready")
        cpu0 = sum(psutil.Process().cpu_times()[:2])
        await done.wait()
        cpu = sum(psutil.Process().cpu_times()[:2]) - cpu0
        server.close()
        out.put((delays, cpu))

    asyncio.run(serve())


async def front(path: str, calls: int, frames: int) -> float:
    links = [await LinkStream.dial(f"unix:{path}") for _ in range(calls)]
    loop = asyncio.get_running_loop()
    cpu0 = sum(psutil.Process().cpu_times()[:2])

    async def one(link: LinkStream, index: int) -> None:
        await asyncio.sleep((index % 20) * 0.001)
        start = loop.time()
        for i in range(frames):
            delay = start + i * FRAME - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            link.send_audio_in(PCM, 16000, loop.time())

    await asyncio.gather(*(one(link, i) for i, link in enumerate(links)))
    cpu = sum(psutil.Process().cpu_times()[:2]) - cpu0
    for link in links:
        await link.aclose()
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    frames = int(args.seconds / FRAME)
    path = os.path.join(tempfile.mkdtemp(), "link.sock")
    queue: multiprocessing.Queue = multiprocessing.get_context("spawn").Queue()
    worker = multiprocessing.get_context("spawn").Process(
        target=worker_main, args=(path, args.calls, frames, queue))
    worker.start()
    assert queue.get(timeout=60) == "ready"
    front_cpu = asyncio.run(front(path, args.calls, frames))
    delays, worker_cpu = queue.get(timeout=120)
    worker.join(10)
    total = args.calls * frames
    p50, p95, p99 = np.percentile(np.array(delays) * 1000, [50, 95, 99])
    print(json.dumps({
        "calls": args.calls, "frames": total,
        "hop_ms": {"p50": round(float(p50), 3), "p95": round(float(p95), 3),
                   "p99": round(float(p99), 3)},
        "front_cpu_us_per_frame": round(front_cpu * 1e6 / total, 1),
        "worker_cpu_us_per_frame": round(worker_cpu * 1e6 / total, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }))


if __name__ == "__main__":
    main()
