// Port of Lib/test/test_asyncio/test_threads.py (read from CPython 3.13.0's tree; 3.14 semantics from
// the 3.14 source). Each IsolatedAsyncioTestCase coroutine runs with asyncio.run().
//
// There are no threads on these hosts (threads.ts says why): `to_thread` runs the function on the
// loop through the default executor. Every CPython test applies as it is, with two translations:
// `mock.Mock()` is a small recorder of calls, and `func('test', something=True)` passes the
// keyword arguments as an options object, JavaScript's way of naming arguments.
//
// Tests CPython does not have (at the end): a function that returns a Promise has it awaited; the
// function runs in a copy of the caller's context (its changes stay there); cancelling the
// awaiting task while the Promise is pending cancels the wait; outside a running loop it raises
// CPython's RuntimeError.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { ContextVar } from "../stdlib/contextvars.ts";
import { RuntimeError } from "../stdlib/builtins.ts";
import { open_resources } from "../stdlib/_host.ts";

function atest(name: string, body: () => asyncio.Coroutine<void>): void {
  test(name, async () => {
    await asyncio.run(body());
    assert.equal(open_resources().timers, 0);
  });
}

/** The part of `mock.Mock` these tests use: it records the arguments of each call. */
function mock_func(): ((...args: unknown[]) => void) & { calls: unknown[][] } {
  const calls: unknown[][] = [];
  const f = (...args: unknown[]) => {
    calls.push(args);
  };
  return Object.assign(f, { calls });
}

describe("ToThreadTests", () => {
  atest("test_to_thread", function* () {
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    const result = yield* asyncio.to_thread(sum, [40, 2]);
    assert.equal(result, 42);
  });

  atest("test_to_thread_exception", function* () {
    function raise_runtime(): never {
      throw new RuntimeError("test");
    }
    yield* (function* () {
      try {
        yield* asyncio.to_thread(raise_runtime);
      } catch (e) {
        assert.ok(e instanceof RuntimeError);
        assert.match(String((e as RuntimeError).message), /test/);
        return;
      }
      assert.fail("RuntimeError not raised");
    })();
  });

  // Not in CPython's tests: what is not callable raises Python's TypeError when awaited.
  atest("test_to_thread_not_callable", function* () {
    try {
      yield* asyncio.to_thread(null as unknown as () => void);
      assert.fail("no TypeError");
    } catch (e) {
      assert.ok(e instanceof TypeError, String(e));
      assert.equal(e.message, "'NoneType' object is not callable");
    }
  });

  atest("test_to_thread_once", function* () {
    const func = mock_func();
    yield* asyncio.to_thread(func);
    assert.equal(func.calls.length, 1);
  });

  atest("test_to_thread_concurrent", function* () {
    const calls: number[] = [];
    const func = () => {
      calls.push(1);
    };
    const futs = [];
    for (let i = 0; i < 10; i++) futs.push(asyncio.to_thread(func));
    yield* asyncio.gather(...futs);
    assert.equal(calls.reduce((a, b) => a + b, 0), 10);
  });

  atest("test_to_thread_args_kwargs", function* () {
    const func = mock_func();
    yield* asyncio.to_thread(func, "test", { something: true });
    assert.deepEqual(func.calls, [["test", { something: true }]]);
  });

  atest("test_to_thread_contextvars", function* () {
    const test_ctx = new ContextVar<string>("test_ctx");
    const get_ctx = () => test_ctx.get();
    test_ctx.set("parrot");
    const result = yield* asyncio.to_thread(get_ctx);
    assert.equal(result, "parrot");
  });
});

describe("ToThreadJavaScriptTests", () => {
  atest("test_to_thread_awaits_a_promise", function* () {
    const result = yield* asyncio.to_thread(
      (x: number) => new Promise<number>((r) => setTimeout(() => r(x * 2), 1)),
      21,
    );
    assert.equal(result, 42);
    yield* (function* () {
      try {
        yield* asyncio.to_thread(() => Promise.reject(new RuntimeError("later")));
      } catch (e) {
        assert.ok(e instanceof RuntimeError);
        assert.equal((e as RuntimeError).message, "later");
        return;
      }
      assert.fail("RuntimeError not raised");
    })();
  });

  atest("test_to_thread_runs_in_a_copy_of_the_context", function* () {
    const v = new ContextVar<string>("v", { default: "outer" });
    const seen = yield* asyncio.to_thread(() => {
      const before = v.get();
      v.set("inner");
      return [before, v.get()];
    });
    assert.deepEqual(seen, ["outer", "inner"]);
    assert.equal(v.get(), "outer");
  });

  atest("test_to_thread_cancelled_while_awaiting_a_promise", function* () {
    let release!: () => void;
    const pending = new Promise<void>((r) => (release = r));
    const t = asyncio.create_task(asyncio.to_thread(() => pending));
    yield* asyncio.sleep(0);
    yield* asyncio.sleep(0);
    t.cancel();
    yield* asyncio.wait(new Set([t]));
    assert.equal(t.cancelled(), true);
    release();
  });

  test("test_to_thread_without_running_loop", () => {
    const coro = asyncio.to_thread(() => 1);
    assert.throws(
      () => coro.next(),
      (e: unknown) => e instanceof RuntimeError && e.message === "no running event loop",
    );
  });
});
