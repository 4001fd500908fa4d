// Port of Lib/test/test_asyncio/test_futures2.py (read from CPython 3.13.0's tree; 3.14 semantics from the 3.14 source).
//
// Not ported, and why:
// - test_future_traceback: counts "await future" lines in a Python traceback; JavaScript stack
//   traces of a generator resumed by the loop do not show the awaiting line.
//
// Added (not in CPython's file): LoopCancelledErrorTests, the frames of the port's CancelledErrors
// (README, "Tracebacks come from JavaScript stacks").
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { ContextVar } from "../stdlib/contextvars.ts";
import { repr } from "../stdlib/_repr.ts";
import { gc_collect } from "./utils.ts";
import { format_exception } from "../log.ts";

class ZeroDivisionError extends Error {}

describe("FutureTests", () => {
  test("test_task_exc_handler_correct_context", async (t) => {
    // CPython's task is collected as soon as it is dropped (reference counting); here the engine
    // collects it when asked (a host GC hook, which the test command enables).
    if (!gc_collect()) return t.skip("needs a host GC hook (--expose-gc)");
    const name = new ContextVar<string>("name", { default: "foo" });
    let exc_handler_called = false;
    let seen: string | null = null;
    const exc_handler = () => {
      seen = name.get();
      exc_handler_called = true;
    };
    // deno-lint-ignore require-yield
    function* task() {
      name.set("bar");
      throw new ZeroDivisionError();
    }
    function* main() {
      const loop = asyncio.get_running_loop();
      loop.set_exception_handler(exc_handler);
      (() => new asyncio.Task(task()))();
      yield* asyncio.sleep(0);
      for (let i = 0; i < 20 && !exc_handler_called; i++) {
        gc_collect();
        yield* asyncio.sleep(0.005);
      }
      assert.ok(exc_handler_called);
      assert.equal(seen, "bar");
    }
    await asyncio.run(main());
  });

  test("test_handle_exc_handler_correct_context", async () => {
    const name = new ContextVar<string>("name", { default: "foo" });
    let exc_handler_called = false;
    const exc_handler = () => {
      assert.equal(name.get(), "bar");
      exc_handler_called = true;
    };
    const callback = () => {
      name.set("bar");
      throw new ZeroDivisionError();
    };
    function* main() {
      const loop = asyncio.get_running_loop();
      loop.set_exception_handler(exc_handler);
      loop.call_soon(callback);
      yield* asyncio.sleep(0);
      assert.ok(exc_handler_called);
    }
    await asyncio.run(main());
  });
});

describe("FutureReprTests", () => {
  test("test_recursive_repr_for_pending_tasks", async () => {
    // deno-lint-ignore require-yield
    function* func() {
      return asyncio.all_tasks();
    }
    function* main() {
      const waiter = yield* asyncio.wait_for(new asyncio.Task(func()), 10);
      // The repr must not recurse forever: the task is in the set it returned.
      assert.ok(repr(waiter).includes("..."));
    }
    await asyncio.run(main());
  });
});

describe("LoopCancelledErrorTests", () => {
  test("the loop's CancelledError has no frames; result()'s keeps its caller's", async () => {
    let thrown_in: unknown = null;
    let awaited: unknown = null;
    let from_result: unknown = null;
    function* sleeper() {
      try {
        yield* asyncio.sleep(10);
      } catch (e) {
        thrown_in = e;
        throw e;
      }
    }
    function* main() {
      const t = asyncio.create_task(sleeper());
      yield* asyncio.sleep(0);
      t.cancel("stop");
      try {
        yield* t;
      } catch (e) {
        awaited = e;
      }
      const fut = asyncio.get_running_loop().create_future();
      fut.cancel();
      try {
        fut.result();
      } catch (e) {
        from_result = e;
      }
    }
    await asyncio.run(main());
    assert.ok(thrown_in instanceof asyncio.CancelledError);
    assert.equal((thrown_in as Error).stack, "CancelledError: stop");
    assert.equal(format_exception(thrown_in), "asyncio.exceptions.CancelledError: stop");
    // (the task's saved exception is what its awaiter gets, as in CPython)
    assert.equal(awaited, thrown_in);
    assert.ok(from_result instanceof asyncio.CancelledError);
    assert.match((from_result as Error).stack!, /\n\s+at /);
  });
});
