// Not a port: cancellation injected at every suspension point. Each scenario is run once
// without interference to count its loop iterations, then once per iteration k with a task
// cancelled at iteration k; after each run the invariants are checked: no task left pending, no
// callback or timer left scheduled, the right exception surfaced, and (for the primitives) no
// permit leaked or duplicated, no item lost or duplicated, counts exact, FIFO order kept.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { VirtualTimeEventLoop } from "../test_utils.ts";

/**
 * Runs `scenario(loop, cancel_target)` on a fresh virtual-time loop; if `k` is given, the task
 * registered with `cancel_target()` is cancelled at loop iteration k. Returns the outcome and the
 * iteration count, after checking that the loop is left clean.
 */
async function run_scenario<T>(
  scenario: (target: (t: asyncio.Task<unknown>) => void) => asyncio.Coroutine<T>,
  k: number | null,
): Promise<{ result: T; iterations: number; cancelled_at: number | null }> {
  let iterations = 0;
  let target: asyncio.Task<unknown> | null = null;
  let cancelled_at: number | null = null;
  let counting = true;
  // Count loop iterations (CPython's _run_once) and cancel the target at iteration k.
  class CountingLoop extends VirtualTimeEventLoop {
    override _has_run_once_end = true;
    override _run_once_end(): void {
      if (!counting) return;
      iterations++;
      if (k !== null && iterations === k && target !== null && !target.done()) {
        target.cancel();
        cancelled_at = k;
      }
    }
  }
  const loop = new CountingLoop();
  function* main() {
    const r = yield* scenario((t) => (target = t));
    counting = false;
    // Invariants: nothing else pending on the loop.
    const others = [...asyncio.all_tasks()].filter((t) => t !== asyncio.current_task());
    assert.deepEqual(others.map((t) => t.get_name()), [], "a task was left pending");
    assert.equal(loop._scheduled.filter((h) => !h._cancelled).length, 0, "a timer was left scheduled");
    return r;
  }
  try {
    const result = await loop.run_until_complete(main());
    assert.equal(loop._ready.length, 0, "a callback was left scheduled");
    return { result, iterations, cancelled_at };
  } finally {
    loop.close();
  }
}

/** Runs the scenario uncancelled, then cancelled at each iteration it takes. */
async function for_each_point<T>(
  scenario: (target: (t: asyncio.Task<unknown>) => void) => asyncio.Coroutine<T>,
  check: (result: T, cancelled_at: number | null) => void,
): Promise<number> {
  const base = await run_scenario(scenario, null);
  check(base.result, null);
  for (let k = 1; k <= base.iterations; k++) {
    const r = await run_scenario(scenario, k);
    check(r.result, r.cancelled_at);
  }
  return base.iterations;
}

type Outcome = { kind: "ok"; value: unknown } | { kind: "cancelled" } | { kind: "error"; error: unknown };

function* outcome_of<T>(t: asyncio.Task<T>): asyncio.Coroutine<Outcome> {
  try {
    return { kind: "ok", value: yield* t };
  } catch (e) {
    if (e instanceof asyncio.CancelledError) return { kind: "cancelled" };
    return { kind: "error", error: e };
  }
}

describe("CancellationInjection: wait_for, timeout, TaskGroup", () => {
  test("wait_for", async () => {
    const n = await for_each_point(function* (target) {
      const cleaned: string[] = [];
      let started = false;
      function* work() {
        started = true;
        try {
          for (let i = 0; i < 3; i++) yield* asyncio.sleep(0.01);
          return "done";
        } finally {
          cleaned.push("work");
        }
      }
      const t = asyncio.create_task(asyncio.wait_for(work(), 10));
      target(t);
      const o = yield* outcome_of(t);
      return { o, cleaned, started };
    }, ({ o, cleaned, started }, k) => {
      // A coroutine cancelled before it started is closed without running; once started, its
      // finally runs exactly once.
      assert.deepEqual(cleaned, started ? ["work"] : [], "the coroutine's finally must run exactly once");
      if (k === null) assert.deepEqual(o, { kind: "ok", value: "done" });
      else assert.ok(o.kind === "cancelled" || (o.kind === "ok" && o.value === "done"), JSON.stringify(o));
    });
    assert.ok(n > 3);
  });

  test("timeout block", async () => {
    await for_each_point(function* (target) {
      const t = asyncio.create_task(asyncio.async_with(asyncio.timeout(10), function* (cm) {
        for (let i = 0; i < 3; i++) yield* asyncio.sleep(0.01);
        return cm.expired();
      }));
      target(t);
      return yield* outcome_of(t);
    }, (o, k) => {
      // An outside cancellation must come out as CancelledError, never as TimeoutError.
      if (k === null) assert.deepEqual(o, { kind: "ok", value: false });
      else assert.ok(o.kind === "cancelled" || (o.kind === "ok" && o.value === false), JSON.stringify(o));
    });
  });

  test("expiring timeout and outside cancel", async () => {
    await for_each_point(function* (target) {
      const t = asyncio.create_task(asyncio.async_with(asyncio.timeout(0.015), function* () {
        for (let i = 0; i < 3; i++) yield* asyncio.sleep(0.01);
      }));
      target(t);
      const o = yield* outcome_of(t);
      return { o, cancelling: t.cancelling() };
    }, ({ o }, k) => {
      if (k === null) {
        assert.ok(o.kind === "error" && o.error instanceof asyncio.TimeoutError, JSON.stringify(o));
      } else {
        assert.ok(
          o.kind === "cancelled" || (o.kind === "error" && o.error instanceof asyncio.TimeoutError),
          JSON.stringify(o),
        );
      }
    });
  });

  test("TaskGroup", async () => {
    await for_each_point(function* (target) {
      const finished: string[] = [];
      const children: asyncio.Task<void>[] = [];
      function* child(name: string, n: number) {
        try {
          for (let i = 0; i < n; i++) yield* asyncio.sleep(0.01);
        } finally {
          finished.push(name);
        }
      }
      const t = asyncio.create_task(asyncio.async_with(new asyncio.TaskGroup(), function* (tg) {
        children.push(tg.create_task(child("a", 2)), tg.create_task(child("b", 3)));
        yield* asyncio.sleep(0.005);
        return "body done";
      }));
      target(t);
      const o = yield* outcome_of(t);
      return { o, finished, children };
    }, ({ o, finished, children }, k) => {
      // Children created (the body may be cancelled before it creates them) all finish.
      assert.equal(finished.length, children.length, "every child must finish (run its finally)");
      assert.ok(children.every((c) => c.done()));
      if (k === null) assert.deepEqual(o, { kind: "ok", value: "body done" });
      else assert.ok(o.kind === "cancelled" || o.kind === "ok", JSON.stringify(o));
    });
  });
});

describe("CancellationInjection: locks and queues", () => {
  test("Lock", async () => {
    await for_each_point(function* (target) {
      const lock = new asyncio.Lock();
      const order: number[] = [];
      let inside = 0;
      function* worker(i: number) {
        yield* asyncio.async_with(lock, function* () {
          inside++;
          try {
            assert.equal(inside, 1, "two workers inside the lock");
            order.push(i);
            yield* asyncio.sleep(0);
            yield* asyncio.sleep(0.001);
          } finally {
            inside--;
          }
        });
      }
      const tasks = [0, 1, 2, 3].map((i) => asyncio.create_task(worker(i)));
      target(tasks[1]);
      yield* asyncio.gather(...tasks, { return_exceptions: true });
      return { order, lock, tasks };
    }, ({ order, lock, tasks }) => {
      assert.equal(lock.locked(), false, "the lock leaked");
      assert.equal(lock._waiters?.length ?? 0, 0);
      const done = tasks.map((t, i) => (t.cancelled() ? -1 : i)).filter((i) => i >= 0);
      // Every worker that was not cancelled got the lock exactly once, in FIFO order.
      assert.deepEqual(order.filter((i) => done.includes(i)), done);
      assert.ok(order.length === new Set(order).size, "a worker got the lock twice");
    });
  });

  test("Semaphore", async () => {
    await for_each_point(function* (target) {
      const sem = new asyncio.Semaphore(2);
      let inside = 0;
      let peak = 0;
      const entered: number[] = [];
      function* worker(i: number) {
        yield* asyncio.async_with(sem, function* () {
          peak = Math.max(peak, ++inside);
          entered.push(i);
          try {
            yield* asyncio.sleep(0.001);
          } finally {
            inside--;
          }
        });
      }
      const tasks = [0, 1, 2, 3, 4].map((i) => asyncio.create_task(worker(i)));
      target(tasks[2]);
      yield* asyncio.gather(...tasks, { return_exceptions: true });
      return { sem, peak, entered, tasks };
    }, ({ sem, peak, entered, tasks }) => {
      assert.equal(sem._value, 2, "a permit leaked or was duplicated");
      assert.ok(peak <= 2);
      assert.equal([...(sem._waiters ?? [])].filter((w) => !w.done()).length, 0);
      const done = tasks.map((t, i) => (t.cancelled() ? -1 : i)).filter((i) => i >= 0);
      assert.deepEqual(entered.filter((i) => done.includes(i)), done, "FIFO order");
    });
  });

  test("Event and Condition", async () => {
    await for_each_point(function* (target) {
      const ev = new asyncio.Event();
      const cond = new asyncio.Condition();
      const woke: number[] = [];
      function* waiter(i: number) {
        yield* ev.wait();
        yield* asyncio.async_with(cond, function* () {
          yield* cond.wait();
          woke.push(i);
        });
      }
      const tasks = [0, 1, 2].map((i) => asyncio.create_task(waiter(i)));
      target(tasks[1]);
      yield* asyncio.sleep(0.001);
      ev.set();
      for (let round = 0; round < 10 && tasks.some((t) => !t.done()); round++) {
        yield* asyncio.sleep(0.001);
        yield* asyncio.async_with(cond, function* () {
          cond.notify(1);
        });
      }
      yield* asyncio.gather(...tasks, { return_exceptions: true });
      return { woke, tasks, cond };
    }, ({ woke, tasks, cond }) => {
      const done = tasks.map((t, i) => (t.cancelled() ? -1 : i)).filter((i) => i >= 0);
      assert.deepEqual(woke, done, "a notification was lost, or waiters were woken out of order");
      assert.equal(cond.locked(), false);
      assert.equal(cond._waiters.length, 0);
    });
  });

  for (const victim of ["consumer", "producer"] as const) {
    test(`Queue put/get/join, ${victim} cancelled`, async () => {
      await for_each_point(function* (target) {
        const q = new asyncio.Queue<number>({ maxsize: 2 });
        const got: number[] = [];
        const put: number[] = [];
        let done_count = 0;
        function* producer() {
          for (let i = 0; i < 6; i++) {
            yield* q.put(i);
            put.push(i);
          }
        }
        function* consumer() {
          while (true) {
            const item = yield* q.get();
            // An item taken is always marked done, even if the consumer is cancelled while
            // processing it: what is checked is that get() itself never loses or repeats one.
            try {
              got.push(item);
              yield* asyncio.sleep(0);
            } finally {
              q.task_done();
              done_count++;
            }
          }
        }
        const p = asyncio.create_task(producer());
        let c = asyncio.create_task(consumer());
        target(victim === "consumer" ? c : p);
        // Keep a consumer running (a new one if the first was cancelled) until all is consumed.
        while (!p.done()) {
          if (c.done()) c = asyncio.create_task(consumer());
          yield* asyncio.sleep(0.001);
        }
        if (c.done()) c = asyncio.create_task(consumer());
        yield* asyncio.wait_for(q.join(), 10);
        c.cancel();
        yield* outcome_of(c);
        return { q, got, put, done_count };
      }, ({ q, got, put, done_count }) => {
        assert.equal(q.qsize(), 0);
        assert.equal(q._unfinished_tasks, 0, "unfinished-task count is off");
        assert.equal(q._getters.length + q._putters.length, 0);
        // No item lost or duplicated: everything put was got, once, in order.
        assert.deepEqual(got, put);
        assert.equal(done_count, got.length);
      });
    });
  }
});
