/**
 * **@pystd/asyncio**: CPython's `asyncio` (3.14 semantics) for TypeScript, on Deno, Node and Bun.
 *
 * Coroutines are generator functions: `async def f()` is `function* f()`, `await x` is
 * `yield* x`, and `asyncio.run(main())` returns a Promise. Tasks are driven by a port of
 * CPython's `Task.__step`, so cancellation throws `CancelledError` into the coroutine at its
 * `yield*` and its `finally` blocks run. Names, behaviour, callback order and error messages are
 * CPython's.
 *
 * @example Hello, world
 * ```ts
 * import * as asyncio from "./mod.ts";
 *
 * function* main() {
 *   console.log("hello");
 *   yield* asyncio.sleep(0.01);
 *   console.log("world");
 * }
 *
 * await asyncio.run(main());
 * ```
 *
 * @example Timeouts cancel the work
 * ```ts
 * import * as asyncio from "./mod.ts";
 *
 * function* slow() {
 *   try {
 *     yield* asyncio.sleep(3600);
 *   } finally {
 *     console.log("slow() was cancelled and cleaned up");
 *   }
 * }
 *
 * function* main() {
 *   try {
 *     yield* asyncio.wait_for(slow(), 0.05);
 *   } catch (e) {
 *     if (!(e instanceof asyncio.TimeoutError)) throw e;
 *     console.log("timed out");
 *   }
 * }
 *
 * await asyncio.run(main());
 * ```
 *
 * @module
 */

export {
  BrokenBarrierError,
  CancelledError,
  IncompleteReadError,
  InvalidStateError,
  LimitOverrunError,
  SendfileNotAvailableError,
  TimeoutError,
} from "./exceptions.ts";
export {
  _get_running_loop,
  _set_running_loop,
  AbstractEventLoop,
  AbstractServer,
  type CallOptions,
  type ExceptionContext,
  type ExceptionHandler,
  get_event_loop,
  get_event_loop_policy,
  get_running_loop,
  Handle,
  new_event_loop,
  set_event_loop,
  set_event_loop_policy,
  type TaskFactory,
  type TaskOptions,
  TimerHandle,
} from "./events.ts";
export { _AbstractEventLoopPolicy as AbstractEventLoopPolicy } from "./events.ts";
export { BaseEventLoop } from "./base_events.ts";
export { BaseSelectorEventLoop } from "./selector_events.ts";
export {
  _DefaultEventLoopPolicy as DefaultEventLoopPolicy,
  EventLoop,
  SelectorEventLoop,
} from "./unix_events.ts";
export {
  async_for,
  async_with,
  type AsyncContextManager,
  type AsyncIterable,
  type AsyncIterator,
  type Awaitable,
  BREAK,
  type Coroutine,
  iscoroutine,
  iscoroutinefunction,
} from "./coroutines.ts";
export {
  Future,
  future_add_to_awaited_by,
  future_discard_from_awaited_by,
  isfuture,
  wrap_future,
  wrap_promise,
} from "./futures.ts";
export {
  _enter_task,
  _leave_task,
  _register_task,
  _set_coro_name,
  _unregister_task,
  ALL_COMPLETED,
  all_tasks,
  as_completed,
  create_eager_task_factory,
  create_task,
  current_task,
  eager_task_factory,
  ensure_future,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  gather,
  run_coroutine_threadsafe,
  shield,
  sleep,
  Task,
  wait,
  wait_for,
} from "./tasks.ts";
export type {
  _AsCompletedIterator,
  _GatheringFuture,
  GatherOptions,
  GatherResults,
  GatherResultsOrErrors,
  ReturnWhen,
  TaskConstructor,
  TaskInit,
  Unwrap,
  WaitOptions,
} from "./tasks.ts";
export type { DoneCallback, FutureOptions } from "./futures.ts";
export type { RunnerOptions } from "./runners.ts";
export type { _UnixDefaultEventLoopPolicy, _UnixSelectorEventLoop } from "./unix_events.ts";
export type { FrameSummary } from "./format_helpers.ts";
export type { DefaultSelector, FileObj, Selectable, SelectorKey } from "./stdlib/selectors.ts";
// Types only: the socket module itself is `@pystd/asyncio/socket`.
export type { Address, AddrInfo, socket } from "./stdlib/socket.ts";
export type { AnyFn } from "./events.ts";
export type { _BaseDefaultEventLoopPolicy } from "./events.ts";
export type { _LoopBoundMixin } from "./mixins.ts";
export type { _ContextManagerMixin } from "./locks.ts";
export type { QueueOptions } from "./queues.ts";
// Types only: the classes these name are exported at run time by `@pystd/asyncio/contextvars`
// and `@pystd/asyncio/builtins`.
export type { Context, ContextVar, Token } from "./stdlib/contextvars.ts";
export type { BaseException, EOFError, Exception, OSError, RuntimeError } from "./stdlib/builtins.ts";
export { Timeout, timeout, timeout_at } from "./timeouts.ts";
export { run, Runner } from "./runners.ts";
export { Barrier, BoundedSemaphore, Condition, Event, Lock, Semaphore } from "./locks.ts";
export { LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull, QueueShutDown } from "./queues.ts";
export { TaskGroup } from "./taskgroups.ts";
export { staggered_race } from "./staggered.ts";
export { to_thread } from "./threads.ts";
export {
  type CallGraphOptions,
  capture_call_graph,
  format_call_graph,
  type Frame,
  FrameCallGraphEntry,
  FutureCallGraph,
  print_call_graph,
} from "./graph.ts";
export {
  BaseProtocol,
  BufferedProtocol,
  DatagramProtocol,
  Protocol,
  SubprocessProtocol,
} from "./protocols.ts";
export {
  BaseTransport,
  DatagramTransport,
  ReadTransport,
  SubprocessTransport,
  Transport,
  type WriteBufferLimits,
  WriteTransport,
} from "./transports.ts";
export { TransportSocket } from "./trsock.ts";
export { Server } from "./base_events.ts";
export type {
  CreateConnectionOptions,
  CreateDatagramEndpointOptions,
  CreateServerOptions,
  PipeFile,
  SendfileFile,
  SubprocessLoopOptions,
} from "./events.ts";
export type { SSLOption } from "./sslproto.ts";
export {
  type ClientConnectedCallback,
  FlowControlMixin,
  open_connection,
  open_unix_connection,
  start_server,
  start_unix_server,
  type StreamOptions,
  StreamReader,
  type StreamReaderOptions,
  StreamReaderProtocol,
  StreamWriter,
} from "./streams.ts";
export {
  create_subprocess_exec,
  create_subprocess_shell,
  Process,
  type SubprocessOptions,
  SubprocessStreamProtocol,
} from "./subprocess.ts";
/** Python's `asyncio.subprocess`: `PIPE`, `STDOUT`, `DEVNULL`, `Process`, and the functions. */
export * as subprocess from "./subprocess.ts";
export { BaseSubprocessTransport } from "./base_subprocess.ts";

// The library's coroutine functions get their names in reprs (see _name_coroutines).
import { _name_coroutines } from "./coroutines.ts";
import * as _self from "./mod.ts";
_name_coroutines(_self);
