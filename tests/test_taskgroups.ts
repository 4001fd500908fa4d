// Port of Lib/test/test_asyncio/test_taskgroups.py (read from CPython 3.13.0's tree; 3.14 semantics from the 3.14 source), tests 01-25 and the name,
// context and create-after-failure tests. The coroutines run on the virtual-time loop
// (test_utils.run_virtual): the same scheduling as real time, without waiting for it.
//
// `except* E` is written as a catch that splits the group (`eg.split(E)`) and re-throws the rest.
// Not ported: test_taskgroup_21 (disabled in CPython too), test_coro_closed_when_tg_closed (it
// is test_taskgroup_finished run through get_event_loop()). Not read: the tests 3.14 added after
// 3.13's (this port's reference tree for tests was 3.13's). Judging by 3.14's taskgroups.py (its
// `exc = None` / `del task` lines), several of them check reference cycles through Python's `gc`,
// which has nothing to port; TaskGroup314Tests checks 3.14's two changes of behaviour from its
// source (eager children, create_task's options). Plus, as the issue asks, tests CPython does not
// need: a child that swallows CancelledError with a bare catch; and a group with many
// children, most finished before one fails (the group's bookkeeping compacts then).
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

  atest("test_taskgroup_context_manager_exit_raises", function* () {
    class CustomException extends Error {}
    // deno-lint-ignore require-yield
    function* raise_exc() {
      throw new CustomException();
    }
    // contextlib.asynccontextmanager whose exit raises
    const database = () => ({
      // deno-lint-ignore require-yield
      *__aenter__() {
        return null;
      },
      // deno-lint-ignore require-yield
      *__aexit__() {
        throw new CustomException();
      },
    });
    function* main() {
      const task = asyncio.current_task()!;
      try {
        yield* tg(function* (g) {
          yield* asyncio.async_with(database(), function* () {
            g.create_task(raise_exc());
            yield* asyncio.sleep(1);
          });
        });
        assert.fail("CustomException not raised");
      } catch (e) {
        const [match] = (e as ExceptionGroup).split(CustomException);
        assert.ok(match !== null);
        assert.equal(task.cancelling(), 0);
        assert.equal(match!.exceptions.length, 2);
      }
    }
    yield* asyncio.create_task(main());
  });

  atest("test_taskgroup_already_entered", function* () {
    const g = new asyncio.TaskGroup();
    yield* asyncio.async_with(g, function* () {
      const e = yield* assertRaises(RuntimeError, () => asyncio.async_with(g, function* () {}));
      assert.match(e.message, /has already been entered/);
    });
  });

  atest("test_taskgroup_double_enter", function* () {
    const g = new asyncio.TaskGroup();
    yield* asyncio.async_with(g, function* () {});
    const e = yield* assertRaises(RuntimeError, () => asyncio.async_with(g, function* () {}));
    assert.match(e.message, /has already been entered/);
  });

  atest("test_taskgroup_finished", function* () {
    const g = new asyncio.TaskGroup();
    yield* asyncio.async_with(g, function* () {});
    const coro = asyncio.sleep(0);
    assert.throws(() => g.create_task(coro), /is finished/);
  });

  atest("test_taskgroup_not_entered", function* () {
    const g = new asyncio.TaskGroup();
    const coro = asyncio.sleep(0);
    assert.throws(() => g.create_task(coro), /has not been entered/);
    yield* asyncio.sleep(0);
  });

  test("test_taskgroup_without_parent_task", async () => {
    // CPython's await_without_task: __aenter__ driven from a plain callback, outside any task.
    const loop = asyncio.new_event_loop();
    try {
      const g = new asyncio.TaskGroup();
      const result = loop.create_future<unknown>();
      loop.call_soon(() => {
        try {
          g.__aenter__().next();
          result.set_result(null);
        } catch (e) {
          result.set_result(e);
        }
      });
      const e = await loop.run_until_complete(result);
      assert.ok(e instanceof RuntimeError && /parent task/.test(e.message));
      assert.throws(() => g.create_task(asyncio.sleep(0)), /has not been entered/);
    } finally {
      loop.close();
    }
  });

  atest("test_cancelling_level_preserved", function* () {
    function* raise_after(t: number, e: new () => Error) {
      yield* asyncio.sleep(t);
      throw new e();
    }
    try {
      yield* tg(function* (g) {
        g.create_task(raise_after(0.0, RuntimeError));
      });
    } catch (e) {
      const [, rest] = (e as ExceptionGroup).split(RuntimeError);
      if (rest !== null) throw rest;
    }
    assert.equal(asyncio.current_task()!.cancelling(), 0);
  });

  atest("test_nested_groups_both_cancelled", function* () {
    function* raise_after(t: number, e: new () => Error) {
      yield* asyncio.sleep(t);
      throw new e();
    }
    let value_error_seen = false;
    try {
      yield* tg(function* (outer_tg) {
        let runtime_error_seen = false;
        try {
          yield* tg(function* (inner_tg) {
            inner_tg.create_task(raise_after(0, RuntimeError));
            outer_tg.create_task(raise_after(0, ValueError));
          });
        } catch (e) {
          const [match, rest] = (e as ExceptionGroup).split(RuntimeError);
          if (rest !== null) throw rest;
          runtime_error_seen = match !== null;
        }
        assert.ok(runtime_error_seen, "RuntimeError not raised");
        assert.equal(asyncio.current_task()!.cancelling(), 1);
      });
    } catch (e) {
      const [match, rest] = (e as ExceptionGroup).split(ValueError);
      if (rest !== null) throw rest;
      value_error_seen = match !== null;
    }
    assert.ok(value_error_seen, "ValueError not raised");
    assert.equal(asyncio.current_task()!.cancelling(), 0);
  });

  atest("test_error_and_cancel", function* () {
    const event = new asyncio.Event();
    function* raise_error() {
      event.set();
      yield* asyncio.sleep(0);
      throw new RuntimeError();
    }
    function* inner() {
      try {
        yield* tg(function* (g) {
          g.create_task(raise_error());
          yield* asyncio.sleep(1);
          assert.fail("Sleep in group should have been cancelled");
        });
      } catch (e) {
        const [, rest] = (e as ExceptionGroup).split(RuntimeError);
        if (rest !== null) throw rest;
        assert.equal(asyncio.current_task()!.cancelling(), 1);
      }
      assert.equal(asyncio.current_task()!.cancelling(), 1);
      yield* asyncio.sleep(1);
      assert.fail("Sleep after group should have been cancelled");
    }
    const t = asyncio.create_task(inner());
    yield* event.wait();
    assert.equal(t.cancelling(), 0);
    t.cancel();
    assert.equal(t.cancelling(), 1);
    yield* assertRaises(asyncio.CancelledError, () => t);
    assert.ok(t.cancelled());
  });

  // Not in CPython: create_task() on a group not entered closes the coroutine.
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

describe("TaskGroup314Tests", () => {
  // 3.14's TaskGroup.create_task always schedules the done callback, also for an eager child that
  // is already done (gh-128550, gh-128588): a child that fails at once no longer aborts the group
  // from inside create_task(), so the body can go on creating children until its next await. These
  // tests are written from 3.14's taskgroups.py; they are not CPython's (3.14's added tests could
  // not be read here: see the top of the file). Checked against 3.13.0, which raised "is shutting
  // down" from the second create_task().
  atest("an eager child that fails at once aborts the group at the body's next await", function* () {
    asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory);
    const log: string[] = [];
    // deno-lint-ignore require-yield
    function* fail(): asyncio.Coroutine<never> {
      throw new ValueError("boom");
    }
    function* other() {
      try {
        yield* asyncio.sleep(1);
      } catch (e) {
        if (e instanceof asyncio.CancelledError) log.push("other cancelled");
        throw e;
      }
    }
    const eg = yield* assertRaises(ExceptionGroup, () =>
      tg(function* (g) {
        const t1 = g.create_task(fail());
        log.push(`t1 done=${t1.done()}`);
        g.create_task(other());
        log.push("t2 created");
        log.push(`cancelling=${asyncio.current_task()!.cancelling()}`);
        yield* asyncio.sleep(0);
        log.push("after sleep");
      }));
    assert.deepEqual(get_error_types(eg), new Set([ValueError]));
    assert.deepEqual(log, ["t1 done=true", "t2 created", "cancelling=0", "other cancelled"]);
  });

  atest("create_task passes any task option on (3.14's **kwargs)", function* () {
    const order: string[] = [];
    // deno-lint-ignore require-yield
    function* child(name: string) {
      order.push(name);
    }
    yield* tg(function* (g) {
      const lazy = g.create_task(child("lazy"));
      const eager = g.create_task(child("eager"), { eager_start: true, name: "E" });
      order.push("body");
      assert.equal(eager.done(), true);
      assert.equal(eager.get_name(), "E");
      assert.equal(lazy.done(), false);
      yield* asyncio.sleep(0);
    });
    assert.deepEqual(order, ["eager", "body", "lazy"]);
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

describe("ManyChildrenTests", () => {
  // Not in CPython's suite: the group keeps its children in an array compacted once most are done
  // (taskgroups.ts's _TaskSet). With many children finishing before one fails, the count of those
  // left stays exact and the failure still cancels every child still running, none twice.
  test("test_failure_after_most_children_finished", async () => {
    const sizes: number[] = [];
    const cancelled: number[] = [];
    const main = function* () {
      let group!: asyncio.TaskGroup;
      const quick = function* (i: number) {
        yield* asyncio.sleep(0.01 * (1 + (i % 3)));
      };
      const slow = function* (i: number) {
        try {
          yield* asyncio.sleep(10);
        } catch (e) {
          if (e instanceof asyncio.CancelledError) cancelled.push(i);
          throw e;
        }
      };
      const watcher = function* () {
        yield* asyncio.sleep(0.05);
        sizes.push(group._tasks.size);
        throw new MyExc("late failure");
      };
      try {
        yield* tg(function* (g) {
          group = g;
          for (let i = 0; i < 200; i++) g.create_task(quick(i));
          for (let i = 0; i < 10; i++) g.create_task(slow(i));
          g.create_task(watcher());
          sizes.push(g._tasks.size);
        });
      } catch (e) {
        if (!(e instanceof ExceptionGroup)) throw e;
        sizes.push(group._tasks.size);
        return get_error_types(e);
      }
      return null;
    };
    const types = await run_virtual(main());
    assert.deepEqual(types, new Set([MyExc]));
    // 211 children at first; 11 left when the watcher fails (the 10 slow ones and itself); none at the end.
    assert.deepEqual(sizes, [211, 11, 0]);
    assert.deepEqual(cancelled.sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
