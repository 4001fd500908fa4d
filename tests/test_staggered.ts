// Port of Lib/test/test_asyncio/test_staggered.py (read from CPython 3.13.0's tree; 3.14 semantics from the 3.14 source): the tests present in the
// 3.13 tree this port could read (test_empty .. test_none_successful) plus the cancellation of
// the race itself.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { ValueError } from "../stdlib/builtins.ts";
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
});
