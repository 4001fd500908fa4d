/**
 * The synchronization workloads of issue 4 written with the popular npm packages that do the same
 * job (`async-mutex`'s Mutex and Semaphore, `p-limit`), in plain async/await, run on Deno and on
 * Node by `deno task bench:compare` (which installs the packages into `.tools/bench-peers/`; they
 * are not dependencies of the package). Each prints one JSON line like `bench/run.ts`; the name
 * `npm_<package>__<workload>` names the port's workload it compares with.
 *
 * "Yield to the other tasks" (the port's `sleep(0)`) is `await null` here: one microtask, the
 * cheapest such yield promises have (a `setImmediate` hop would cost the packages more).
 *
 * @module
 */
import { Mutex, Semaphore } from "async-mutex";
import pLimit from "p-limit";

const args = globalThis.Deno?.args ?? globalThis.process.argv.slice(2);
const repeat = Number(args[args.indexOf("--repeat") + 1]) || 3;
const warmup = args.includes("--warmup") ? Number(args[args.indexOf("--warmup") + 1]) : 1;
const only = args.includes("--only") ? args[args.indexOf("--only") + 1].split(",") : null;

const N_TASKS = 100_000;
const now = () => performance.now() / 1000;

const workloads = [
  {
    name: "npm_async-mutex__lock_100_tasks_100k_acquisitions",
    ops: 100_000,
    async run() {
      const lock = new Mutex();
      async function worker() {
        for (let i = 0; i < 1000; i++) {
          await lock.runExclusive(async () => {
            await null;
          });
        }
      }
      const t0 = now();
      const ws = [];
      for (let i = 0; i < 100; i++) ws.push(worker());
      await Promise.all(ws);
      return now() - t0;
    },
  },
  {
    name: "npm_async-mutex__semaphore10_100k_tasks",
    ops: N_TASKS,
    async run() {
      const sem = new Semaphore(10);
      const t0 = now();
      const tasks = [];
      for (let i = 0; i < N_TASKS; i++) {
        tasks.push(sem.runExclusive(async () => {
          await null;
        }));
      }
      await Promise.all(tasks);
      return now() - t0;
    },
  },
  {
    name: "npm_p-limit__semaphore10_100k_tasks",
    ops: N_TASKS,
    async run() {
      const limit = pLimit(10);
      const t0 = now();
      const tasks = [];
      for (let i = 0; i < N_TASKS; i++) {
        tasks.push(limit(async () => {
          await null;
        }));
      }
      await Promise.all(tasks);
      return now() - t0;
    },
  },
];

for (const w of workloads) {
  if (only && !only.some((o) => w.name.endsWith(`__${o}`) || w.name === o)) continue;
  for (let i = 0; i < warmup; i++) await w.run();
  let best = Infinity;
  for (let i = 0; i < repeat; i++) best = Math.min(best, await w.run());
  console.log(JSON.stringify({ name: w.name, seconds: best, ops_per_sec: w.ops / best }));
}
