// Port of Lib/test/test_asyncio/test_context.py (read from CPython 3.13.0's tree; 3.14 semantics from the 3.14 source).
//
// CPython's test runs two tasks that each set a different `decimal` precision in their own
// context (decimal keeps its context in a ContextVar). There is no decimal module here, so the
// same scenario is written with a small precision context kept in a ContextVar, which is what
// the test is about: each task's context is its own across an `await`.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { ContextVar } from "../stdlib/contextvars.ts";

const precision = new ContextVar<number>("precision", { default: 28 });

/** `decimal.localcontext()` + `ctx.prec = p`, for the duration of `body`. */
function* localcontext<T>(prec: number, body: () => asyncio.Coroutine<T>): asyncio.Coroutine<T> {
  const token = precision.set(prec);
  try {
    return yield* body();
  } finally {
    precision.reset(token);
  }
}

/** `str(Decimal(x) / Decimal(y))` at the current precision (significant digits). */
function divide(x: number, y: number): string {
  return String(Number((x / y).toPrecision(precision.get())));
}

describe("DecimalContextTest", () => {
  test("test_asyncio_task_decimal_context", async () => {
    function* fractions(t: number, prec: number, x: number, y: number) {
      return yield* localcontext(prec, function* () {
        const a = divide(x, y);
        yield* asyncio.sleep(t);
        const b = divide(x, y ** 2);
        return [a, b];
      });
    }
    function* main() {
      return yield* asyncio.gather(fractions(0.1, 3, 1, 3), fractions(0.2, 6, 1, 3));
    }
    const [r1, r2] = await asyncio.run(main());
    assert.equal(r1[0], "0.333");
    assert.equal(r1[1], "0.111");
    assert.equal(r2[0], "0.333333");
    assert.equal(r2[1], "0.111111");
    assert.equal(precision.get(), 28);
  });
});
