/**
 * Port of `asyncio/graph.py` (Python 3.14): call-graph introspection of tasks and futures.
 *
 * The "awaited by" relation is CPython's: tasks stepping, `gather`, `wait`, `shield`,
 * `TaskGroup` and `staggered_race` record which task waits for which future
 * (`future_add_to_awaited_by`), and the graph follows it. The call stacks are what a JavaScript
 * runtime can give. The running task's is the JavaScript stack down to its step (its coroutines'
 * generator frames are on it; V8 tells them from plain functions, which are shown without
 * "async", JavaScriptCore does not). A suspended generator's frames cannot be inspected, so a
 * waiting task shows, in debug mode, the stack saved where it last awaited a pending future (the
 * port's `Future.next` saves it then, which costs a stack trace per await: debug mode only), and
 * otherwise, or after a bare `yield` (`sleep(0)`), only its coroutine's name (when known, see
 * `_set_coro_name`).
 *
 * @module
 */

import { _get_running_loop } from "./events.ts";
import { _deep_error, Future } from "./futures.ts";
import { current_task, Task } from "./tasks.ts";
import { _format_coroutine } from "./coroutines.ts";
import { RuntimeError, TypeError } from "./stdlib/builtins.ts";
import { hex_id, repr, tuple } from "./stdlib/_repr.ts";
import { _is_plumbing, _parse_frame_line, _STEP_FRAME } from "./format_helpers.ts";

/** A frame of a call stack: where it is, and the function's name. */
export interface Frame {
  /** The function's name (`<anonymous>` if it has none). */
  name: string;
  /** The file, or `null` if unknown. */
  filename: string | null;
  /** The line, or `null` if unknown. */
  lineno: number | null;
  /** Whether it is a coroutine's frame (a generator function's: Python's `f_generator`). */
  is_coroutine: boolean;
}

/** Python's `FrameCallGraphEntry`: one frame of a call stack. */
export class FrameCallGraphEntry {
  /** Makes the entry. */
  constructor(
    /** The frame. */
    readonly frame: Frame,
  ) {}
}

/** Python's `FutureCallGraph`: a future, its call stack, and the graphs of what awaits it. */
export class FutureCallGraph {
  /** Makes the graph node. */
  constructor(
    /** The future or task. */
    readonly future: Future<unknown>,
    /** Its call stack, outermost frame first. */
    readonly call_stack: readonly FrameCallGraphEntry[],
    /** The graphs of the tasks/futures awaiting it. */
    readonly awaited_by: readonly FutureCallGraph[],
  ) {}
}

function _check_future(future: unknown): asserts future is Future<unknown> {
  if (!(future instanceof Future)) {
    throw new TypeError(`${repr(future)} object does not appear to be compatible with asyncio.Future`);
  }
}

function _truncate(st: FrameCallGraphEntry[], limit: number | null): FrameCallGraphEntry[] {
  if (limit === null) return st;
  if (limit > 0) return st.slice(0, limit);
  if (limit < 0) return st.slice(limit);
  return [];
}

function _build_graph_for_future(future: Future<unknown>, limit: number | null): FutureCallGraph {
  _check_future(future);
  // Outermost first, as CPython walks a task's coroutine down its `cr_await` chain.
  let st: FrameCallGraphEntry[] = [];
  if (future instanceof Task && limit !== 0 && !future.done()) {
    const loop = future.get_loop();
    let frames: FrameCallGraphEntry[] | null = null;
    if (future === current_task(loop)) frames = _own_frames(_parse_stack(_deep_error().stack ?? "", 1));
    else if (loop.get_debug() && future._await_stack !== null) {
      frames = _parse_stack(future._await_stack.stack ?? "", 1);
    }
    if (frames !== null) st = frames.reverse();
    else {
      const coro = future.get_coro();
      if (coro !== null) {
        const name = _format_coroutine(coro).replace(/\(\)$/, "");
        st.push(new FrameCallGraphEntry({ name, filename: null, lineno: null, is_coroutine: true }));
      }
    }
  }
  const awaited_by: FutureCallGraph[] = [];
  const parents = future._asyncio_awaited_by;
  if (parents) { for (const parent of parents) awaited_by.push(_build_graph_for_future(parent, limit)); }
  st = _truncate(st, limit);
  st.reverse();
  return new FutureCallGraph(future, tuple(st), tuple(awaited_by));
}

/**
 * The frames of a JavaScript stack trace (`Error.stack`), innermost first, after the first `skip`
 * ones, down to the task's step. A frame is a coroutine's where V8 shows the generator's own
 * resumption under it (`at main.next (<anonymous>)`); JavaScriptCore (Bun) does not, so its frames
 * are all plain ones.
 */
function _parse_stack(stack: string, skip: number): FrameCallGraphEntry[] {
  const lines = stack.split("\n").slice(1 + skip);
  const out: FrameCallGraphEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const f = _parse_frame_line(lines[i]);
    if (f === null) continue;
    const [filename, lineno] = f;
    const name = f[2] ?? "<anonymous>";
    if (_STEP_FRAME.test(name)) break;
    if (_is_plumbing(name, filename)) continue;
    const is_coroutine = i + 1 < lines.length && lines[i + 1].trim() === `at ${name}.next (<anonymous>)`;
    out.push(new FrameCallGraphEntry({ name, filename, lineno, is_coroutine }));
  }
  return out;
}

/** `frames` without the ones of this module on top (the running task's own frames, in a graph). */
function _own_frames(frames: FrameCallGraphEntry[]): FrameCallGraphEntry[] {
  let i = 0;
  while (i < frames.length && /[/\\]graph\.[jt]s$/.test(frames[i].frame.filename ?? "")) i++;
  return frames.slice(i);
}

/** The frames of the current JavaScript stack, innermost first, `depth` above the caller's. */
function _current_stack(depth: number): FrameCallGraphEntry[] {
  // (skipping _deep_error's frame, this one's, and `depth` more: depth 1 starts at the caller of
  // capture_call_graph)
  return _parse_stack(_deep_error().stack ?? "", 2 + depth);
}

/** The options of {@linkcode capture_call_graph} and {@linkcode format_call_graph}. */
export interface CallGraphOptions {
  /** Frames to skip from the top of the current task's stack (default 1). */
  depth?: number;
  /** Keep at most `abs(limit)` frames per stack (`0`: no stacks, only "awaited by"). */
  limit?: number | null;
}

/**
 * Python's `capture_call_graph(future=None, *, depth=1, limit=None)`: the call graph of `future`
 * (default: the current task), or `null` if there is no current task.
 */
export function capture_call_graph(
  future: Future<unknown> | null = null,
  options?: CallGraphOptions,
): FutureCallGraph | null {
  const depth = options?.depth ?? 1;
  let limit = options?.limit ?? null;
  const loop = _get_running_loop();
  if (future !== null && future !== undefined) {
    if (loop === null || future !== current_task(loop)) return _build_graph_for_future(future, limit);
  } else {
    if (loop === null) {
      throw new RuntimeError(
        "capture_call_graph() is called outside of a running event loop and no *future* to introspect was provided",
      );
    }
    future = current_task(loop);
  }
  if (future === null) return null;
  _check_future(future);
  let call_stack = limit !== 0 ? _current_stack(depth) : [];
  const awaited_by: FutureCallGraph[] = [];
  const parents = future._asyncio_awaited_by;
  if (parents) { for (const parent of parents) awaited_by.push(_build_graph_for_future(parent, limit)); }
  if (limit !== null) {
    limit *= -1;
    if (limit > 0) call_stack = call_stack.slice(0, limit);
    else if (limit < 0) call_stack = call_stack.slice(limit);
  }
  return new FutureCallGraph(future, tuple(call_stack), tuple(awaited_by));
}

/** Python's `format_call_graph()`: the call graph as text. */
export function format_call_graph(future: Future<unknown> | null = null, options?: CallGraphOptions): string {
  const render_level = (st: FutureCallGraph, buf: string[], level: number): void => {
    const add_line = (line: string) => buf.push("    ".repeat(level) + line);
    if (st.future instanceof Task) {
      add_line(`* Task(name=${repr(st.future.get_name())}, id=${hex_id(st.future)})`);
    } else {
      add_line(`* Future(id=${hex_id(st.future)})`);
    }
    if (st.call_stack.length) {
      add_line("  + Call stack:");
      for (const ste of st.call_stack) {
        const f = ste.frame;
        const tag = f.is_coroutine ? "async " : "";
        if (f.filename === null) add_line(`  |   ${tag}${f.name}()`);
        else add_line(`  |   File ${repr(f.filename)}, line ${f.lineno}, in ${tag}${f.name}()`);
      }
    }
    if (st.awaited_by.length) {
      add_line("  + Awaited by:");
      for (const fut of st.awaited_by) render_level(fut, buf, level + 1);
    }
  };
  const graph = capture_call_graph(future, {
    depth: (options?.depth ?? 1) + 1,
    limit: options?.limit ?? null,
  });
  if (graph === null) return "";
  const buf: string[] = [];
  render_level(graph, buf, 0);
  return buf.join("\n");
}

/** Python's `print_call_graph()`: prints the call graph (to `options.file.write`, else stdout). */
export function print_call_graph(
  future: Future<unknown> | null = null,
  options?: CallGraphOptions & { file?: { write(s: string): unknown } | null },
): void {
  // (`depth` as given, as CPython 3.14.2 passes it on: its stack shows print_call_graph() itself)
  const text = format_call_graph(future, { depth: options?.depth ?? 1, limit: options?.limit ?? null });
  if (options?.file) options.file.write(text + "\n");
  else console.log(text);
}
