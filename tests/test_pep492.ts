// Port of Lib/test/test_asyncio/test_pep492.py (read from CPython 3.13.0's tree; 3.14 semantics
// from the 3.14 source): the `async with` / coroutine parts. `async with` is
// `yield* asyncio.async_with(cm, body)`; `async for` is `asyncio.async_for` (tested in
// test_locks/test_tasks with as_completed; StreamReader comes with the networking work).
//
// Not ported, and why:
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
import { repr } from "../stdlib/_repr.ts";
import { _set_plain_form, _set_wait_form, _WOULD_SUSPEND } from "../coroutines.ts";

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

describe("StreamReaderTests", () => {
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

  test("test_readline", async () => {
    const DATA = new TextEncoder().encode("line1\nline2\nline3");
    const stream = new asyncio.StreamReader({ loop });
    stream.feed_data(DATA);
    stream.feed_eof();
    function* reader() {
      const data: string[] = [];
      yield* asyncio.async_for(stream, function* (line) {
        data.push(new TextDecoder().decode(line));
      });
      return data;
    }
    const data = await loop.run_until_complete(reader());
    assert.deepEqual(data, ["line1\n", "line2\n", "line3"]);
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

  // Not in CPython (its reprs come from the interpreter): a coroutine object's repr names the
  // library function that made it, or says "coroutine" for a generator of the user's (JavaScript
  // cannot reach a generator's function from the generator).
  test("test_coroutine_object_repr", () => {
    function* foo() {}
    const f = foo();
    assert.match(repr(f), /^<coroutine object coroutine at 0x[0-9a-f]+>$/);
    f.return();
    const sleeping = asyncio.sleep(10);
    assert.match(repr(sleeping), /^<coroutine object sleep at 0x[0-9a-f]+>$/);
    sleeping.return(null);
    const zero = asyncio.sleep(0);
    assert.match(repr(zero), /^<coroutine object sleep at 0x[0-9a-f]+>$/);
    zero.return(null);
    const stream = new asyncio.StreamReader({ loop });
    const line = stream.readline();
    assert.match(repr(line), /^<coroutine object StreamReader\.readline at 0x[0-9a-f]+>$/);
    line.return(new Uint8Array());
    const get = new asyncio.Queue().get();
    assert.match(repr(get), /^<coroutine object Queue\.get at 0x[0-9a-f]+>$/);
    get.return(null);
    const conn = loop.create_connection(() => new asyncio.Protocol(), "localhost", 1);
    assert.match(repr(conn), /^<coroutine object BaseEventLoop\.create_connection at 0x[0-9a-f]+>$/);
    conn.return(null as never);
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
    // `async for` over any object with __aiter__/__anext__ (the issue's requirement).
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

  // Not in CPython: async_with returns a coroutine object written by hand (_AsyncWith in
  // coroutines.ts) that must do what the generator it replaces does. Seeded random scripts of
  // next/throw/return calls are played against it and against that generator (written out below),
  // with context managers whose __aenter__/__aexit__ yield, raise or suppress, and bodies that
  // yield, catch, raise, return and yield in `finally`; the traces must be the same.
  test("test_async_with_matches_its_generator", () => {
    function* reference<T, R>(
      cm: asyncio.AsyncContextManager<T>,
      body: (v: T) => Generator<unknown, R, unknown>,
    ): Generator<unknown, R | undefined, unknown> {
      if (cm === null || typeof cm !== "object" || typeof cm.__aenter__ !== "function") {
        throw new TypeError(
          `'${typeof cm}' object does not support the asynchronous context manager protocol`,
        );
      }
      const value = yield* cm.__aenter__();
      let result: R;
      try {
        result = yield* body(value);
      } catch (e) {
        const exc_type = e !== null && typeof e === "object" ? (e as object).constructor : typeof e;
        if (!(yield* cm.__aexit__(exc_type, e, null))) throw e;
        return undefined;
      }
      yield* cm.__aexit__(null, null, null);
      return result;
    }
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    type Kinds = {
      enter: number;
      exit: number;
      body: number;
      inline: boolean;
      plain: boolean;
      wait: boolean;
    };
    function make(kinds: Kinds, log: string[]) {
      const cm = {
        *__aenter__(): Generator<unknown, string | null, unknown> {
          log.push("aenter");
          if (kinds.enter === 1) log.push(`aenter got ${yield "aenter yield"}`);
          if (kinds.enter === 2) throw "aenter raised";
          return kinds.wait ? null : "v";
        },
        *__aexit__(t: unknown, e: unknown): Generator<unknown, boolean, unknown> {
          log.push(`aexit ${t === null ? "None" : `${typeof t === "function" ? t.name : t} ${e}`}`);
          if (kinds.exit === 1) log.push(`aexit got ${yield "aexit yield"}`);
          if (kinds.exit === 2) throw "aexit raised";
          return kinds.exit === 3;
        },
      };
      if (kinds.plain) {
        // The plain forms async_with calls instead: they do the work when it does not suspend, and
        // say _WOULD_SUSPEND (having done nothing) when it would.
        _set_plain_form(cm.__aenter__, function () {
          return kinds.enter === 1 ? _WOULD_SUSPEND : cm.__aenter__().next().value;
        });
        _set_plain_form(cm.__aexit__, function (t: unknown, e: unknown) {
          return kinds.exit === 1 ? _WOULD_SUSPEND : cm.__aexit__(t, e).next().value;
        });
        if (kinds.wait) {
          // The wait form (the locks' acquire()): awaited instead of __aenter__ when that would
          // suspend; what it returns is dropped, the body gets null (as __aenter__ returns then).
          _set_wait_form(cm.__aenter__, function* (): Generator<unknown, string, unknown> {
            log.push("aenter");
            if (kinds.enter === 1) log.push(`aenter got ${yield "aenter yield"}`);
            if (kinds.enter === 2) throw "aenter raised";
            return "dropped";
          });
        }
      }
      function* named(v: string | null): Generator<unknown, string, unknown> {
        try {
          log.push(`body ${v}`);
          if (kinds.body === 1) throw new RangeError("body raised");
          const a = yield "first";
          log.push(`got ${a}`);
          try {
            yield "second";
          } catch (e) {
            log.push(`caught ${e}`);
            if (kinds.body === 2) throw e;
            yield "after catch";
          }
          return "result";
        } finally {
          log.push("finally");
          if (kinds.body === 3) log.push(`finally got ${yield "in finally"}`);
        }
      }
      // A fresh closure each time (prepared and resumed through the prototype), or a named one.
      const body = kinds.inline
        ? function* (v: string | null): Generator<unknown, string, unknown> {
          return yield* named(v);
        }
        : named;
      return { cm, body };
    }
    const ops = ["next", "next", "next", "throw", "return"] as const;
    let compared = 0;
    for (let n = 0; n < 3000; n++) {
      const kinds = {
        enter: rnd(3),
        exit: rnd(4),
        body: rnd(4),
        inline: rnd(2) === 0,
        plain: rnd(2) === 0,
        wait: rnd(2) === 0,
      };
      const script: [string, string][] = [];
      for (let k = rnd(9); k >= 0; k--) script.push([ops[rnd(ops.length)], `x${k}`]);
      const traces: string[][] = [];
      for (const kind of ["port", "reference"]) {
        const log: string[] = [];
        const { cm, body } = make(kinds, log);
        const gen = kind === "port" ? asyncio.async_with(cm, body) : reference(cm, body);
        for (const [op, arg] of script) {
          try {
            const r = op === "next" ? gen.next(arg) : op === "throw" ? gen.throw(arg) : gen.return(arg);
            log.push(`${op} -> ${JSON.stringify(r)}`);
          } catch (e) {
            log.push(`${op} raised ${e}`);
          }
        }
        traces.push(log);
      }
      assert.deepEqual(traces[0], traces[1], JSON.stringify({ kinds, script }));
      compared += traces[0].length;
    }
    assert.ok(compared > 10000);
    // A coroutine resumed from inside itself: the generator's TypeError.
    function* reenter(self: { gen: Generator | null }) {
      self.gen!.next();
      yield;
    }
    const holder: { gen: Generator | null } = { gen: null };
    const cm = {
      // deno-lint-ignore require-yield
      *__aenter__() {
        return null;
      },
      // deno-lint-ignore require-yield
      *__aexit__() {
        return false;
      },
    };
    holder.gen = asyncio.async_with(cm, () => reenter(holder));
    assert.throws(() => holder.gen!.next(), { name: "TypeError", message: "Generator is already running" });
    assert.ok(asyncio.iscoroutine(asyncio.async_with(cm, function* () {})));
  });

  // Not in CPython: Timeout, TaskGroup and the locks mark their __aenter__/__aexit__ that never
  // suspend (see _plain_form in coroutines.ts); a subclass overriding one is still awaited.
  test("test_async_with_overridden_methods_are_awaited", async () => {
    const log: string[] = [];
    class LoggedLock extends asyncio.Lock {
      override *__aenter__() {
        log.push("enter");
        yield* asyncio.sleep(0);
        return yield* super.__aenter__();
      }
      override *__aexit__(t: unknown, e: unknown, tb: unknown) {
        log.push("exit");
        yield* asyncio.sleep(0);
        return yield* super.__aexit__(t, e, tb);
      }
    }
    class LoggedTimeout extends asyncio.Timeout {
      override *__aexit__(t: unknown, e: unknown, tb: unknown) {
        log.push("timeout exit");
        yield* asyncio.sleep(0);
        return yield* super.__aexit__(t, e, tb);
      }
    }
    class CountingSemaphore extends asyncio.Semaphore {
      override *acquire() {
        log.push("acquire");
        return yield* super.acquire();
      }
    }
    class CountingLock extends asyncio.Lock {
      override *acquire() {
        log.push("lock acquire");
        return yield* super.acquire();
      }
    }
    class CountingCondition extends asyncio.Condition {
      override acquire() {
        log.push("condition acquire");
        return super.acquire();
      }
    }
    function* main() {
      const cond2 = new CountingCondition();
      yield* asyncio.async_with(cond2, function* () {
        log.push(`cond2 ${cond2.locked()}`);
      });
      const sem = new CountingSemaphore(1);
      yield* asyncio.async_with(sem, function* () {
        log.push(`sem ${sem.locked()}`);
      });
      const cond = new asyncio.Condition(new CountingLock());
      yield* asyncio.async_with(cond, function* () {
        log.push(`cond ${cond.locked()}`);
      });
      const lock = new LoggedLock();
      yield* asyncio.async_with(lock, function* () {
        log.push(`body ${lock.locked()}`);
      });
      yield* asyncio.async_with(new LoggedTimeout(null), function* (t) {
        log.push(`timeout ${t.when()}`);
      });
      return lock.locked();
    }
    assert.equal(await loop.run_until_complete(main()), false);
    assert.deepEqual(log, [
      "condition acquire",
      "cond2 true",
      "acquire",
      "sem true",
      "lock acquire",
      "cond true",
      "enter",
      "body true",
      "exit",
      "timeout null",
      "timeout exit",
    ]);
  });
});
