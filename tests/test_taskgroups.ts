// Port of Lib/test/test_asyncio/test_taskgroups.py (CPython 3.14), tests 01-25 and the name,
// context and create-after-failure tests. The coroutines run on the virtual-time loop
// (test_utils.run_virtual): the same scheduling as real time, without waiting for it.
//
// Not ported yet: the remaining 3.14 tests after test_taskgroup_no_create_task_after_failure
// (context-manager exit, cancellation-count bookkeeping under nested groups, eager-task and
// reference-cycle regressions); time. Plus, as the issue asks, tests CPython does not need:
// a child that swallows CancelledError with a bare catch.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { ContextVar, copy_context } from "../stdlib/contextvars.ts";
import {
  BaseException,
  BaseExceptionGroup,
  ExceptionGroup,
  KeyboardInterrupt,
  RuntimeError,
  TypeError,
  ValueError,
} from "../stdlib/builtins.ts";
import { run_virtual } from "../test_utils.ts";
import { capture_warnings } from "./utils.ts";
import { open_resources } from "../stdlib/_host.ts";

class MyExc extends Error {}
class MyBaseExc extends BaseException {}
class ZeroDivisionError extends Error {}
const div0 = (): never => {
  throw new ZeroDivisionError();
};

function get_error_types(eg: BaseExceptionGroup): Set<unknown> {
  return new Set(eg.exceptions.map((e) => e.constructor));
}

function atest(name: string, body: () => asyncio.Coroutine<void>): void {
  test(name, async () => {
    await run_virtual(body());
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

function* tg(body: (g: asyncio.TaskGroup) => asyncio.Coroutine<void>): asyncio.Coroutine<void> {
  yield* asyncio.async_with(new asyncio.TaskGroup(), body);
}

describe("TestTaskGroup", () => {
  atest("test_taskgroup_01", function* () {
    function* foo1() {
      yield* asyncio.sleep(0.1);
      return 42;
    }
    function* foo2() {
      yield* asyncio.sleep(0.2);
      return 11;
    }
    let t1!: asyncio.Task<number>, t2!: asyncio.Task<number>;
    yield* tg(function* (g) {
      t1 = g.create_task(foo1());
      t2 = g.create_task(foo2());
    });
    assert.equal(t1.result(), 42);
    assert.equal(t2.result(), 11);
  });

  atest("test_taskgroup_02", function* () {
    function* foo1() {
      yield* asyncio.sleep(0.1);
      return 42;
    }
    function* foo2() {
      yield* asyncio.sleep(0.2);
      return 11;
    }
    let t1!: asyncio.Task<number>, t2!: asyncio.Task<number>;
    yield* tg(function* (g) {
      t1 = g.create_task(foo1());
      yield* asyncio.sleep(0.15);
      t2 = g.create_task(foo2());
    });
    assert.equal(t1.result(), 42);
    assert.equal(t2.result(), 11);
  });

  atest("test_taskgroup_03", function* () {
    function* foo1() {
      yield* asyncio.sleep(1);
      return 42;
    }
    function* foo2() {
      yield* asyncio.sleep(0.2);
      return 11;
    }
    let t1!: asyncio.Task<number>, t2!: asyncio.Task<number>;
    yield* tg(function* (g) {
      t1 = g.create_task(foo1());
      yield* asyncio.sleep(0.15);
      t1.cancel();
      t2 = g.create_task(foo2());
    });
    assert.ok(t1.cancelled());
    assert.equal(t2.result(), 11);
  });

  atest("test_taskgroup_04", function* () {
    let NUM = 0;
    let t2_cancel = false;
    let t2!: asyncio.Task<void>;
    function* foo1() {
      yield* asyncio.sleep(0.1);
      div0();
    }
    function* foo2() {
      try {
        yield* asyncio.sleep(1);
      } catch (e) {
        if (e instanceof asyncio.CancelledError) t2_cancel = true;
        throw e;
      }
      NUM += 1;
    }
    function* runner() {
      yield* tg(function* (g) {
        g.create_task(foo1());
        t2 = g.create_task(foo2());
      });
      NUM += 10;
    }
    const eg = yield* assertRaises(ExceptionGroup, () => asyncio.create_task(runner()));
    assert.deepEqual(get_error_types(eg), new Set([ZeroDivisionError]));
    assert.equal(NUM, 0);
    assert.ok(t2_cancel);
    assert.ok(t2.cancelled());
  });

  atest("test_cancel_children_on_child_error", function* () {
    let NUM = 0;
    let t2_cancel = false;
    let runner_cancel = false;
    function* foo1() {
      yield* asyncio.sleep(0.1);
      div0();
    }
    function* foo2() {
      try {
        yield* asyncio.sleep(5);
      } catch (e) {
        if (e instanceof asyncio.CancelledError) t2_cancel = true;
        throw e;
      }
      NUM += 1;
    }
    function* runner() {
      yield* tg(function* (g) {
        g.create_task(foo1());
        g.create_task(foo1());
        g.create_task(foo1());
        g.create_task(foo2());
        try {
          yield* asyncio.sleep(10);
        } catch (e) {
          if (e instanceof asyncio.CancelledError) runner_cancel = true;
          throw e;
        }
      });
      NUM += 10;
    }
    const eg = yield* assertRaises(ExceptionGroup, () => asyncio.create_task(runner()));
    assert.deepEqual(get_error_types(eg), new Set([ZeroDivisionError]));
    assert.equal(NUM, 0);
    assert.ok(t2_cancel);
    assert.ok(runner_cancel);
  });

  atest("test_cancellation", function* () {
    let NUM = 0;
    function* foo() {
      try {
        yield* asyncio.sleep(5);
      } catch (e) {
        if (e instanceof asyncio.CancelledError) NUM += 1;
        throw e;
      }
    }
    function* runner() {
      yield* tg(function* (g) {
        for (let i = 0; i < 5; i++) g.create_task(foo());
      });
    }
    const r = asyncio.create_task(runner());
    yield* asyncio.sleep(0.1);
    assert.equal(r.done(), false);
    r.cancel();
    yield* assertRaises(asyncio.CancelledError, () => r);
    assert.equal(NUM, 5);
  });

  atest("test_taskgroup_07", function* () {
    let NUM = 0;
    function* foo() {
      try {
        yield* asyncio.sleep(5);
      } catch (e) {
        if (e instanceof asyncio.CancelledError) NUM += 1;
        throw e;
      }
    }
    function* runner() {
      yield* tg(function* (g) {
        for (let i = 0; i < 5; i++) g.create_task(foo());
        try {
          yield* asyncio.sleep(10);
        } catch (e) {
          if (e instanceof asyncio.CancelledError) NUM += 10;
          throw e;
        }
      });
    }
    const r = asyncio.create_task(runner());
    yield* asyncio.sleep(0.1);
    assert.equal(r.done(), false);
    r.cancel();
    yield* assertRaises(asyncio.CancelledError, () => r);
    assert.equal(NUM, 15);
  });

  atest("test_taskgroup_08", function* () {
    function* foo() {
      try {
        yield* asyncio.sleep(10);
      } finally {
        div0();
      }
    }
    function* runner() {
      yield* tg(function* (g) {
        for (let i = 0; i < 5; i++) g.create_task(foo());
        yield* asyncio.sleep(10);
      });
    }
    const r = asyncio.create_task(runner());
    yield* asyncio.sleep(0.1);
    assert.equal(r.done(), false);
    r.cancel();
    const eg = yield* assertRaises(ExceptionGroup, () => r);
    assert.deepEqual(get_error_types(eg), new Set([ZeroDivisionError]));
  });

  for (const [name, sleep_first] of [["test_taskgroup_09", true], ["test_taskgroup_10", false]] as const) {
    atest(name, function* () {
      let t1!: asyncio.Task<number>, t2!: asyncio.Task<number>;
      function* foo1() {
        yield* asyncio.sleep(1);
        return 42;
      }
      function* foo2() {
        yield* asyncio.sleep(2);
        return 11;
      }
      function* runner() {
        yield* tg(function* (g) {
          t1 = g.create_task(foo1());
          t2 = g.create_task(foo2());
          if (sleep_first) yield* asyncio.sleep(0.1);
          div0();
        });
      }
      const eg = yield* assertRaises(ExceptionGroup, () => runner());
      assert.deepEqual(get_error_types(eg), new Set([ZeroDivisionError]));
      assert.ok(t1.cancelled());
      assert.ok(t2.cancelled());
    });
  }

  for (const [name, outer_task] of [["test_taskgroup_11", false], ["test_taskgroup_12", true]] as const) {
    atest(name, function* () {
      function* foo() {
        try {
          yield* asyncio.sleep(10);
        } finally {
          div0();
        }
      }
      function* runner() {
        yield* tg(function* (g1) {
          if (outer_task) g1.create_task(asyncio.sleep(10));
          yield* tg(function* (g2) {
            for (let i = 0; i < 5; i++) g2.create_task(foo());
            yield* asyncio.sleep(10);
          });
        });
      }
      const r = asyncio.create_task(runner());
      yield* asyncio.sleep(0.1);
      assert.equal(r.done(), false);
      r.cancel();
      const eg = yield* assertRaises(ExceptionGroup, () => r);
      assert.deepEqual(get_error_types(eg), new Set([ExceptionGroup]));
      assert.deepEqual(get_error_types(eg.exceptions[0] as ExceptionGroup), new Set([ZeroDivisionError]));
    });
  }

  atest("test_taskgroup_13", function* () {
    function* crash_after(t: number) {
      yield* asyncio.sleep(t);
      throw new ValueError(t);
    }
    function* runner() {
      yield* tg(function* (g1) {
        g1.create_task(crash_after(0.1));
        yield* tg(function* (g2) {
          g2.create_task(crash_after(10));
        });
      });
    }
    const eg = yield* assertRaises(ExceptionGroup, () => asyncio.create_task(runner()));
    assert.deepEqual(get_error_types(eg), new Set([ValueError]));
  });

  atest("test_taskgroup_14", function* () {
    function* crash_after(t: number) {
      yield* asyncio.sleep(t);
      throw new ValueError(t);
    }
    function* runner() {
      yield* tg(function* (g1) {
        g1.create_task(crash_after(10));
        yield* tg(function* (g2) {
          g2.create_task(crash_after(0.1));
        });
      });
    }
    const eg = yield* assertRaises(ExceptionGroup, () => asyncio.create_task(runner()));
    assert.deepEqual(get_error_types(eg), new Set([ExceptionGroup]));
    assert.deepEqual(get_error_types(eg.exceptions[0] as ExceptionGroup), new Set([ValueError]));
  });

  for (const [name, nested] of [["test_taskgroup_15", false], ["test_taskgroup_16", true]] as const) {
    atest(name, function* () {
      function* crash_soon() {
        yield* asyncio.sleep(0.3);
        div0();
      }
      function* inner() {
        yield* tg(function* (g1) {
          g1.create_task(crash_soon());
          try {
            yield* asyncio.sleep(10);
          } catch (e) {
            if (e instanceof asyncio.CancelledError) yield* asyncio.sleep(0.5);
            throw e;
          }
        });
      }
      function* runner() {
        if (nested) yield* asyncio.create_task(inner());
        else yield* inner();
      }
      const r = asyncio.create_task(runner());
      yield* asyncio.sleep(0.1);
      assert.equal(r.done(), false);
      r.cancel();
      const eg = yield* assertRaises(ExceptionGroup, () => r);
      assert.deepEqual(get_error_types(eg), new Set([ZeroDivisionError]));
    });
  }

  atest("test_taskgroup_17", function* () {
    let NUM = 0;
    function* runner() {
      yield* tg(function* () {
        try {
          yield* asyncio.sleep(10);
        } catch (e) {
          if (e instanceof asyncio.CancelledError) NUM += 10;
          throw e;
        }
      });
    }
    const r = asyncio.create_task(runner());
    yield* asyncio.sleep(0.1);
    assert.equal(r.done(), false);
    r.cancel();
    yield* assertRaises(asyncio.CancelledError, () => r);
    assert.equal(NUM, 10);
  });

  atest("test_taskgroup_18", function* () {
    let NUM = 0;
    function* runner() {
      yield* tg(function* () {
        try {
          yield* asyncio.sleep(10);
        } catch (e) {
          if (e instanceof asyncio.CancelledError) {
            NUM += 10;
            throw new MyExc();
          }
          throw e;
        }
      });
    }
    const r = asyncio.create_task(runner());
    yield* asyncio.sleep(0.1);
    assert.equal(r.done(), false);
    r.cancel();
    const eg = yield* assertRaises(ExceptionGroup, () => r);
    assert.deepEqual(get_error_types(eg), new Set([MyExc]));
    assert.equal(NUM, 10);
  });

  const crash_soon_then = (exc: () => Error) => {
    function* crash_soon() {
      yield* asyncio.sleep(0.1);
      div0();
    }
    function* nested() {
      try {
        yield* asyncio.sleep(10);
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw exc();
      }
    }
    return function* runner() {
      yield* tg(function* (g) {
        g.create_task(crash_soon());
        yield* nested();
      });
    };
  };

  atest("test_taskgroup_19", function* () {
    const r = asyncio.create_task(crash_soon_then(() => new MyExc())());
    const eg = yield* assertRaises(ExceptionGroup, () => r);
    assert.deepEqual(get_error_types(eg), new Set([MyExc, ZeroDivisionError]));
  });

  atest("test_taskgroup_20", function* () {
    yield* assertRaises(KeyboardInterrupt, () => crash_soon_then(() => new KeyboardInterrupt())());
  });

  atest("test_taskgroup_20a", function* () {
    const eg = yield* assertRaises(BaseExceptionGroup, () => crash_soon_then(() => new MyBaseExc())());
    assert.ok(!(eg instanceof ExceptionGroup));
    assert.deepEqual(get_error_types(eg), new Set([MyBaseExc, ZeroDivisionError]));
  });

  atest("test_taskgroup_21a", function* () {
    function* crash_soon() {
      yield* asyncio.sleep(0.1);
      throw new MyBaseExc();
    }
    function* nested() {
      try {
        yield* asyncio.sleep(10);
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw new TypeError();
      }
    }
    function* runner() {
      yield* tg(function* (g) {
        g.create_task(crash_soon());
        yield* nested();
      });
    }
    const eg = yield* assertRaises(BaseExceptionGroup, () => runner());
    assert.deepEqual(get_error_types(eg), new Set([MyBaseExc, TypeError]));
  });

  atest("test_taskgroup_22", function* () {
    function* foo1() {
      yield* asyncio.sleep(1);
      return 42;
    }
    function* foo2() {
      yield* asyncio.sleep(2);
      return 11;
    }
    function* runner() {
      yield* tg(function* (g) {
        g.create_task(foo1());
        g.create_task(foo2());
      });
    }
    const r = asyncio.create_task(runner());
    yield* asyncio.sleep(0.05);
    r.cancel();
    yield* assertRaises(asyncio.CancelledError, () => r);
  });

  atest("test_taskgroup_23", function* () {
    function* do_job(delay: number) {
      yield* asyncio.sleep(delay);
    }
    yield* tg(function* (g) {
      for (let count = 0; count < 10; count++) {
        yield* asyncio.sleep(0.1);
        g.create_task(do_job(0.3));
        if (count === 5) assert.ok(g._tasks.size < 5);
      }
      yield* asyncio.sleep(1.35);
      assert.equal(g._tasks.size, 0);
    });
  });

  atest("test_taskgroup_24", function* () {
    function* root(g: asyncio.TaskGroup) {
      yield* asyncio.sleep(0.1);
      g.create_task(coro1(0.1));
      g.create_task(coro1(0.2));
    }
    function* coro1(delay: number) {
      yield* asyncio.sleep(delay);
    }
    yield* tg(function* (g) {
      g.create_task(root(g));
    });
  });

  atest("test_taskgroup_25", function* () {
    let nhydras = 0;
    function* hydra(g: asyncio.TaskGroup): asyncio.Coroutine<void> {
      nhydras += 1;
      yield* asyncio.sleep(0.01);
      g.create_task(hydra(g));
      g.create_task(hydra(g));
    }
    function* hercules() {
      while (nhydras < 10) yield* asyncio.sleep(0.015);
      div0();
    }
    const eg = yield* assertRaises(ExceptionGroup, () =>
      tg(function* (g) {
        g.create_task(hydra(g));
        g.create_task(hercules());
      }));
    assert.deepEqual(get_error_types(eg), new Set([ZeroDivisionError]));
    assert.ok(nhydras >= 10);
  });

  atest("test_taskgroup_task_name", function* () {
    function* coro() {
      yield* asyncio.sleep(0);
    }
    yield* tg(function* (g) {
      const t = g.create_task(coro(), { name: "yolo" });
      assert.equal(t.get_name(), "yolo");
    });
  });

  atest("test_taskgroup_task_context", function* () {
    const cvar = new ContextVar<number>("cvar");
    function* coro(val: number) {
      yield* asyncio.sleep(0);
      cvar.set(val);
    }
    yield* tg(function* (g) {
      const ctx = copy_context();
      assert.equal(ctx.get(cvar), null);
      const t1 = g.create_task(coro(1), { context: ctx });
      yield* t1;
      assert.equal(ctx.get(cvar), 1);
      const t2 = g.create_task(coro(2), { context: ctx });
      yield* t2;
      assert.equal(ctx.get(cvar), 2);
    });
  });

  atest("test_taskgroup_no_create_task_after_failure", function* () {
    function* coro1() {
      yield* asyncio.sleep(0.001);
      div0();
    }
    function* coro2(g: asyncio.TaskGroup) {
      try {
        yield* asyncio.sleep(1);
      } catch (e) {
        if (!(e instanceof asyncio.CancelledError)) throw e;
        assert.throws(() => g.create_task(coro1()), RuntimeError);
      }
    }
    const eg = yield* assertRaises(ExceptionGroup, () =>
      tg(function* (g) {
        g.create_task(coro1());
        g.create_task(coro2(g));
      }));
    assert.deepEqual(get_error_types(eg), new Set([ZeroDivisionError]));
  });

  test("test_create_task_outside_group_closes_coro", () => {
    // 3.13 (gh-115957): create_task on a group not entered closes the coroutine.
    let closed = false;
    function* coro() {
      try {
        yield;
      } finally {
        closed = true;
      }
    }
    const g = new asyncio.TaskGroup();
    const c = coro();
    c.next(); // started: its finally runs when it is closed
    assert.throws(
      () => g.create_task(c),
      (e: Error) => e instanceof RuntimeError && /has not been entered/.test(e.message),
    );
    assert.ok(closed);
  });
});

describe("JavaScriptCatchAllTests", () => {
  // Not in CPython's suite: JavaScript has no `except Exception`, so a bare `catch` in a child
  // swallows the CancelledError the group sends. The group still finishes (the child returns),
  // the failure is still reported, and debug mode warns about the swallowed cancellation.
  test("test_child_swallowing_cancellation", async () => {
    const w = capture_warnings();
    try {
      const stubborn = function* () {
        try {
          yield* asyncio.sleep(10);
        } catch {
          // swallows CancelledError
        }
        return "kept running";
      };
      const bad = function* () {
        yield* asyncio.sleep(0.1);
        throw new MyExc("bad");
      };
      let s!: asyncio.Task<string>;
      const main = function* () {
        try {
          yield* tg(function* (g) {
            s = g.create_task(stubborn());
            g.create_task(bad());
          });
        } catch (e) {
          if (!(e instanceof ExceptionGroup)) throw e;
          return get_error_types(e);
        }
        return null;
      };
      const types = await run_virtual(main(), { debug: true });
      assert.deepEqual(types, new Set([MyExc]));
      assert.equal(s.result(), "kept running");
      assert.ok(
        w.warnings.some((x) => x.category === "RuntimeWarning" && /swallowed CancelledError/.test(x.message)),
        JSON.stringify(w.warnings),
      );
    } finally {
      w.restore();
    }
  });
});
