// Port of Lib/test/test_asyncio/test_waitfor.py (read from CPython 3.13.0's tree; 3.14 semantics from the 3.14 source). Each IsolatedAsyncioTestCase
// coroutine runs with asyncio.run().
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { open_resources } from "../stdlib/_host.ts";

const _EPSILON = 0.0001;

function atest(name: string, body: () => asyncio.Coroutine<void>): void {
  test(name, async () => {
    await asyncio.run(body());
    assert.equal(open_resources().timers, 0);
  });
}

function* assertRaises<E>(cls: abstract new (...a: never[]) => E, body: () => asyncio.Awaitable<unknown>) {
  try {
    yield* body();
  } catch (e) {
    if (e instanceof cls) return e;
    throw e;
  }
  throw new assert.AssertionError({ message: `${cls.name} not raised` });
}

/** A task that runs for TASK_TIMEOUT seconds, ignoring cancellation requests. */
class SlowTask {
  static TASK_TIMEOUT = 0.2;
  exited = false;
  *run(): asyncio.Coroutine<void> {
    const exitat = performance.now() / 1000 + SlowTask.TASK_TIMEOUT;
    while (true) {
      const tosleep = exitat - performance.now() / 1000;
      if (tosleep <= 0) break;
      try {
        yield* asyncio.sleep(tosleep);
      } catch (e) {
        if (!(e instanceof asyncio.CancelledError)) throw e;
      }
    }
    this.exited = true;
  }
}

describe("AsyncioWaitForTest", () => {
  atest("test_asyncio_wait_for_cancelled", function* () {
    const t = new SlowTask();
    const waitfortask = asyncio.create_task(asyncio.wait_for(t.run(), SlowTask.TASK_TIMEOUT * 2));
    yield* asyncio.sleep(0);
    waitfortask.cancel();
    yield* asyncio.wait(new Set([waitfortask]));
    assert.equal(t.exited, true);
  });

  atest("test_asyncio_wait_for_timeout", function* () {
    const t = new SlowTask();
    try {
      yield* asyncio.wait_for(t.run(), SlowTask.TASK_TIMEOUT / 2);
    } catch (e) {
      if (!(e instanceof asyncio.TimeoutError)) throw e;
    }
    assert.equal(t.exited, true);
  });

  atest("test_wait_for_timeout_less_then_0_or_0_future_done", function* () {
    const loop = asyncio.get_running_loop();
    const fut = loop.create_future<string>();
    fut.set_result("done");
    const ret = yield* asyncio.wait_for(fut, 0);
    assert.equal(ret, "done");
    assert.equal(fut.done(), true);
  });

  atest("test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started", function* () {
    let foo_started = false;
    // deno-lint-ignore require-yield
    function* foo() {
      foo_started = true;
    }
    yield* assertRaises(asyncio.TimeoutError, () => asyncio.wait_for(foo(), 0));
    assert.equal(foo_started, false);
  });

  atest("test_wait_for_timeout_less_then_0_or_0", function* () {
    const loop = asyncio.get_running_loop();
    for (const timeout of [0, -1]) {
      let foo_running: boolean | null = null;
      const started = loop.create_future<null>();
      const foo = function* () {
        foo_running = true;
        started.set_result(null);
        try {
          yield* asyncio.sleep(10);
        } finally {
          foo_running = false;
        }
        return "done";
      };
      const fut = asyncio.create_task(foo());
      yield* started;
      yield* assertRaises(asyncio.TimeoutError, () => asyncio.wait_for(fut, timeout));
      assert.equal(fut.done(), true);
      assert.equal(fut.cancelled(), true);
      assert.equal(foo_running, false);
    }
  });

  atest("test_wait_for", function* () {
    let foo_running: boolean | null = null;
    function* foo() {
      foo_running = true;
      try {
        yield* asyncio.sleep(300);
      } finally {
        foo_running = false;
      }
      return "done";
    }
    const fut = asyncio.create_task(foo());
    yield* assertRaises(asyncio.TimeoutError, () => asyncio.wait_for(fut, 0.1));
    assert.equal(fut.done(), true);
    assert.equal(fut.cancelled(), true);
    assert.equal(foo_running, false);
  });

  atest("test_wait_for_blocking", function* () {
    // deno-lint-ignore require-yield
    function* coro() {
      return "done";
    }
    const res = yield* asyncio.wait_for(coro(), null);
    assert.equal(res, "done");
  });

  atest("test_wait_for_race_condition", function* () {
    const loop = asyncio.get_running_loop();
    const fut = loop.create_future<string>();
    const task = asyncio.wait_for(fut, 0.2);
    loop.call_soon((v: string) => fut.set_result(v), "ok");
    const res = yield* task;
    assert.equal(res, "ok");
  });

  atest("test_wait_for_cancellation_race_condition", function* () {
    function* inner() {
      yield* assertRaises(asyncio.CancelledError, () => asyncio.sleep(1));
      return 1;
    }
    const result = yield* asyncio.wait_for(inner(), 0.01);
    assert.equal(result, 1);
  });

  atest("test_wait_for_waits_for_task_cancellation", function* () {
    let task_done = false;
    function* inner() {
      try {
        yield* asyncio.sleep(10);
      } catch (e) {
        if (e instanceof asyncio.CancelledError) yield* asyncio.sleep(_EPSILON);
        throw e;
      } finally {
        task_done = true;
      }
    }
    const inner_task = asyncio.create_task(inner());
    const e = yield* assertRaises(asyncio.TimeoutError, () => asyncio.wait_for(inner_task, _EPSILON));
    assert.equal(task_done, true);
    assert.equal((e.__context__ as Error).constructor, asyncio.CancelledError);
  });

  atest("test_wait_for_waits_for_task_cancellation_w_timeout_0", function* () {
    let task_done = false;
    function* foo() {
      function* inner() {
        try {
          yield* asyncio.sleep(10);
        } catch (e) {
          if (e instanceof asyncio.CancelledError) yield* asyncio.sleep(_EPSILON);
          throw e;
        } finally {
          task_done = true;
        }
      }
      const inner_task = asyncio.create_task(inner());
      yield* asyncio.sleep(_EPSILON);
      yield* asyncio.wait_for(inner_task, 0);
    }
    const e = yield* assertRaises(asyncio.TimeoutError, () => foo());
    assert.equal(task_done, true);
    assert.equal((e.__context__ as Error).constructor, asyncio.CancelledError);
  });

  atest("test_wait_for_reraises_exception_during_cancellation", function* () {
    class FooException extends Error {}
    function* foo() {
      function* inner() {
        try {
          yield* asyncio.sleep(0.2);
        } finally {
          // deno-lint-ignore no-unsafe-finally
          throw new FooException();
        }
      }
      const inner_task = asyncio.create_task(inner());
      yield* asyncio.wait_for(inner_task, _EPSILON);
    }
    yield* assertRaises(FooException, () => foo());
  });

  for (
    const [name, timeout] of [["test_cancel_blocking_wait_for", null], [
      "test_cancel_wait_for",
      60.0,
    ]] as const
  ) {
    atest(name, function* () {
      const loop = asyncio.get_running_loop();
      function* blocking_coroutine() {
        const fut = loop.create_future();
        yield* fut;
      }
      const task = asyncio.create_task(blocking_coroutine());
      const wait = asyncio.create_task(asyncio.wait_for(task, timeout));
      loop.call_soon(() => wait.cancel());
      yield* assertRaises(asyncio.CancelledError, () => wait);
      assert.equal(task.cancelled(), true);
    });
  }

  atest("test_wait_for_cancel_suppressed", function* () {
    function* return_42() {
      try {
        yield* asyncio.sleep(10);
      } catch (e) {
        if (e instanceof asyncio.CancelledError) return 42;
        throw e;
      }
    }
    const res = yield* asyncio.wait_for(return_42(), 0.1);
    assert.equal(res, 42);
  });

  atest("test_wait_for_issue86296", function* () {
    // deno-lint-ignore require-yield
    function* inner() {
      return "done";
    }
    const inner_task = asyncio.create_task(inner());
    let reached_end = false;
    function* wait_for_coro() {
      yield* asyncio.wait_for(inner_task, 100);
      yield* asyncio.sleep(1);
      reached_end = true;
    }
    const task = asyncio.create_task(wait_for_coro());
    assert.equal(task.done(), false);
    yield* asyncio.sleep(0);
    task.cancel();
    yield* assertRaises(asyncio.CancelledError, () => task);
    assert.equal(inner_task.done(), true);
    assert.equal(yield* inner_task, "done");
    assert.equal(reached_end, false);
  });

  // Not in CPython's tests: a timeout that is not a number, CPython's TypeError, nothing started.
  atest("test_wait_for_timeout_not_a_number", function* () {
    let started = false;
    function* coro() {
      started = true;
      yield* asyncio.sleep(0);
    }
    const c = coro();
    try {
      yield* asyncio.wait_for(c, "1" as unknown as number);
      assert.fail("no TypeError");
    } catch (e) {
      assert.ok(e instanceof TypeError, String(e));
      assert.equal(e.message, "'<=' not supported between instances of 'str' and 'int'");
    }
    c.return(undefined);
    assert.equal(started, false);
    // What is not awaitable: what `await` says in CPython.
    try {
      yield* asyncio.wait_for(1 as unknown as asyncio.Awaitable<number>, 1);
      assert.fail("no TypeError");
    } catch (e) {
      assert.ok(e instanceof TypeError, String(e));
      assert.equal(e.message, "object int can't be used in 'await' expression");
    }
  });
});

describe("WaitForShieldTests", () => {
  atest("test_zero_timeout", function* () {
    function* coro() {
      yield* asyncio.sleep(0.01);
      return "done";
    }
    const task = asyncio.create_task(coro());
    let shielded_task!: asyncio.Future<string>;
    yield* assertRaises(asyncio.TimeoutError, () => {
      shielded_task = asyncio.shield(task);
      return asyncio.wait_for(shielded_task, 0);
    });
    assert.equal(task.done(), false);
    assert.equal(task.cancelled(), false);
    assert.equal(shielded_task.cancelled(), true);
    yield* asyncio.sleep(0.1);
    assert.equal(task.done(), true);
  });

  atest("test_none_timeout", function* () {
    function* coro() {
      yield* asyncio.sleep(0.1);
      return "done";
    }
    const task = asyncio.create_task(coro());
    yield* asyncio.wait_for(asyncio.shield(task), null);
    assert.equal(task.done(), true);
    assert.equal(yield* task, "done");
  });

  atest("test_shielded_timeout", function* () {
    function* coro() {
      yield* asyncio.sleep(0.1);
      return "done";
    }
    const task = asyncio.create_task(coro());
    yield* assertRaises(asyncio.TimeoutError, () => asyncio.wait_for(asyncio.shield(task), 0.01));
    assert.equal(task.done(), false);
    assert.equal(task.cancelled(), false);
    assert.equal(yield* task, "done");
  });
});
