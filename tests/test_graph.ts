// The awaited-by part of Lib/test/test_asyncio/test_graph.py (new in 3.14). This port's
// reference tree for tests is 3.13's, which has no test_graph.py, so these tests are written from
// 3.14's graph.py and its documented behaviour: which task awaits which future through task
// stepping, gather, TaskGroup, wait and shield, and the text format_call_graph() prints.
// Frame-level assertions of CPython's test (code names and line numbers of Python frames) apply to
// the running task's stack (the JavaScript stack down to its step); a suspended JavaScript
// generator has no inspectable frames, so a waiting task shows the stack saved where it awaited, in
// debug mode only (see graph.ts).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import * as asyncio from "../mod.ts";
import { RuntimeError } from "../stdlib/builtins.ts";
import { repr } from "../stdlib/_repr.ts";

// V8 (Deno, Node) shows a generator's frames with its resumption under them, which tells a
// coroutine's frame from a plain function's; JavaScriptCore (Bun) does not.
const V8 = !("Bun" in globalThis);

function names(g: asyncio.FutureCallGraph | null): unknown {
  if (g === null) return null;
  const name = g.future instanceof asyncio.Task ? g.future.get_name() : "Future";
  return [name, g.awaited_by.map(names)];
}

describe("CallStackTestBase", () => {
  test("test_stack_tgroup", async () => {
    let stack_for_c5: asyncio.FutureCallGraph | null = null;
    function* c5() {
      stack_for_c5 = asyncio.capture_call_graph(null, { depth: 1 });
      yield* asyncio.sleep(0);
    }
    function* c4() {
      yield* asyncio.sleep(0);
      yield* c5();
    }
    function* main() {
      yield* asyncio.async_with(new asyncio.TaskGroup(), function* (tg) {
        tg.create_task(c4(), { name: "c2_root" });
        yield* asyncio.sleep(0);
      });
    }
    await asyncio.run((function* () {
      yield* asyncio.create_task(main(), { name: "main" });
    })());
    // c5 runs in the c2_root task, awaited by the task running the TaskGroup ("main"), itself
    // awaited by the asyncio.run() task.
    const g = names(stack_for_c5) as [string, [string, [string, unknown[]][]][]];
    assert.equal(g[0], "c2_root");
    assert.equal(g[1].length, 1);
    assert.equal(g[1][0][0], "main");
    assert.equal(g[1][0][1].length, 1);
    assert.match(g[1][0][1][0][0], /^Task-\d+$/);
    // The current task's own stack is the JavaScript stack down to its step: c5 and c4 are on it.
    // depth=1 starts at capture_call_graph's caller, innermost first, as sys._getframe(1) does.
    const frames = stack_for_c5!.call_stack.map((e) => e.frame.name);
    assert.deepEqual(frames, ["c5", "c4"]);
    if (V8) assert.ok(stack_for_c5!.call_stack.every((e) => e.frame.is_coroutine));
    // call_stack and awaited_by are tuples (CPython's dataclass fields).
    assert.match(repr(stack_for_c5!.call_stack), /^\(/);
    assert.match(repr(stack_for_c5!.awaited_by[0].awaited_by[0].awaited_by), /^\(\)$/);
  });

  test("test_stack_gather_and_wait", async () => {
    const graphs: Record<string, unknown> = {};
    function* leaf(name: string) {
      yield* asyncio.sleep(0);
      graphs[name] = names(asyncio.capture_call_graph());
    }
    function* main() {
      yield* asyncio.gather(leaf("g1"), leaf("g2"));
      const t = asyncio.create_task(leaf("w"), { name: "waited" });
      yield* asyncio.wait([t]);
      const s = asyncio.create_task(leaf("s"), { name: "shielded" });
      yield* asyncio.shield(s);
    }
    await asyncio.run((function* () {
      yield* asyncio.create_task(main(), { name: "main" });
    })());
    // Each leaf is awaited by exactly one task: "main" (through gather, wait and shield).
    for (const k of ["g1", "g2", "w", "s"]) {
      const awaited_by = (graphs[k] as unknown[])[1] as unknown[][];
      assert.equal(awaited_by.length, 1, k);
      assert.equal(awaited_by[0][0], "main", k);
    }
    assert.equal((graphs.w as unknown[])[0], "waited");
    assert.equal((graphs.s as unknown[])[0], "shielded");
  });

  test("test_awaited_by_cleared", async () => {
    // Once awaited, a future no longer lists its waiter.
    let fut!: asyncio.Future<null>;
    function* main() {
      fut = asyncio.get_running_loop().create_future();
      asyncio.get_running_loop().call_soon(() => fut.set_result(null));
      yield* fut;
      return fut._asyncio_awaited_by;
    }
    const after = await asyncio.run(main());
    assert.equal(after === null || after.size === 0, true);
  });

  test("test_format_call_graph", async () => {
    let text = "";
    function* inner() {
      yield* asyncio.sleep(0);
      text = asyncio.format_call_graph();
    }
    function* main() {
      yield* asyncio.create_task(inner(), { name: "inner" });
    }
    await asyncio.run((function* () {
      yield* asyncio.create_task(main(), { name: "outer" });
    })());
    const lines = text.split("\n");
    assert.match(lines[0], /^\* Task\(name='inner', id=0x[0-9a-f]+\)$/);
    assert.ok(lines.includes("  + Call stack:"));
    assert.ok(lines.includes("  + Awaited by:"));
    assert.ok(lines.some((l) => /^ {4}\* Task\(name='outer', id=0x[0-9a-f]+\)$/.test(l)));
  });

  // Not in CPython's file (its suspended coroutines have frames to show; JavaScript's do not): in
  // debug mode a task waiting on a future shows where its coroutines wait, the stack saved when it
  // awaited; outside debug mode, the name of its coroutine. The running task shows its own stack
  // when another task's graph reaches it.
  test("test_waiting_task_stack_in_debug_mode", async () => {
    function* inner(fut: asyncio.Future<null>) {
      yield* fut;
    }
    function* outer(fut: asyncio.Future<null>) {
      yield* inner(fut);
    }
    function* main(texts: string[]) {
      const fut = asyncio.get_running_loop().create_future<null>();
      const t = asyncio.create_task(outer(fut), { name: "waiter" });
      yield* asyncio.sleep(0);
      texts.push(asyncio.format_call_graph(fut));
      const g = asyncio.gather(t);
      yield* asyncio.sleep(0);
      texts.push(asyncio.format_call_graph(t));
      fut.set_result(null);
      yield* g;
    }
    for (const debug of [true, false]) {
      const texts: string[] = [];
      await asyncio.run(main(texts), { debug });
      const [first, second] = texts.map((t) => t.split("\n"));
      assert.match(first[0], /^\* Future\(id=0x[0-9a-f]+\)$/);
      assert.equal(first[1], "  + Awaited by:");
      assert.match(first[2], /^ {4}\* Task\(name='waiter', id=0x[0-9a-f]+\)$/);
      assert.equal(first[3], "      + Call stack:");
      if (debug) {
        const tag = V8 ? "async " : "";
        assert.match(
          first[4],
          new RegExp(`^ {6}\\| {3}File '.*test_graph\\.[jt]s', line \\d+, in ${tag}inner\\(\\)$`),
        );
        assert.match(
          first[5],
          new RegExp(`^ {6}\\| {3}File '.*test_graph\\.[jt]s', line \\d+, in ${tag}outer\\(\\)$`),
        );
        assert.equal(first.length, 6);
      } else {
        assert.deepEqual(first.slice(4), ["      |   async coroutine()"]);
      }
      // The task running main() shows its own frame where the graph reaches it.
      assert.match(second.at(-1)!, /^ {6}\| {3}File '.*test_graph\.[jt]s', line \d+, in (async )?main\(\)$/);
    }
  });

  test("test_capture_outside_loop", () => {
    assert.throws(() => asyncio.capture_call_graph(), RuntimeError);
    assert.throws(() => asyncio.format_call_graph(), RuntimeError);
  });
});
