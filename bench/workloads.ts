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
  // Cancellation: tasks cancelled while they wait, and timeouts that expire (each raises a
  // CancelledError into a task, and the second a TimeoutError out of the block).
  {
    name: "cancel_100k_sleeping_tasks",
    ops: N_TASKS,
    run: () =>
      timed(function* () {
        function* sleeper() {
          yield* asyncio.sleep(3600);
        }
        const tasks = [];
        for (let i = 0; i < N_TASKS; i++) tasks.push(asyncio.create_task(sleeper()));
        yield* asyncio.sleep(0);
        for (const t of tasks) t.cancel();
        yield* asyncio.gather(...tasks, { return_exceptions: true });
      }),
  },
  {
    name: "timeout_100k_expired",
    ops: N_TASKS,
    run: () =>
      timed(function* () {
        for (let i = 0; i < N_TASKS; i++) {
          try {
            yield* asyncio.async_with(asyncio.timeout(0), function* () {
              yield* asyncio.sleep(1);
            });
          } catch (e) {
            if (!(e instanceof asyncio.TimeoutError)) throw e;
          }
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
];

// --- networking ------------------------------------------------------------------------------
// The same four workloads as bench.py's, on the port's streams, and (the native_* rows) on the
// runtime's own API with async/await: Deno.listen/Deno.connect on Deno, node:net on Node.

const MSG_4K = new Uint8Array(4096).fill(0x61);
const N_PINGPONG_4K = 20_000;
const BULK_BYTES = 64 * 1024 * 1024;
const BULK_CHUNK = new Uint8Array(64 * 1024).fill(0x62);
const N_CLIENTS = 100;
const N_CLIENT_TRIPS = 100;
const MSG_100 = new Uint8Array(100).fill(0x63);
const N_SPIN_TRIPS = 2000;

function* echo_exactly(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, size: number) {
  try {
    while (true) {
      const data = yield* reader.readexactly(size);
      writer.write(data);
    }
  } catch (e) {
    if (!(e instanceof asyncio.IncompleteReadError)) throw e;
  } finally {
    writer.close();
  }
}

function* with_echo_server<T>(size: number, body: (port: number) => asyncio.Coroutine<T>) {
  const server = yield* asyncio.start_server((r, w) => echo_exactly(r, w, size), "127.0.0.1", 0);
  try {
    return yield* body((server.sockets[0].getsockname() as [string, number])[1]);
  } finally {
    server.close();
    yield* server.wait_closed();
  }
}

function* round_trips(port: number, msg: Uint8Array, n: number) {
  const [reader, writer] = yield* asyncio.open_connection("127.0.0.1", port);
  for (let i = 0; i < n; i++) {
    writer.write(msg);
    yield* reader.readexactly(msg.length);
  }
  writer.close();
  yield* writer.wait_closed();
}

export const net_workloads: Workload[] = [
  {
    name: "tcp_pingpong_4k",
    ops: N_PINGPONG_4K,
    run: () => timed(() => with_echo_server(4096, (port) => round_trips(port, MSG_4K, N_PINGPONG_4K))),
  },
  {
    name: "tcp_bulk_64mb (MB/s)",
    ops: BULK_BYTES / (1024 * 1024),
    run: () =>
      timed(function* () {
        let received = 0;
        const done = asyncio.get_running_loop().create_future<null>();
        function* sink(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) {
          while (true) {
            const data = yield* reader.read(256 * 1024);
            if (!data.length) break;
            received += data.length;
          }
          writer.close();
          done.set_result(null);
        }
        const server = yield* asyncio.start_server(sink, "127.0.0.1", 0);
        const [, writer] = yield* asyncio.open_connection(
          "127.0.0.1",
          (server.sockets[0].getsockname() as [string, number])[1],
        );
        for (let sent = 0; sent < BULK_BYTES; sent += BULK_CHUNK.length) {
          writer.write(BULK_CHUNK);
          yield* writer.drain();
        }
        writer.write_eof();
        yield* done;
        writer.close();
        yield* writer.wait_closed();
        server.close();
        yield* server.wait_closed();
        if (received !== BULK_BYTES) throw new Error(`received ${received} of ${BULK_BYTES} bytes`);
      }),
  },
  {
    name: "tcp_100_clients_x100",
    ops: N_CLIENTS * N_CLIENT_TRIPS,
    run: () =>
      timed(() =>
        with_echo_server(100, function* (port) {
          const clients = [];
          for (let i = 0; i < N_CLIENTS; i++) clients.push(round_trips(port, MSG_100, N_CLIENT_TRIPS));
          yield* asyncio.gather(...clients);
        })
      ),
  },
  {
    name: "tcp_pingpong_while_spinning",
    ops: N_SPIN_TRIPS,
    run: () =>
      timed(() =>
        with_echo_server(100, function* (port) {
          let stop = false;
          const spinner = asyncio.create_task((function* () {
            while (!stop) yield* asyncio.sleep(0);
          })());
          yield* round_trips(port, MSG_100, N_SPIN_TRIPS);
          stop = true;
          yield* spinner;
        })
      ),
  },
];

// The native twins. A minimal "read exactly n bytes" over each runtime's API.

interface NativeConn {
  write(data: Uint8Array): Promise<void>;
  read_exactly(n: number): Promise<Uint8Array | null>;
  read_some(): Promise<number>;
  close_write(): Promise<void>;
  close(): void;
}

interface NativeNet {
  listen(on_conn: (c: NativeConn) => void): Promise<{ port: number; close(): Promise<void> }>;
  connect(port: number): Promise<NativeConn>;
}

// deno-lint-ignore no-explicit-any
const DenoNs = (globalThis as any).Deno as any;

function deno_conn(conn: {
  read(b: Uint8Array): Promise<number | null>;
  write(b: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay?(b: boolean): void;
}): NativeConn {
  conn.setNoDelay?.(true);
  let buf = new Uint8Array(0);
  const rbuf = new Uint8Array(256 * 1024);
  return {
    async write(data) {
      let off = 0;
      while (off < data.length) off += await conn.write(data.subarray(off));
    },
    async read_exactly(n) {
      while (buf.length < n) {
        const k = await conn.read(rbuf);
        if (k === null) return null;
        const nb = new Uint8Array(buf.length + k);
        nb.set(buf);
        nb.set(rbuf.subarray(0, k), buf.length);
        buf = nb;
      }
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    },
    async read_some() {
      const k = await conn.read(rbuf);
      return k ?? 0;
    },
    close_write: () => conn.closeWrite(),
    close: () => {
      try {
        conn.close();
      } catch { /* closed */ }
    },
  };
}

function node_conn(sock: net.Socket): NativeConn {
  sock.setNoDelay(true);
  const chunks: Uint8Array[] = [];
  let have = 0;
  let ended = false;
  let wake: (() => void) | null = null;
  sock.on("data", (d: Uint8Array) => {
    chunks.push(d);
    have += d.length;
    wake?.();
  });
  sock.on("end", () => {
    ended = true;
    wake?.();
  });
  const wait = () => new Promise<void>((r) => wake = r);
  return {
    write: (data) => new Promise<void>((r) => sock.write(data) ? r() : sock.once("drain", () => r())),
    async read_exactly(n) {
      while (have < n) {
        if (ended) return null;
        await wait();
      }
      const out = new Uint8Array(n);
      let off = 0;
      while (off < n) {
        const c = chunks[0];
        const take = Math.min(c.length, n - off);
        out.set(c.subarray(0, take), off);
        off += take;
        if (take === c.length) chunks.shift();
        else chunks[0] = c.subarray(take);
      }
      have -= n;
      return out;
    },
    async read_some() {
      while (have === 0) {
        if (ended) return 0;
        await wait();
      }
      const n = have;
      chunks.length = 0;
      have = 0;
      return n;
    },
    close_write: () => new Promise<void>((r) => sock.end(r)),
    close: () => sock.destroy(),
  };
}

const native_net: NativeNet = DenoNs
  ? {
    // deno-lint-ignore require-await
    async listen(on_conn) {
      const l = DenoNs.listen({ hostname: "127.0.0.1", port: 0 });
      (async () => {
        try {
          for await (const c of l) on_conn(deno_conn(c));
        } catch { /* closed */ }
      })();
      return {
        port: l.addr.port,
        // deno-lint-ignore require-await
        async close() {
          l.close();
        },
      };
    },
    async connect(port) {
      return deno_conn(await DenoNs.connect({ hostname: "127.0.0.1", port }));
    },
  }
  : {
    async listen(on_conn) {
      const server = net.createServer({ allowHalfOpen: true }, (s) => on_conn(node_conn(s)));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      return {
        port: (server.address() as net.AddressInfo).port,
        close: () => new Promise<void>((r) => server.close(() => r())),
      };
    },
    connect(port) {
      return new Promise((resolve) => {
        const s = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => resolve(node_conn(s)));
      });
    },
  };

async function native_echo<T>(size: number, body: (port: number) => Promise<T>): Promise<T> {
  const server = await native_net.listen(async (c) => {
    while (true) {
      const d = await c.read_exactly(size);
      if (d === null) break;
      await c.write(d);
    }
    c.close();
  });
  try {
    return await body(server.port);
  } finally {
    await server.close();
  }
}

async function native_round_trips(port: number, msg: Uint8Array, n: number): Promise<void> {
  const c = await native_net.connect(port);
  for (let i = 0; i < n; i++) {
    await c.write(msg);
    await c.read_exactly(msg.length);
  }
  c.close();
}

async function native_timed(body: () => Promise<void>): Promise<number> {
  const t0 = now();
  await body();
  return now() - t0;
}

export const native_net_workloads: Workload[] = [
  {
    name: "native_tcp_pingpong_4k",
    ops: N_PINGPONG_4K,
    run: () =>
      native_timed(() => native_echo(4096, (port) => native_round_trips(port, MSG_4K, N_PINGPONG_4K))),
  },
  {
    name: "native_tcp_bulk_64mb (MB/s)",
    ops: BULK_BYTES / (1024 * 1024),
    run: () =>
      native_timed(async () => {
        let received = 0;
        let done!: () => void;
        const finished = new Promise<void>((r) => done = r);
        const server = await native_net.listen(async (c) => {
          while (true) {
            const n = await c.read_some();
            if (n === 0) break;
            received += n;
          }
          c.close();
          done();
        });
        const c = await native_net.connect(server.port);
        for (let sent = 0; sent < BULK_BYTES; sent += BULK_CHUNK.length) await c.write(BULK_CHUNK);
        await c.close_write();
        await finished;
        c.close();
        await server.close();
        if (received !== BULK_BYTES) throw new Error(`received ${received} of ${BULK_BYTES} bytes`);
      }),
  },
  {
    name: "native_tcp_100_clients_x100",
    ops: N_CLIENTS * N_CLIENT_TRIPS,
    run: () =>
      native_timed(() =>
        native_echo(100, async (port) => {
          const clients = [];
          for (let i = 0; i < N_CLIENTS; i++) clients.push(native_round_trips(port, MSG_100, N_CLIENT_TRIPS));
          await Promise.all(clients);
        })
      ),
  },
  {
    name: "native_tcp_pingpong_while_spinning",
    ops: N_SPIN_TRIPS,
    run: () =>
      native_timed(() =>
        native_echo(100, async (port) => {
          // The native spinner: a task that yields to the host with setImmediate in a loop.
          let stop = false;
          const spinner = (async () => {
            while (!stop) await new Promise((r) => setImmediate(r));
          })();
          await native_round_trips(port, MSG_100, N_SPIN_TRIPS);
          stop = true;
          await spinner;
        })
      ),
  },
];
