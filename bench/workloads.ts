/**
 * The benchmark workloads, each written the way an asyncio program would be. `bench.py` has
 * their CPython twins, with the same sizes. Every workload returns the seconds it took; the
 * "ops" count says what one operation is, for ops/s.
 *
 * @module
 */
import * as asyncio from "../mod.ts";
import * as net from "node:net";

/** One workload. */
export interface Workload {
  /** Its name (the same in bench.py). */
  name: string;
  /** Operations it performs (for ops/s). */
  ops: number;
  /** Runs it once; resolves to the seconds it took. */
  run(): Promise<number>;
}

const now = () => performance.now() / 1000;

function timed(main: () => asyncio.Coroutine<void>): Promise<number> {
  function* wrapper() {
    const t0 = now();
    yield* main();
    return now() - t0;
  }
  return asyncio.run(wrapper());
}

const N_CALLS = 1_000_000;
const N_TASKS = 100_000;
const N_FUTURES = 300_000;
const N_TIMERS = 100_000;
const N_PINGPONG = 200_000;

// A fixed pseudo-random sequence (the same as bench.py's), so both sides do the same work.
function* lcg(seed: number): Generator<number, never, unknown> {
  let x = seed;
  while (true) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield x / 2147483648;
  }
}

export const workloads: Workload[] = [
  {
    name: "call_soon_chain",
    ops: N_CALLS,
    run: () =>
      timed(function* () {
        const loop = asyncio.get_running_loop();
        const done = loop.create_future<null>();
        let n = 0;
        const step = () => {
          if (++n < N_CALLS) loop.call_soon(step);
          else done.set_result(null);
        };
        loop.call_soon(step);
        yield* done;
      }),
  },
  {
    name: "call_soon_fanout",
    ops: N_CALLS,
    run: () =>
      timed(function* () {
        const loop = asyncio.get_running_loop();
        const done = loop.create_future<null>();
        let n = 0;
        const cb = () => {
          if (++n === N_CALLS) done.set_result(null);
        };
        for (let i = 0; i < N_CALLS; i++) loop.call_soon(cb);
        yield* done;
      }),
  },
  {
    name: "sleep0_pingpong",
    ops: N_PINGPONG,
    run: () =>
      timed(function* () {
        function* player() {
          for (let i = 0; i < N_PINGPONG / 2; i++) yield* asyncio.sleep(0);
        }
        const a = asyncio.create_task(player());
        const b = asyncio.create_task(player());
        yield* a;
        yield* b;
      }),
  },
  {
    name: "spawn_tasks_sleep0",
    ops: N_TASKS,
    run: () =>
      timed(function* () {
        function* child() {
          yield* asyncio.sleep(0);
        }
        const tasks = [];
        for (let i = 0; i < N_TASKS; i++) tasks.push(asyncio.create_task(child()));
        for (const t of tasks) yield* t;
      }),
  },
  {
    name: "await_futures_from_callbacks",
    ops: N_FUTURES,
    run: () =>
      timed(function* () {
        const loop = asyncio.get_running_loop();
        for (let i = 0; i < N_FUTURES; i++) {
          const fut = loop.create_future<number>();
          loop.call_soon(() => fut.set_result(i));
          yield* fut;
        }
      }),
  },
  {
    name: "call_later_random",
    ops: N_TIMERS,
    run: () =>
      timed(function* () {
        const loop = asyncio.get_running_loop();
        const done = loop.create_future<null>();
        const rnd = lcg(42);
        let n = 0;
        const cb = () => {
          if (++n === N_TIMERS) done.set_result(null);
        };
        for (let i = 0; i < N_TIMERS; i++) loop.call_later(rnd.next().value * 0.05, cb);
        yield* done;
      }),
  },
  ...(["none", "sleep0", "sleep"] as const).map((leaf): Workload => ({
    name: `async_tree_${leaf}`,
    ops: 6 ** 6,
    run: () =>
      timed(function* () {
        function* tree(depth: number): asyncio.Coroutine<void> {
          if (depth === 0) {
            if (leaf === "sleep0") yield* asyncio.sleep(0);
            else if (leaf === "sleep") yield* asyncio.sleep(0.001);
            return;
          }
          const children = [];
          for (let i = 0; i < 6; i++) children.push(tree(depth - 1));
          yield* asyncio.gather(...children);
        }
        yield* tree(6);
      }),
  })),
  ...(["none", "sleep0", "sleep"] as const).map((leaf): Workload => ({
    name: `native_async_tree_${leaf}`,
    ops: 6 ** 6,
    async run() {
      // The same tree with JavaScript's own async/await and Promise.all (no asyncio).
      const tick = () => new Promise<void>((r) => setImmediate(r));
      const ms = (t: number) => new Promise<void>((r) => setTimeout(r, t));
      async function tree(depth: number): Promise<void> {
        if (depth === 0) {
          if (leaf === "sleep0") await tick();
          else if (leaf === "sleep") await ms(1);
          return;
        }
        const children = [];
        for (let i = 0; i < 6; i++) children.push(tree(depth - 1));
        await Promise.all(children);
      }
      const t0 = now();
      await tree(6);
      return now() - t0;
    },
  })),
  // Issue 3: combinators and structured concurrency.
  {
    name: "gather_100k_tasks",
    ops: N_TASKS,
    run: () =>
      timed(function* () {
        function* child() {
          yield* asyncio.sleep(0);
        }
        const tasks = [];
        for (let i = 0; i < N_TASKS; i++) tasks.push(asyncio.create_task(child()));
        yield* asyncio.gather(...tasks);
      }),
  },
  {
    name: "taskgroup_100k_children",
    ops: N_TASKS,
    run: () =>
      timed(function* () {
        function* child() {
          yield* asyncio.sleep(0);
        }
        yield* asyncio.async_with(new asyncio.TaskGroup(), function* (tg) {
          for (let i = 0; i < N_TASKS; i++) tg.create_task(child());
        });
      }),
  },
  {
    name: "wait_for_100k_in_time",
    ops: N_TASKS,
    run: () =>
      timed(function* () {
        function* quick() {
          yield* asyncio.sleep(0);
          return 1;
        }
        for (let i = 0; i < N_TASKS; i++) yield* asyncio.wait_for(quick(), 10);
      }),
  },
  {
    name: "timeout_100k_blocks",
    ops: N_TASKS,
    run: () =>
      timed(function* () {
        for (let i = 0; i < N_TASKS; i++) {
          yield* asyncio.async_with(asyncio.timeout(10), function* () {
            yield* asyncio.sleep(0);
          });
        }
      }),
  },
  // Issue 4: synchronization primitives and queues.
  {
    name: "queue_1m_items",
    ops: 1_000_000,
    run: () =>
      timed(function* () {
        const q = new asyncio.Queue<number>({ maxsize: 100 });
        function* producer() {
          for (let i = 0; i < 1_000_000; i++) yield* q.put(i);
        }
        function* consumer() {
          for (let i = 0; i < 1_000_000; i++) yield* q.get();
        }
        yield* asyncio.gather(producer(), consumer());
      }),
  },
  {
    name: "lock_100_tasks_100k_acquisitions",
    ops: 100_000,
    run: () =>
      timed(function* () {
        const lock = new asyncio.Lock();
        function* worker() {
          for (let i = 0; i < 1000; i++) {
            yield* asyncio.async_with(lock, function* () {
              yield* asyncio.sleep(0);
            });
          }
        }
        const ws = [];
        for (let i = 0; i < 100; i++) ws.push(worker());
        yield* asyncio.gather(...ws);
      }),
  },
  {
    name: "semaphore10_100k_tasks",
    ops: N_TASKS,
    run: () =>
      timed(function* () {
        const sem = new asyncio.Semaphore(10);
        function* job() {
          yield* asyncio.async_with(sem, function* () {
            yield* asyncio.sleep(0);
          });
        }
        const tasks = [];
        for (let i = 0; i < N_TASKS; i++) tasks.push(asyncio.create_task(job()));
        yield* asyncio.gather(...tasks);
      }),
  },
  {
    name: "event_fanout_10k_waiters",
    ops: 10_000,
    run: () =>
      timed(function* () {
        const ev = new asyncio.Event();
        const tasks = [];
        for (let i = 0; i < 10_000; i++) tasks.push(asyncio.create_task(ev.wait()));
        yield* asyncio.sleep(0);
        ev.set();
        yield* asyncio.gather(...tasks);
      }),
  },
  {
    name: "condition_pingpong_100k",
    ops: 100_000,
    run: () =>
      timed(function* () {
        const cond = new asyncio.Condition();
        let turn = 0;
        function* player(me: number) {
          for (let i = 0; i < 50_000; i++) {
            yield* asyncio.async_with(cond, function* () {
              yield* cond.wait_for(() => turn === me);
              turn = 1 - me;
              cond.notify();
            });
          }
        }
        yield* asyncio.gather(player(0), player(1));
      }),
  },
  {
    name: "io_latency_while_spinning",
    ops: 2000,
    async run() {
      // Loopback TCP echo round trips awaited through wrap_promise while another task spins on
      // sleep(0). Reports the time for 2000 round trips (lower is better).
      const server = net.createServer((s) => s.on("data", (d) => s.write(d)));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const port = (server.address() as net.AddressInfo).port;
      const sock = net.connect(port, "127.0.0.1");
      sock.setNoDelay(true);
      await new Promise<void>((r) => sock.once("connect", r));
      const roundtrip = () =>
        new Promise<void>((resolve) => {
          sock.once("data", () => resolve());
          sock.write("x");
        });
      try {
        return await timed(function* () {
          let stop = false;
          const spinner = asyncio.create_task((function* () {
            while (!stop) yield* asyncio.sleep(0);
          })());
          for (let i = 0; i < 2000; i++) yield* asyncio.wrap_promise(roundtrip());
          stop = true;
          yield* spinner;
        });
      } finally {
        sock.destroy();
        await new Promise<void>((r) => server.close(() => r()));
      }
    },
  },
];
