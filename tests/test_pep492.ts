// Port of Lib/test/test_asyncio/test_pep492.py (read from CPython 3.13.0's tree; 3.14 semantics
// from the 3.14 source): the `async with` / coroutine parts. `async with` is
// `yield* asyncio.async_with(cm, body)`; `async for` is `asyncio.async_for` (tested in
// test_locks/test_tasks with as_completed; StreamReader comes with the networking work).
//
// Not ported, and why:
// - test_readline: StreamReader (networking, not ported yet).
// - test_types_coroutine, test_debug_mode_manages_coroutine_origin_tracking,
//   test_task_print_stack: Python's types.coroutine, sys.set_coroutine_origin_tracking_depth and
//   frame objects have no JavaScript counterpart.
// - test_double_await: a JavaScript generator suspended in one task can be resumed by another
//   (`yield* coro`) without the runtime noticing, so "coroutine is being awaited already" cannot
//   be raised; awaiting a Task twice is the supported way.
// - test_iscoroutine_generator: a generator object is what a coroutine is in this port, so
//   `iscoroutine()` of one is true (test_iscoroutine checks the other cases).
import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { BaseEventLoop } from "../base_events.ts";
import { TestCase } from "./utils.ts";
import { StopAsyncIteration } from "../stdlib/builtins.ts";

describe("LockTests", () => {
  const tc = new TestCase();
  let loop: BaseEventLoop;
  beforeEach(() => {
    tc.setUp();
    loop = new BaseEventLoop();
    loop._process_events = () => {};
    loop._selector = { select: () => [], wakeup() {}, close() {} };
    tc.set_event_loop(loop);
  });
  afterEach(() => tc.tearDown());

  const primitives = () => [
    new asyncio.Lock(),
    new asyncio.Condition(),
    new asyncio.Semaphore(),
    new asyncio.BoundedSemaphore(),
  ];

  test("test_context_manager_async_with", async () => {
    function* t(lock: asyncio.Lock | asyncio.Condition | asyncio.Semaphore) {
      yield* asyncio.sleep(0.01);
      assert.equal(lock.locked(), false);
      yield* asyncio.async_with(lock, function* (_lock) {
        assert.equal(_lock, null);
        assert.ok(lock.locked());
        yield* asyncio.sleep(0.01);
        assert.ok(lock.locked());
      });
      assert.equal(lock.locked(), false);
    }
    for (const primitive of primitives()) {
      await loop.run_until_complete(t(primitive));
      assert.equal(primitive.locked(), false);
    }
  });

  test("test_context_manager_with_await", async () => {
    function* t(lock: unknown) {
      yield* asyncio.sleep(0.01);
      try {
        yield* lock as asyncio.Awaitable<unknown>;
        assert.fail("awaiting a lock must fail");
      } catch (e) {
        assert.ok(e instanceof TypeError);
      }
    }
    for (const primitive of primitives()) {
      await loop.run_until_complete(t(primitive));
      assert.equal(primitive.locked(), false);
    }
  });
});

describe("CoroutineTests", () => {
  const tc = new TestCase();
  let loop: BaseEventLoop;
  beforeEach(() => {
    tc.setUp();
    loop = new BaseEventLoop();
    loop._process_events = () => {};
    loop._selector = { select: () => [], wakeup() {}, close() {} };
    tc.set_event_loop(loop);
  });
  afterEach(() => tc.tearDown());

  test("test_iscoroutine", () => {
    function* foo() {}
    const f = foo();
    assert.ok(asyncio.iscoroutine(f));
    f.return();
    // Other iterables and iterators are not coroutines.
    assert.equal(asyncio.iscoroutine([1, 2]), false);
    assert.equal(asyncio.iscoroutine("text"), false);
    assert.equal(asyncio.iscoroutine(new Map().keys()), false);
  });

  test("test_iscoroutinefunction", () => {
    function* foo() {}
    assert.ok(asyncio.iscoroutinefunction(foo));
    assert.equal(asyncio.iscoroutinefunction(() => {}), false);
  });

  test("test_async_def_coroutines", async () => {
    // deno-lint-ignore require-yield
    function* bar() {
      return "spam";
    }
    function* foo() {
      return yield* bar();
    }
    assert.equal(await loop.run_until_complete(foo()), "spam");
    loop.set_debug(true);
    assert.equal(await loop.run_until_complete(foo()), "spam");
  });

  // Not in CPython: async_for, this port's `async for`.
  test("test_async_for_custom_iterator", async () => {
    // `async for` over any object with __aiter__/__anext__ (the requirement).
    class Countdown {
      constructor(private n: number) {}
      __aiter__() {
        return this;
      }
      *__anext__() {
        yield* asyncio.sleep(0);
        if (this.n <= 0) throw new StopAsyncIteration();
        return this.n--;
      }
    }
    function* main() {
      const seen: number[] = [];
      yield* asyncio.async_for(new Countdown(3), function* (x) {
        seen.push(x);
        yield* asyncio.sleep(0);
      });
      const early: number[] = [];
      yield* asyncio.async_for(new Countdown(5), function* (x) {
        early.push(x);
        if (x === 4) return asyncio.BREAK;
      });
      return [seen, early];
    }
    assert.deepEqual(await loop.run_until_complete(main()), [[3, 2, 1], [5, 4]]);
  });

  // Not in CPython: async_with, this port's `async with`.
  test("test_async_with_suppresses_and_errors", async () => {
    const log: string[] = [];
    const suppressing = {
      // deno-lint-ignore require-yield
      *__aenter__() {
        log.push("enter");
        return "value";
      },
      // deno-lint-ignore require-yield
      *__aexit__(t: unknown, e: unknown) {
        log.push(`exit ${t === null ? "None" : (e as Error).message}`);
        return true;
      },
    };
    function* main() {
      const r = yield* asyncio.async_with(suppressing, function* (v) {
        log.push(`body ${v}`);
        throw new Error("boom");
      });
      return r;
    }
    assert.equal(await loop.run_until_complete(main()), undefined);
    assert.deepEqual(log, ["enter", "body value", "exit boom"]);
    function* bad() {
      yield* asyncio.async_with({} as unknown as asyncio.AsyncContextManager<unknown>, function* () {});
    }
    await assert.rejects(loop.run_until_complete(bad()), /asynchronous context manager protocol/);
  });

  // Not in CPython: async_with/async_for give a body the shared generator prototype before its
  // first call (see coroutines.ts); bodies of every kind still run the same, more than once.
  test("test_async_with_body_kinds", async () => {
    const lock = new asyncio.Lock();
    let n = 0;
    function* named(): Generator<unknown, number, unknown> {
      yield* asyncio.sleep(0);
      return ++n;
    }
    const frozen = Object.freeze(function* () {
      yield* asyncio.sleep(0);
      return ++n;
    });
    const readonly_proto = function* () {
      yield* asyncio.sleep(0);
      return ++n;
    };
    Object.defineProperty(readonly_proto, "prototype", { writable: false });
    const own_proto = readonly_proto.prototype;
    function* main() {
      const got: number[] = [];
      for (let i = 0; i < 2; i++) {
        for (const body of [named, frozen, readonly_proto, () => named()]) {
          got.push(yield* asyncio.async_with(lock, body));
        }
        got.push(
          yield* asyncio.async_with(lock, function* () {
            const g = named();
            assert.ok(asyncio.iscoroutine(g));
            return yield* g;
          }),
        );
      }
      return got;
    }
    assert.deepEqual(await loop.run_until_complete(main()), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.ok(Object.isFrozen(frozen));
    assert.equal(readonly_proto.prototype, own_proto);
    assert.ok(asyncio.iscoroutine(named()));
  });
});
