// Port of Lib/test/test_asyncio/test_staggered.py (read from CPython 3.13.0's tree; 3.14 semantics from the 3.14 source): the tests present in the
// 3.13 tree this port could read (test_empty .. test_none_successful); test_multiple_winners and
// test_cancelled, the two 3.14 adds, written from 3.14's staggered.py (the winner cancels the
// others; a cancelled race cancels its tasks, waits for them and re-raises) and what those tests
// check (their text could not be read here); plus the cancellation of the race itself, and a
// second winner (found by `deno task fuzz:cpython staggered`: CPython's assertion fails the race).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { AssertionError, ExceptionGroup, ValueError } from "../stdlib/builtins.ts";
import { run_virtual } from "../test_utils.ts";

function atest(name: string, body: () => asyncio.Coroutine<void>): void {
  test(name, async () => {
    await run_virtual(body());
  });
}

describe("StaggeredTests", () => {
  atest("test_empty", function* () {
    const [winner, index, excs] = yield* asyncio.staggered_race([], null);
    assert.equal(winner, null);
    assert.equal(index, null);
    assert.deepEqual(excs, []);
  });

  atest("test_one_successful", function* () {
    // deno-lint-ignore require-yield
    function* coro(index: number) {
      return `Res: ${index}`;
    }
    const [winner, index, excs] = yield* asyncio.staggered_race([() => coro(0), () => coro(1)], null);
    assert.equal(winner, "Res: 0");
    assert.equal(index, 0);
    assert.deepEqual(excs, [null]);
  });

  atest("test_first_error_second_successful", function* () {
    // deno-lint-ignore require-yield
    function* coro(index: number) {
      if (index === 0) throw new ValueError(index);
      return `Res: ${index}`;
    }
    const [winner, index, excs] = yield* asyncio.staggered_race([() => coro(0), () => coro(1)], null);
    assert.equal(winner, "Res: 1");
    assert.equal(index, 1);
    assert.equal(excs.length, 2);
    assert.ok(excs[0] instanceof ValueError);
    assert.equal(excs[1], null);
  });

  atest("test_first_timeout_second_successful", function* () {
    function* coro(index: number) {
      if (index === 0) yield* asyncio.sleep(10);
      return `Res: ${index}`;
    }
    const [winner, index, excs] = yield* asyncio.staggered_race([() => coro(0), () => coro(1)], 0.1);
    assert.equal(winner, "Res: 1");
    assert.equal(index, 1);
    assert.equal(excs.length, 2);
    assert.ok(excs[0] instanceof asyncio.CancelledError);
    assert.equal(excs[1], null);
  });

  atest("test_none_successful", function* () {
    // deno-lint-ignore require-yield
    function* coro(index: number) {
      throw new ValueError(index);
    }
    const [winner, index, excs] = yield* asyncio.staggered_race([() => coro(0), () => coro(1)], null);
    assert.equal(winner, null);
    assert.equal(index, null);
    assert.equal(excs.length, 2);
    assert.ok(excs[0] instanceof ValueError);
    assert.ok(excs[1] instanceof ValueError);
  });

  atest("test_multiple_winners", function* () {
    // Two coroutines finish in the same iteration: the first one wins, the other is cancelled.
    const event = new asyncio.Event();
    function* coro(index: number) {
      yield* event.wait();
      return index;
    }
    function* do_set() {
      event.set();
      yield* new asyncio.Event().wait();
    }
    const [winner, index, excs] = yield* asyncio.staggered_race<number | void>(
      [() => coro(0), () => coro(1), do_set],
      0.1,
    );
    assert.equal(winner, 0);
    assert.equal(index, 0);
    assert.equal(excs.length, 3);
    assert.equal(excs[0], null);
    assert.ok(excs[1] instanceof asyncio.CancelledError);
    assert.ok(excs[2] instanceof asyncio.CancelledError);
  });

  atest("test_cancelled", function* () {
    // The task running the race is cancelled twice (two timeouts expire): each time the race
    // cancels its coroutine, which carries on; the race then re-raises the CancelledError, and the
    // outer timeout turns it into TimeoutError.
    const log: string[] = [];
    let raised: unknown = null;
    try {
      yield* asyncio.async_with(asyncio.timeout(null), function* (cs_outer) {
        yield* asyncio.async_with(asyncio.timeout(null), function* (cs_inner) {
          function* coro_fn() {
            cs_inner.reschedule(-1);
            yield* asyncio.sleep(0);
            try {
              yield* asyncio.sleep(0);
            } catch (e) {
              if (!(e instanceof asyncio.CancelledError)) throw e;
              log.push("cancelled 1");
            }
            cs_outer.reschedule(-1);
            yield* asyncio.sleep(0);
            try {
              yield* asyncio.sleep(0);
            } catch (e) {
              if (!(e instanceof asyncio.CancelledError)) throw e;
              log.push("cancelled 2");
            }
          }
          try {
            yield* asyncio.staggered_race([coro_fn], null);
          } catch (e) {
            if (e instanceof asyncio.CancelledError) log.push("cancelled 3");
            throw e;
          }
        });
      });
    } catch (e) {
      raised = e;
    }
    assert.ok(raised instanceof asyncio.TimeoutError, `raised ${raised}`);
    assert.deepEqual(log, ["cancelled 1", "cancelled 2", "cancelled 3"]);
  });

  atest("test_race_cancelled", function* () {
    // Cancelling the task running the race cancels every started coroutine and re-raises.
    const cleaned: number[] = [];
    function* coro(index: number) {
      try {
        yield* asyncio.sleep(10);
        return index;
      } finally {
        cleaned.push(index);
      }
    }
    const race = asyncio.create_task(asyncio.staggered_race([() => coro(0), () => coro(1)], 0.1));
    yield* asyncio.sleep(0.15);
    race.cancel();
    try {
      yield* race;
      assert.fail("not cancelled");
    } catch (e) {
      if (!(e instanceof asyncio.CancelledError)) throw e;
    }
    assert.deepEqual(cleaned.sort(), [0, 1]);
  });

  atest("test_second_winner_fails_the_race", function* () {
    // A coroutine that swallows the cancellation the winner sent it and returns is a second winner:
    // CPython's `assert winner_index is None` fails in its task, and the race raises that
    // AssertionError in an ExceptionGroup, once every task is done.
    const log: string[] = [];
    function* stubborn() {
      try {
        yield* asyncio.sleep(10);
      } catch (e) {
        if (!(e instanceof asyncio.CancelledError)) throw e;
        log.push("swallowed");
      }
      return "stubborn";
    }
    function* quick() {
      yield* asyncio.sleep(0.05);
      return "quick";
    }
    let raised: unknown = null;
    try {
      yield* asyncio.staggered_race<string>([stubborn, quick], 0.01);
    } catch (e) {
      raised = e;
    }
    assert.ok(raised instanceof ExceptionGroup, `raised ${raised}`);
    assert.equal(raised.message, "staggered race failed");
    assert.equal(raised.exceptions.length, 1);
    assert.ok(raised.exceptions[0] instanceof AssertionError);
    assert.deepEqual(log, ["swallowed"]);
  });
});
