"""CPython twins of bench/workloads.ts: the same workloads, the same sizes, the same output
(one JSON line per workload, the best of --repeat runs, default 3, after --warmup untimed runs,
default 1)."""
import asyncio
import json
import sys
import time

N_CALLS = 1_000_000
N_TASKS = 100_000
N_FUTURES = 300_000
N_TIMERS = 100_000
N_PINGPONG = 200_000


def lcg(seed):
    x = seed
    while True:
        x = (x * 1103515245 + 12345) % 2147483648
        yield x / 2147483648


RUN = asyncio.run  # replaced by a uvloop runner with --uvloop


def timed(main):
    async def wrapper():
        t0 = time.perf_counter()
        await main()
        return time.perf_counter() - t0
    return RUN(wrapper())


async def call_soon_chain():
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    n = 0
    def step():
        nonlocal n
        n += 1
        if n < N_CALLS:
            loop.call_soon(step)
        else:
            done.set_result(None)
    loop.call_soon(step)
    await done


async def call_soon_fanout():
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    n = 0
    def cb():
        nonlocal n
        n += 1
        if n == N_CALLS:
            done.set_result(None)
    for _ in range(N_CALLS):
        loop.call_soon(cb)
    await done


async def sleep0_pingpong():
    async def player():
        for _ in range(N_PINGPONG // 2):
            await asyncio.sleep(0)
    a = asyncio.create_task(player())
    b = asyncio.create_task(player())
    await a
    await b


async def spawn_tasks_sleep0():
    async def child():
        await asyncio.sleep(0)
    tasks = [asyncio.create_task(child()) for _ in range(N_TASKS)]
    for t in tasks:
        await t


async def await_futures_from_callbacks():
    loop = asyncio.get_running_loop()
    for i in range(N_FUTURES):
        fut = loop.create_future()
        loop.call_soon(fut.set_result, i)
        await fut


async def call_later_random():
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    rnd = lcg(42)
    n = 0
    def cb():
        nonlocal n
        n += 1
        if n == N_TIMERS:
            done.set_result(None)
    for _ in range(N_TIMERS):
        loop.call_later(next(rnd) * 0.05, cb)
    await done


def async_tree(leaf):
    async def tree(depth):
        if depth == 0:
            if leaf == "sleep0":
                await asyncio.sleep(0)
            elif leaf == "sleep":
                await asyncio.sleep(0.001)
            return
        await asyncio.gather(*[tree(depth - 1) for _ in range(6)])
    async def main():
        await tree(6)
    return main


async def gather_100k_tasks():
    async def child():
        await asyncio.sleep(0)
    tasks = [asyncio.create_task(child()) for _ in range(N_TASKS)]
    await asyncio.gather(*tasks)


async def taskgroup_100k_children():
    async def child():
        await asyncio.sleep(0)
    async with asyncio.TaskGroup() as tg:
        for _ in range(N_TASKS):
            tg.create_task(child())


async def wait_for_100k_in_time():
    async def quick():
        await asyncio.sleep(0)
        return 1
    for _ in range(N_TASKS):
        await asyncio.wait_for(quick(), 10)


async def timeout_100k_blocks():
    for _ in range(N_TASKS):
        async with asyncio.timeout(10):
            await asyncio.sleep(0)


async def cancel_100k_sleeping_tasks():
    async def sleeper():
        await asyncio.sleep(3600)
    tasks = [asyncio.create_task(sleeper()) for _ in range(N_TASKS)]
    await asyncio.sleep(0)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def timeout_100k_expired():
    for _ in range(N_TASKS):
        try:
            async with asyncio.timeout(0):
                await asyncio.sleep(1)
        except TimeoutError:
            pass


async def queue_1m_items():
    q = asyncio.Queue(maxsize=100)
    async def producer():
        for i in range(1_000_000):
            await q.put(i)
    async def consumer():
        for _ in range(1_000_000):
            await q.get()
    await asyncio.gather(producer(), consumer())


async def lock_100_tasks_100k_acquisitions():
    lock = asyncio.Lock()
    async def worker():
        for _ in range(1000):
            async with lock:
                await asyncio.sleep(0)
    await asyncio.gather(*[worker() for _ in range(100)])


async def semaphore10_100k_tasks():
    sem = asyncio.Semaphore(10)
    async def job():
        async with sem:
            await asyncio.sleep(0)
    tasks = [asyncio.create_task(job()) for _ in range(N_TASKS)]
    await asyncio.gather(*tasks)


async def event_fanout_10k_waiters():
    ev = asyncio.Event()
    tasks = [asyncio.create_task(ev.wait()) for _ in range(10_000)]
    await asyncio.sleep(0)
    ev.set()
    await asyncio.gather(*tasks)


async def condition_pingpong_100k():
    cond = asyncio.Condition()
    turn = 0
    async def player(me):
        nonlocal turn
        for _ in range(50_000):
            async with cond:
                await cond.wait_for(lambda: turn == me)
                turn = 1 - me
                cond.notify()
    await asyncio.gather(player(0), player(1))


MSG_4K = b"a" * 4096
N_PINGPONG_4K = 20_000
BULK_BYTES = 64 * 1024 * 1024
BULK_CHUNK = b"b" * (64 * 1024)
N_CLIENTS = 100
N_CLIENT_TRIPS = 100
MSG_100 = b"c" * 100
N_SPIN_TRIPS = 2000


async def echo_exactly(reader, writer, size):
    try:
        while True:
            writer.write(await reader.readexactly(size))
    except asyncio.IncompleteReadError:
        pass
    finally:
        writer.close()


async def with_echo_server(size, body):
    server = await asyncio.start_server(lambda r, w: echo_exactly(r, w, size), "127.0.0.1", 0)
    try:
        return await body(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


async def round_trips(port, msg, n):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for _ in range(n):
        writer.write(msg)
        await reader.readexactly(len(msg))
    writer.close()
    await writer.wait_closed()


async def tcp_pingpong_4k():
    await with_echo_server(4096, lambda port: round_trips(port, MSG_4K, N_PINGPONG_4K))


async def tcp_bulk_64mb():
    received = 0
    done = asyncio.get_running_loop().create_future()

    async def sink(reader, writer):
        nonlocal received
        while data := await reader.read(256 * 1024):
            received += len(data)
        writer.close()
        done.set_result(None)

    server = await asyncio.start_server(sink, "127.0.0.1", 0)
    _, writer = await asyncio.open_connection("127.0.0.1", server.sockets[0].getsockname()[1])
    sent = 0
    while sent < BULK_BYTES:
        writer.write(BULK_CHUNK)
        await writer.drain()
        sent += len(BULK_CHUNK)
    writer.write_eof()
    await done
    writer.close()
    await writer.wait_closed()
    server.close()
    await server.wait_closed()
    assert received == BULK_BYTES


async def tcp_100_clients_x100():
    async def body(port):
        await asyncio.gather(*(round_trips(port, MSG_100, N_CLIENT_TRIPS) for _ in range(N_CLIENTS)))
    await with_echo_server(100, body)


async def tcp_pingpong_while_spinning():
    async def body(port):
        stop = False

        async def spin():
            while not stop:
                await asyncio.sleep(0)
        spinner = asyncio.create_task(spin())
        await round_trips(port, MSG_100, N_SPIN_TRIPS)
        stop = True
        await spinner
    await with_echo_server(100, body)


WORKLOADS = [
    ("call_soon_chain", N_CALLS, call_soon_chain),
    ("call_soon_fanout", N_CALLS, call_soon_fanout),
    ("sleep0_pingpong", N_PINGPONG, sleep0_pingpong),
    ("spawn_tasks_sleep0", N_TASKS, spawn_tasks_sleep0),
    ("await_futures_from_callbacks", N_FUTURES, await_futures_from_callbacks),
    ("call_later_random", N_TIMERS, call_later_random),
    ("async_tree_none", 6 ** 6, async_tree("none")),
    ("async_tree_sleep0", 6 ** 6, async_tree("sleep0")),
    ("async_tree_sleep", 6 ** 6, async_tree("sleep")),
    ("gather_100k_tasks", N_TASKS, gather_100k_tasks),
    ("taskgroup_100k_children", N_TASKS, taskgroup_100k_children),
    ("wait_for_100k_in_time", N_TASKS, wait_for_100k_in_time),
    ("timeout_100k_blocks", N_TASKS, timeout_100k_blocks),
    ("cancel_100k_sleeping_tasks", N_TASKS, cancel_100k_sleeping_tasks),
    ("timeout_100k_expired", N_TASKS, timeout_100k_expired),
    ("queue_1m_items", 1_000_000, queue_1m_items),
    ("lock_100_tasks_100k_acquisitions", 100_000, lock_100_tasks_100k_acquisitions),
    ("semaphore10_100k_tasks", N_TASKS, semaphore10_100k_tasks),
    ("event_fanout_10k_waiters", 10_000, event_fanout_10k_waiters),
    ("condition_pingpong_100k", 100_000, condition_pingpong_100k),
    ("tcp_pingpong_4k", N_PINGPONG_4K, tcp_pingpong_4k),
    ("tcp_bulk_64mb (MB/s)", BULK_BYTES // (1024 * 1024), tcp_bulk_64mb),
    ("tcp_100_clients_x100", N_CLIENTS * N_CLIENT_TRIPS, tcp_100_clients_x100),
    ("tcp_pingpong_while_spinning", N_SPIN_TRIPS, tcp_pingpong_while_spinning),
]


def main():
    global RUN
    args = sys.argv[1:]
    if "--uvloop" in args:
        import uvloop

        def run_on_uvloop(coro):
            # uvloop.run() is 0.18+; Debian 12's python3-uvloop is 0.17.
            with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
                return runner.run(coro)

        RUN = getattr(uvloop, "run", run_on_uvloop)
    repeat = int(args[args.index("--repeat") + 1]) if "--repeat" in args else 3
    warmup = int(args[args.index("--warmup") + 1]) if "--warmup" in args else 1
    only = args[args.index("--only") + 1].split(",") if "--only" in args else None
    for name, ops, fn in WORKLOADS:
        if only and name not in only:
            continue
        for _ in range(warmup):
            timed(fn)
        best = min(timed(fn) for _ in range(repeat))
        print(json.dumps({"name": name, "seconds": best, "ops_per_sec": ops / best}), flush=True)


if __name__ == "__main__":
    main()
