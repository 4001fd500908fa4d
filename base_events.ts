/**
 * Port of `asyncio/base_events.py`: `BaseEventLoop`, the scheduling core.
 *
 * The loop keeps CPython's structures: `_ready`, a FIFO deque of handles, and `_scheduled`, a
 * binary heap of timer handles. One iteration (`_run_once`) purges cancelled timers, polls the
 * selector, moves due timers to `_ready`, then runs exactly the handles that were ready at that
 * point; callbacks they schedule wait for the next iteration.
 *
 * What differs is who blocks. Deno and Node run their own event loop, so `run_forever()`
 * returns a Promise: iterations run synchronously one after another, and only when nothing is
 * ready does the loop await the host (one host timer for the earliest `TimerHandle`, or an I/O
 * completion, or a wake-up). While work is always ready, the loop still hops to the host now and
 * then so that host I/O completions are not starved: every {@linkcode RUN_BUDGET_MS}, or, while
 * host I/O is in flight, by polling the host's I/O (see {@linkcode IO_BUSY_MS},
 * {@linkcode IO_POLL_MS}, {@linkcode BaseEventLoop._poll_io}).
 *
 * @module
 */

import { deque } from "./stdlib/collections.ts";
import { WeakSet, WeakValueDictionary } from "./stdlib/weakref.ts";
import { heapify } from "./stdlib/heapq.ts";
import {
  _get_running_loop,
  _set_running_loop,
  AbstractEventLoop,
  AbstractServer,
  type CallOptions,
  type CreateConnectionOptions,
  type CreateDatagramEndpointOptions,
  type CreateServerOptions,
  type ExceptionContext,
  type ExceptionHandler,
  Handle,
  type PipeFile,
  type SendfileFile,
  type SubprocessLoopOptions,
  type TaskFactory,
  type TaskOptions,
  TimerHandle,
} from "./events.ts";
import {
  _enable_coro_tracking,
  _is_debug_mode,
  _iscoroutinefunction,
  _trackable_method,
  type Awaitable,
  type Coroutine,
  iscoroutine,
} from "./coroutines.ts";
import { Future, isfuture, wrap_promise } from "./futures.ts";
import { ensure_future, gather, sleep, Task, task_step } from "./tasks.ts";
import { staggered_race } from "./staggered.ts";
import { CancelledError, SendfileNotAvailableError } from "./exceptions.ts";
import { type BaseProtocol, Protocol } from "./protocols.ts";
import {
  _FlowControlMixin,
  type BaseTransport,
  type DatagramTransport,
  type ReadTransport,
  type SubprocessTransport,
  type Transport,
  type WriteTransport,
} from "./transports.ts";
import { _split_options, PIPE, STDOUT } from "./stdlib/subprocess.ts";
import { _SendfileMode, SENDFILE_FALLBACK_READBUFFER_SIZE } from "./constants.ts";
import { TransportSocket } from "./trsock.ts";
import { _ssl_timeouts, type SSLOption } from "./sslproto.ts";
import {
  SERVER_TLS_UPGRADE,
  type TlsClientOptions,
  type TlsServerOptions,
  type TlsSide,
} from "./stdlib/_host.ts";
import {
  _address_released,
  _is_ipv4,
  _is_ipv6,
  type Address,
  type AddrInfo,
  AF_INET,
  AF_INET6,
  AF_UNIX,
  AF_UNSPEC,
  AI_PASSIVE,
  getaddrinfo as _getaddrinfo,
  getnameinfo as _getnameinfo,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV6_V6ONLY,
  SO_BROADCAST,
  SO_KEEPALIVE,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SOCK_DGRAM,
  SOCK_STREAM,
  socket,
  SOL_SOCKET,
  TCP_NODELAY,
} from "./stdlib/socket.ts";
import { logger } from "./log.ts";
import {
  AssertionError,
  bad_operands,
  ConnectionAbortedError,
  ConnectionError,
  errno,
  ExceptionGroup,
  KeyboardInterrupt,
  NotImplementedError,
  OSError,
  py_str,
  RuntimeError,
  SystemExit,
  TimeoutError,
  type_name,
  TypeError,
  unorderable,
  ValueError,
} from "./stdlib/builtins.ts";
import {
  hop,
  HOP_POLLS_IO,
  type IoPoller,
  monotonic,
  open_io_poller,
  stat_path,
  unlink,
} from "./stdlib/_host.ts";
import type { Context } from "./stdlib/contextvars.ts";
import { repr, tuple } from "./stdlib/_repr.ts";
import { format_frames, type FrameSummary } from "./format_helpers.ts";
import { _warn } from "./_warnings.ts";

// deno-lint-ignore no-explicit-any
type AnyFn = (...args: any[]) => unknown;

/** Below this many scheduled timers, cancelled ones are only dropped from the heap's head. */
export const _MIN_SCHEDULED_TIMER_HANDLES = 100;
/** Above this fraction of cancelled timers, the heap is rebuilt without them. */
export const _MIN_CANCELLED_TIMER_HANDLES_FRACTION = 0.5;
/** The longest the selector waits at once (24 hours), as in CPython. */
export const MAXIMUM_SELECT_TIMEOUT = 24 * 3600;

/**
 * Milliseconds of ready work the loop runs between two hops to the host while no host I/O is in
 * flight. Long enough that the hop's cost (about 1 µs) is noise; short enough that timers and
 * other host work are not delayed noticeably.
 */
export const RUN_BUDGET_MS = 2;
/**
 * Milliseconds the loop may stay busy (without waiting on the host) while host I/O is in flight
 * before it starts polling the host's I/O between iterations (see {@linkcode IO_POLL_MS}). A loop
 * that goes idle often (request/response traffic) then pays no polls at all; one kept busy (a task
 * spinning on `sleep(0)`) still hears of its I/O.
 */
export const IO_BUSY_MS = 0.25;
/**
 * While busy with host I/O in flight, the loop polls the host's I/O at most this often (ms) where
 * the poll costs real time (Deno's {@linkcode IoPoller}: ~15 µs): a completion then waits about
 * this long plus the poll, and a spinning loop keeps over half its speed. Where the poll is a
 * plain hop (Node, Bun), it polls at every iteration, as CPython's loop does.
 */
export const IO_POLL_MS = 0.02;
/**
 * After this many polls in a row that found no I/O activity, the interval between polls doubles
 * at each further one, up to {@linkcode IO_POLL_MAX_MS}, and falls back at once when activity is
 * found: a loop kept busy beside idle connections pays little for them, while request/response
 * traffic (a few quiet polls between a request and its answer) keeps prompt polls.
 */
export const IO_POLL_PATIENCE = 32;
/** The longest interval (ms) between two polls of the host's I/O while the loop is busy. */
export const IO_POLL_MAX_MS = 0.25;

function _lt_timer(a: TimerHandle, b: TimerHandle): boolean {
  return a._when < b._when;
}

// heapq's push and pop for the timer heap, with the `_when` comparison written in: the same
// algorithm (and so the same order among equal deadlines) as heappush/heappop with _lt_timer,
// without a comparator call per step (the pops of call_later_random spent a third of their time
// in it).
function _timer_heappush(heap: TimerHandle[], item: TimerHandle): void {
  heap.push(item);
  const when = item._when;
  let pos = heap.length - 1;
  while (pos > 0) {
    const parentpos = (pos - 1) >> 1;
    const parent = heap[parentpos];
    if (when < parent._when) {
      heap[pos] = parent;
      pos = parentpos;
      continue;
    }
    break;
  }
  heap[pos] = item;
}

function _timer_heappop(heap: TimerHandle[]): TimerHandle {
  const lastelt = heap.pop() as TimerHandle;
  const endpos = heap.length;
  if (endpos === 0) return lastelt;
  const returnitem = heap[0];
  // heapq's _siftup from the root, then _siftdown of the last item back up.
  let pos = 0;
  let childpos = 1;
  while (childpos < endpos) {
    const rightpos = childpos + 1;
    if (rightpos < endpos && !(heap[childpos]._when < heap[rightpos]._when)) childpos = rightpos;
    heap[pos] = heap[childpos];
    pos = childpos;
    childpos = 2 * pos + 1;
  }
  const when = lastelt._when;
  while (pos > 0) {
    const parentpos = (pos - 1) >> 1;
    const parent = heap[parentpos];
    if (when < parent._when) {
      heap[pos] = parent;
      pos = parentpos;
      continue;
    }
    break;
  }
  heap[pos] = lastelt;
  return returnitem;
}

/** Python's `_format_handle`: a task step is shown as its task. */
export function _format_handle(handle: Handle): string {
  if ((handle as unknown) instanceof Task) return repr(handle);
  const task = handle._args !== null ? handle._args[0] : null;
  if (handle._callback === task_step && task instanceof Task) return repr(task);
  return repr(handle);
}

function _run_until_complete_cb(fut: Future<unknown>): void {
  if (!fut.cancelled()) {
    const exc = fut.exception();
    if (exc instanceof SystemExit || exc instanceof KeyboardInterrupt) {
      // The loop stops by itself when the exception propagates.
      return;
    }
  }
  fut.get_loop().stop();
}

/** A selector as the loop uses it: `select(timeout)` may answer now or with a Promise. */
export interface LoopSelector<E = unknown> {
  /** Polls (`timeout <= 0`) or waits for readiness. */
  select(timeout: number | null): E[] | Promise<E[]>;
  /** Ends a pending wait now. */
  wakeup(): void;
  /** Releases the selector. */
  close(): void;
  /** Host operations in flight that will wake the selector (its registered objects). */
  _host_pending?: number;
  /** A count of the changes its objects reported (any measure of I/O activity that grows). */
  _notified?: number;
}

/** Python's `BaseEventLoop`. */
export class BaseEventLoop extends AbstractEventLoop {
  /** @internal */
  _timer_cancelled_count = 0;
  /** @internal */
  _closed = false;
  /** @internal */
  _stopping = false;
  /**
   * @internal Counts the iterations that ran callbacks: code that read the clock can tell whether
   * it is still in the same one (see `Timeout._enter`).
   */
  _iteration = 0;
  /** @internal The ready queue. */
  _ready: deque<Handle> = new deque<Handle>();
  /** @internal The timer heap. */
  _scheduled: TimerHandle[] = [];
  /** @internal */
  _default_executor: unknown = null;
  /** @internal Non-null while the loop runs (Python keeps the thread id). */
  _thread_id: number | null = null;
  /** @internal Timers due within this many seconds of now are run. */
  _clock_resolution = 1e-9;
  /** @internal */
  _exception_handler: ExceptionHandler | null = null;
  /** In debug mode, callbacks and task steps slower than this (seconds) are logged. */
  slow_callback_duration = 0.1;
  /** @internal The handle running now (debug mode). */
  _current_handle: Handle | null = null;
  /** @internal */
  _task_factory: TaskFactory | null = null;
  /** @internal */
  _asyncgens_shutdown_called = false;
  /** @internal */
  _executor_shutdown_called = false;
  /** @internal The selector (the I/O poller and the loop's wait). */
  _selector: LoopSelector | null = null;
  /** @internal True while the loop awaits the host with nothing ready (wake it to schedule). */
  _idle = false;
  /** @internal Host operations in flight that will wake the loop when they complete. */
  _host_pending = 0;
  /** @internal Host operations completed (with the selector's `_notified`: the I/O activity). */
  _host_done = 0;
  /** @internal The host's {@linkcode IoPoller} while the loop runs busy with I/O in flight. */
  _io_poller: IoPoller | null = null;
  /** @internal Whether the host was asked for a poller (it is asked once per loop). */
  _io_poller_asked = false;
  /**
   * @internal While the poller is being opened: settles once it is kept, or closed because the
   * loop closed meanwhile (`Runner.close()` awaits it, so that nothing the loop opened outlives it).
   */
  _io_poller_opening: Promise<void> | null = null;

  /** Creates a loop; debug mode follows `PYTHONASYNCIODEBUG`. */
  constructor() {
    super();
    this.set_debug(_is_debug_mode());
  }

  /** Python's repr. */
  __repr__(): string {
    const b = (v: boolean) => (v ? "True" : "False");
    return `<${this.constructor.name} running=${b(this.is_running())} closed=${b(this.is_closed())} debug=${
      b(this.get_debug())
    }>`;
  }

  /** A new Future bound to this loop. */
  override create_future<T = unknown>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  /**
   * Wraps `coro` in a Task (or calls the task factory with all the options, as 3.14 does).
   *
   * @example
   * ```ts
   * import * as asyncio from "./mod.ts";
   * function* work() { yield* asyncio.sleep(0); return 1; }
   * function* main() {
   *   const t = asyncio.get_running_loop().create_task(work(), { name: "w" });
   *   return [t.get_name(), yield* t];
   * }
   * console.assert((await asyncio.run(main())).join() === "w,1");
   * ```
   */
  override create_task<T>(coro: Coroutine<T>, options?: TaskOptions): Task<T> {
    this._check_closed();
    if (this._task_factory !== null) {
      return this._task_factory(this, coro, options ?? {}) as Task<T>;
    }
    const task = new Task<T>(coro, options === undefined ? { loop: this } : { ...options, loop: this });
    if (task._source_traceback) task._source_traceback.pop();
    return task;
  }

  /** Sets the task factory, called `factory(loop, coro, options)`; `null` restores the default. */
  override set_task_factory(factory: TaskFactory | null): void {
    if (factory !== null && factory !== undefined && typeof factory !== "function") {
      throw new TypeError("task factory must be a callable or None");
    }
    this._task_factory = factory ?? null;
  }

  /** The task factory, or `null` for the default. */
  override get_task_factory(): TaskFactory | null {
    return this._task_factory;
  }

  // --- networking (CPython's base_events.py) ------------------------------------------------

  /**
   * @internal Transports by socket number (the selector loop fills it), held weakly as CPython's
   * WeakValueDictionary holds them: a transport dropped without `close()` can be collected, and
   * then closes its socket (see `_track_transport`).
   */
  _transports: WeakValueDictionary<number, object> = new WeakValueDictionary();

  /** Resolves `host`/`port` on the host's resolver: `[family, type, proto, canonname, sockaddr]` entries. */
  override *getaddrinfo(
    host: string | null,
    port: number | string | null,
    options: { family?: number; type?: number; proto?: number; flags?: number } = {},
  ): Coroutine<AddrInfo[]> {
    const { family = 0, type = 0, proto = 0, flags = 0 } = options;
    const lookup = this._debug
      ? this._getaddrinfo_debug(host, port, family, type, proto, flags)
      : _getaddrinfo(host, port, family, type, proto, flags);
    return yield* wrap_promise(lookup, { loop: this });
  }

  /**
   * @internal Python's `_getaddrinfo_debug`, what `getaddrinfo()` runs in debug mode: the lookup,
   * logged (debug) before it starts and (debug, or info if it took `slow_callback_duration` or
   * longer) with its time and result when it is done.
   */
  async _getaddrinfo_debug(
    host: string | null,
    port: number | string | null,
    family: number,
    type: number,
    proto: number,
    flags: number,
  ): Promise<AddrInfo[]> {
    // (Python shows `family=<AddressFamily.AF_INET: 2>`; the port's socket constants are plain
    // numbers, so their values are shown.)
    const parts = [`${host}:${repr(port)}`];
    if (family) parts.push(`family=${repr(family)}`);
    if (type) parts.push(`type=${repr(type)}`);
    if (proto) parts.push(`proto=${repr(proto)}`);
    if (flags) parts.push(`flags=${repr(flags)}`);
    const what = parts.join(", ");
    logger.debug("Get address info %s", what);
    const t0 = this.time();
    const addrinfo = await _getaddrinfo(host, port, family, type, proto, flags);
    const dt = this.time() - t0;
    const msg = `Getting address info ${what} took ${(dt * 1e3).toFixed(3)}ms: ${repr(addrinfo)}`;
    if (dt >= this.slow_callback_duration) logger.info(msg);
    else logger.debug(msg);
    return addrinfo;
  }

  /**
   * `getnameinfo(sockaddr, flags)`: `[host, port]` as names (the host's reverse lookup and the
   * services file), as socket.getnameinfo() answers.
   */
  override *getnameinfo(
    sockaddr: [string, number] | [string, number, number, number],
    flags = 0,
  ): Coroutine<[string, string]> {
    return yield* wrap_promise(_getnameinfo(sockaddr, flags), { loop: this });
  }

  /** @internal Python's `_ensure_resolved`: skips the resolver for a numeric address. */
  *_ensure_resolved(
    address: Address,
    options: { family?: number; type?: number; proto?: number; flags?: number } = {},
  ): Coroutine<AddrInfo[]> {
    const { family = 0, type = SOCK_STREAM, proto = 0, flags = 0 } = options;
    const [host, port, ...rest] = address as [string | null, number | string | null, number?, number?];
    const info = _ipaddr_info(host, port, family, type, proto, rest[0] ?? 0, rest[1] ?? 0);
    if (info !== null) return [info];
    return yield* this.getaddrinfo(host, port, { family, type, proto, flags });
  }

  /** @internal */
  *_create_server_getaddrinfo(
    host: string | null,
    port: number | string | null,
    family: number,
    flags: number,
  ): Coroutine<AddrInfo[]> {
    const infos = yield* this._ensure_resolved([host, port] as unknown as Address, {
      family,
      type: SOCK_STREAM,
      flags,
    });
    if (!infos || infos.length === 0) throw new OSError(`getaddrinfo(${repr(host)}) returned empty list`);
    return infos;
  }

  /** @internal Creates and connects one socket, collecting its errors in `exceptions`. */
  *_connect_sock(
    exceptions: OSError[][],
    addr_info: AddrInfo,
    local_addr_infos: AddrInfo[] | null = null,
  ): Coroutine<socket> {
    const my_exceptions: OSError[] = [];
    exceptions.push(my_exceptions);
    const [family, type_, proto, , address] = addr_info;
    let sock = null as socket | null;
    try {
      try {
        sock = new socket(family, type_, proto);
        sock.setblocking(false);
        if (local_addr_infos !== null) {
          let bound = false;
          for (const [lfamily, , , , laddr] of local_addr_infos) {
            if (lfamily !== family) continue;
            try {
              sock.bind(laddr);
              bound = true;
              break;
            } catch (exc) {
              if (!(exc instanceof OSError)) throw exc;
              const msg = `error while attempting to bind on address ${
                repr(laddr)
              }: ${exc.message.toLowerCase()}`;
              my_exceptions.push(new OSError(exc.errno, msg));
            }
          }
          if (!bound) {
            if (my_exceptions.length) throw my_exceptions.pop();
            throw new OSError(`no matching local address with family=${family} found`);
          }
        }
        yield* this.sock_connect(sock, address);
        return sock;
      } catch (exc) {
        if (exc instanceof OSError) my_exceptions.push(exc);
        throw exc;
      }
    } catch (exc) {
      if (sock !== null) {
        try {
          sock.close();
        } catch (e) {
          if (!(e instanceof OSError)) throw e;
        }
      }
      throw exc;
    }
  }

  /** Opens a TCP connection to `host`:`port` (or wraps `sock`); `[transport, protocol]`. */
  override *create_connection<P extends BaseProtocol>(
    protocol_factory: () => P,
    host: string | null = null,
    port: number | string | null = null,
    options: CreateConnectionOptions = {},
  ): Coroutine<[Transport, P]> {
    let {
      ssl = null,
      family = 0,
      proto = 0,
      flags = 0,
      sock = null,
      local_addr = null,
      server_hostname = null,
      ssl_handshake_timeout = null,
      ssl_shutdown_timeout = null,
      happy_eyeballs_delay = null,
      interleave = null,
      all_errors = false,
    } = options;
    if (server_hostname !== null && !ssl) {
      throw new ValueError("server_hostname is only meaningful with ssl");
    }
    if (server_hostname === null && ssl) {
      if (!host) throw new ValueError("You must set server_hostname when using ssl without a host");
      server_hostname = host;
    }
    if (ssl_handshake_timeout !== null && !ssl) {
      throw new ValueError("ssl_handshake_timeout is only meaningful with ssl");
    }
    if (ssl_shutdown_timeout !== null && !ssl) {
      throw new ValueError("ssl_shutdown_timeout is only meaningful with ssl");
    }
    if (happy_eyeballs_delay !== null && interleave === null) interleave = 1;
    // Whether the socket is the loop's own (connected here), not the caller's.
    const own_sock = sock === null;
    if (host !== null || port !== null) {
      if (sock !== null) throw new ValueError("host/port and sock can not be specified at the same time");
      let infos = yield* this._ensure_resolved([host, port] as unknown as Address, {
        family,
        type: SOCK_STREAM,
        proto,
        flags,
      });
      if (!infos || infos.length === 0) throw new OSError("getaddrinfo() returned empty list");
      let laddr_infos: AddrInfo[] | null = null;
      if (local_addr !== null) {
        laddr_infos = yield* this._ensure_resolved(local_addr, { family, type: SOCK_STREAM, proto, flags });
        if (!laddr_infos || laddr_infos.length === 0) throw new OSError("getaddrinfo() returned empty list");
      }
      if (interleave) infos = _interleave_addrinfos(infos, interleave);
      const exceptions: OSError[][] = [];
      if (happy_eyeballs_delay === null) {
        for (const addrinfo of infos) {
          try {
            sock = yield* this._connect_sock(exceptions, addrinfo, laddr_infos);
            break;
          } catch (e) {
            if (!(e instanceof OSError)) throw e;
          }
        }
      } else {
        const r = yield* staggered_race(
          infos.map((addrinfo) => () => this._connect_sock(exceptions, addrinfo, laddr_infos)),
          happy_eyeballs_delay,
          { loop: this },
        );
        sock = r[0] as socket | null;
      }
      if (sock === null) {
        const flat = exceptions.flat();
        if (all_errors) throw new ExceptionGroup("create_connection failed", flat);
        if (flat.length === 1) throw flat[0];
        if (flat.length) {
          const model = py_str(flat[0]);
          if (flat.every((exc) => py_str(exc) === model)) throw flat[0];
          throw new OSError(`Multiple exceptions: ${flat.map((exc) => py_str(exc)).join(", ")}`);
        }
        throw new TimeoutError("create_connection failed");
      }
    } else {
      if (sock === null) throw new ValueError("host and port was not specified and no sock specified");
      if (sock.type !== SOCK_STREAM) throw new ValueError(`A Stream Socket was expected, got ${repr(sock)}`);
    }
    let transport: Transport, protocol: P;
    try {
      [transport, protocol] = yield* this._create_connection_transport(
        sock,
        protocol_factory,
        ssl,
        server_hostname,
        false,
        ssl_handshake_timeout,
        ssl_shutdown_timeout,
      );
    } catch (e) {
      // A socket connected here that no transport took (an invalid TLS timeout, a protocol factory
      // that threw): CPython drops it, and reference counting closes it at once; here it is closed.
      if (own_sock) sock.close();
      throw e;
    }
    if (this._debug) {
      logger.debug(
        `${repr(transport.get_extra_info("socket"))} connected to ${host}:${repr(port)}: (${
          repr(transport)
        }, ${repr(protocol)})`,
      );
    }
    return [transport, protocol];
  }

  /** @internal */
  *_create_connection_transport<P extends BaseProtocol>(
    sock: socket,
    protocol_factory: () => P,
    ssl: SSLOption | boolean | null,
    server_hostname: string | null,
    server_side = false,
    ssl_handshake_timeout: number | null = null,
    ssl_shutdown_timeout: number | null = null,
  ): Coroutine<[Transport, P]> {
    sock.setblocking(false);
    if (ssl) {
      // CPython's SSLProtocol does the handshake under the transport; here the host's TLS goes
      // under the socket first, and the transport is made over it.
      const [handshake_timeout] = _ssl_timeouts(ssl_handshake_timeout, ssl_shutdown_timeout);
      try {
        yield* this._ssl_handshake(sock, ssl, server_side, server_hostname, handshake_timeout);
      } catch (e) {
        sock.close();
        throw e;
      }
    }
    const protocol = protocol_factory();
    const waiter = this.create_future<null>();
    let transport: Transport;
    if (ssl) {
      const sslcontext = typeof ssl === "boolean" ? null : ssl;
      transport = this._make_ssl_transport(sock, protocol, sslcontext, waiter, {
        server_side,
        server_hostname,
        ssl_handshake_timeout,
        ssl_shutdown_timeout,
      }) as Transport;
    } else {
      transport = this._make_socket_transport(sock, protocol, waiter) as Transport;
    }
    try {
      yield* waiter;
    } catch (e) {
      transport.close();
      throw e;
    }
    return [transport, protocol];
  }

  /**
   * Opens a datagram (UDP) endpoint: bound to `local_addr`, connected to `remote_addr` (or, with
   * `allow_broadcast`, only sending there by default), or over `sock`; `[transport, protocol]`.
   */
  override *create_datagram_endpoint<P extends BaseProtocol>(
    protocol_factory: () => P,
    local_addr: Address | null = null,
    remote_addr: Address | null = null,
    options: CreateDatagramEndpointOptions = {},
  ): Coroutine<[DatagramTransport, P]> {
    let { family = 0, proto = 0, flags = 0, reuse_port = null, allow_broadcast = null, sock = null } =
      options;
    let r_addr: Address | null = null;
    if (sock !== null) {
      if (sock.type === SOCK_STREAM) {
        throw new ValueError(`A datagram socket was expected, got ${repr(sock)}`);
      }
      if (local_addr || remote_addr || family || proto || flags || reuse_port || allow_broadcast) {
        // Name the arguments that cannot go with sock=.
        const opts: [string, unknown][] = [
          ["local_addr", local_addr],
          ["remote_addr", remote_addr],
          ["family", family],
          ["proto", proto],
          ["flags", flags],
          ["reuse_port", reuse_port],
          ["allow_broadcast", allow_broadcast],
        ];
        // (an address is a tuple in Python: shown as one)
        const problems = opts.filter(([, v]) => v)
          .map(([k, v]) => `${k}=${Array.isArray(v) ? repr(tuple([...v])) : py_str(v)}`).join(", ");
        throw new ValueError(
          `socket modifier keyword arguments can not be used when sock is specified. (${problems})`,
        );
      }
      sock.setblocking(false);
      yield* this._bind_settled(sock);
    } else {
      let addr_pairs_info: [[number, number], [Address | null, Address | null]][];
      if (!(local_addr || remote_addr)) {
        if (family === 0) throw new ValueError("unexpected address family");
        addr_pairs_info = [[[family, proto], [null, null]]];
      } else if (family === AF_UNIX) {
        for (const addr of [local_addr, remote_addr]) {
          if (addr !== null && typeof addr !== "string") throw new TypeError("string is expected");
        }
        if (local_addr && (local_addr as string)[0] !== "\0") {
          try {
            if (stat_path(local_addr as string)?.is_socket) unlink(local_addr as string);
          } catch (err) {
            // The directory may allow creating sockets only.
            logger.error(`Unable to check or remove stale UNIX socket ${repr(local_addr)}: ${repr(err)}`);
          }
        }
        addr_pairs_info = [[[family, proto], [local_addr, remote_addr]]];
      } else {
        // Addresses joined by (family, proto), in order.
        const addr_infos = new Map<string, [[number, number], [Address | null, Address | null]]>();
        for (const [idx, addr] of [[0, local_addr], [1, remote_addr]] as [0 | 1, Address | null][]) {
          if (addr === null) continue;
          if (!(Array.isArray(addr) && addr.length === 2)) throw new TypeError("2-tuple is expected");
          const infos = yield* this._ensure_resolved(addr, { family, type: SOCK_DGRAM, proto, flags });
          if (!infos || infos.length === 0) throw new OSError("getaddrinfo() returned empty list");
          for (const [fam, , pro, , address] of infos) {
            const key = `${fam}:${pro}`;
            if (!addr_infos.has(key)) addr_infos.set(key, [[fam, pro], [null, null]]);
            addr_infos.get(key)![1][idx] = address;
          }
        }
        // Each address must have an entry for each (family, proto) pair.
        addr_pairs_info = [...addr_infos.values()].filter(([, pair]) =>
          !((local_addr && pair[0] === null) || (remote_addr && pair[1] === null))
        );
        if (addr_pairs_info.length === 0) throw new ValueError("can not get address information");
      }
      const exceptions: OSError[] = [];
      for (const [[fam, pro], [local_address, remote_address]] of addr_pairs_info) {
        sock = null;
        r_addr = null;
        try {
          sock = new socket(fam, SOCK_DGRAM, pro);
          if (reuse_port) _set_reuseport(sock);
          if (allow_broadcast) sock.setsockopt(SOL_SOCKET, SO_BROADCAST, 1);
          sock.setblocking(false);
          if (local_addr) {
            sock.bind(local_address!);
            yield* this._bind_settled(sock);
          }
          if (remote_addr) {
            if (!allow_broadcast) yield* this.sock_connect(sock, remote_address!);
            r_addr = remote_address;
          }
        } catch (exc) {
          if (sock !== null) sock.close();
          if (exc instanceof OSError) {
            exceptions.push(exc);
            sock = null;
            continue;
          }
          throw exc;
        }
        break;
      }
      if (sock === null) throw exceptions[0];
    }
    const protocol = protocol_factory();
    const waiter = this.create_future<null>();
    const transport = this._make_datagram_transport(sock, protocol, r_addr, waiter) as DatagramTransport;
    if (this._debug) {
      if (local_addr) {
        logger.info(
          `Datagram endpoint local_addr=${repr(local_addr)} remote_addr=${repr(remote_addr)} created: (${
            repr(transport)
          }, ${repr(protocol)})`,
        );
      } else {
        logger.debug(
          `Datagram endpoint remote_addr=${repr(remote_addr)} created: (${repr(transport)}, ${
            repr(protocol)
          })`,
        );
      }
    }
    try {
      yield* waiter;
    } catch (e) {
      transport.close();
      throw e;
    }
    return [transport, protocol];
  }

  /**
   * @internal Where the host binds datagram sockets asynchronously (Bun, `stdlib/_dgram.ts`), waits
   * for `sock`'s bind and raises its error, as CPython's synchronous `bind()` would have.
   */
  *_bind_settled(sock: socket): Coroutine<void> {
    const settled = sock._bind_settled();
    if (settled === null) return;
    yield* wrap_promise(settled, { loop: this });
    sock._take_bind_error();
  }

  /** Starts a TCP server on `host` (a name, an address, a list of them, or `null`/`''` for all) and `port`. */
  override *create_server(
    protocol_factory: () => BaseProtocol,
    host: string | string[] | null = null,
    port: number | string | null = null,
    options: CreateServerOptions = {},
  ): Coroutine<Server> {
    let {
      family = AF_UNSPEC,
      flags = AI_PASSIVE,
      sock = null,
      backlog = 100,
      ssl = null,
      reuse_address = null,
      reuse_port = null,
      keep_alive = null,
      ssl_handshake_timeout = null,
      ssl_shutdown_timeout = null,
      start_serving = true,
    } = options;
    if (typeof ssl === "boolean") throw new TypeError("ssl argument must be an SSLContext or None");
    if (ssl_handshake_timeout !== null && ssl === null) {
      throw new ValueError("ssl_handshake_timeout is only meaningful with ssl");
    }
    if (ssl_shutdown_timeout !== null && ssl === null) {
      throw new ValueError("ssl_shutdown_timeout is only meaningful with ssl");
    }
    let sockets: socket[];
    if (host !== null || port !== null) {
      if (sock !== null) throw new ValueError("host/port and sock can not be specified at the same time");
      if (reuse_address === null) reuse_address = true;
      sockets = [];
      // (Python: a str or what is not iterable is one host; any other iterable, several.)
      const hosts: (string | null)[] = host === ""
        ? [null]
        : typeof host === "string" || host === null || host === undefined ||
            typeof (host as Iterable<string>)[Symbol.iterator] !== "function"
        ? [(host ?? null) as string | null]
        : [...host];
      const fs = hosts.map((h) => this._create_server_getaddrinfo(h, port, family, flags));
      const all = (yield* gather(...fs)) as AddrInfo[][];
      // A set of the results, as Python's: the same address once.
      const seen = new Set<string>();
      const infos: AddrInfo[] = [];
      for (const info of all.flat()) {
        const k = JSON.stringify(info);
        if (!seen.has(k)) {
          seen.add(k);
          infos.push(info);
        }
      }
      let completed = false;
      try {
        for (const [af, socktype, proto, , sa] of infos) {
          let s: socket;
          try {
            s = new socket(af, socktype, proto);
          } catch (e) {
            if (!(e instanceof OSError)) throw e;
            if (this._debug) {
              logger.warning(`create_server() failed to create socket.socket(${af}, ${socktype}, ${proto})`);
            }
            continue;
          }
          sockets.push(s);
          if (reuse_address) s.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
          if (reuse_port && (af === AF_INET || af === AF_INET6)) s.setsockopt(SOL_SOCKET, SO_REUSEPORT, true);
          if (keep_alive) s.setsockopt(SOL_SOCKET, SO_KEEPALIVE, true);
          if (af === AF_INET6) s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, true);
          if (ssl !== null) s._set_tls_server(_tls_server_options(ssl));
          try {
            try {
              s.bind(sa);
            } catch (err) {
              // The address is still held by a listener closed a moment ago: wait for it once.
              const released = _address_released(err);
              if (released === null) throw err;
              yield* wrap_promise(released, { loop: this });
              s.bind(sa);
            }
          } catch (err) {
            if (!(err instanceof OSError)) throw err;
            const msg = `error while attempting to bind on address ${repr(sa)}: ${err.message.toLowerCase()}`;
            if (err.errno === errno.EADDRNOTAVAIL) {
              sockets.pop();
              s.close();
              if (this._debug) logger.warning(msg);
              continue;
            }
            throw new OSError(err.errno, msg);
          }
        }
        if (sockets.length === 0) {
          throw new OSError(`could not bind on any address out of ${repr(infos.map((i) => i[4]))}`);
        }
        completed = true;
      } finally {
        if (!completed) { for (const s of sockets) s.close(); }
      }
    } else {
      if (sock === null) throw new ValueError("Neither host/port nor sock were specified");
      if (sock.type !== SOCK_STREAM) throw new ValueError(`A Stream Socket was expected, got ${repr(sock)}`);
      if (ssl !== null && !SERVER_TLS_UPGRADE && sock._tls_info() === null) {
        throw new NotImplementedError(
          "this host cannot put TLS on the connections of an already bound socket (pass host and port instead)",
        );
      }
      sockets = [sock];
    }
    for (const s of sockets) s.setblocking(false);
    const server = new Server(
      this,
      sockets,
      protocol_factory,
      ssl,
      backlog,
      ssl_handshake_timeout,
      ssl_shutdown_timeout,
    );
    if (start_serving) {
      server._start_serving();
      yield* sleep(0);
    }
    if (this._debug) logger.info(`${repr(server)} is serving`);
    return server;
  }

  /** Wraps a connection accepted outside asyncio in a transport; `[transport, protocol]`. */
  override *connect_accepted_socket<P extends BaseProtocol>(
    protocol_factory: () => P,
    sock: socket,
    options: {
      ssl?: SSLOption | null;
      ssl_handshake_timeout?: number | null;
      ssl_shutdown_timeout?: number | null;
    } = {},
  ): Coroutine<[Transport, P]> {
    const { ssl = null, ssl_handshake_timeout = null, ssl_shutdown_timeout = null } = options;
    if (sock.type !== SOCK_STREAM) throw new ValueError(`A Stream Socket was expected, got ${repr(sock)}`);
    if (ssl_handshake_timeout !== null && !ssl) {
      throw new ValueError("ssl_handshake_timeout is only meaningful with ssl");
    }
    if (ssl_shutdown_timeout !== null && !ssl) {
      throw new ValueError("ssl_shutdown_timeout is only meaningful with ssl");
    }
    const [transport, protocol] = yield* this._create_connection_transport(
      sock,
      protocol_factory,
      ssl,
      "",
      true,
      ssl_handshake_timeout,
      ssl_shutdown_timeout,
    );
    if (this._debug) {
      logger.debug(
        `${repr(transport.get_extra_info("socket"))} handled: (${repr(transport)}, ${repr(protocol)})`,
      );
    }
    return [transport, protocol];
  }

  /**
   * Python's `connect_read_pipe(protocol_factory, pipe)`: a read transport over `pipe` (a file
   * object with `fileno()`: `sys.stdin` of `stdlib/sys.ts`, or a socket), `[transport, protocol]`.
   */
  override *connect_read_pipe<P extends BaseProtocol>(
    protocol_factory: () => P,
    pipe: PipeFile,
  ): Coroutine<[ReadTransport, P]> {
    const protocol = protocol_factory();
    const waiter = this.create_future<null>();
    const transport = this._make_read_pipe_transport(pipe, protocol, waiter) as ReadTransport;
    try {
      yield* waiter;
    } catch (e) {
      transport.close();
      throw e;
    }
    if (this._debug) {
      logger.debug(`Read pipe ${pipe.fileno()} connected: (${repr(transport)}, ${repr(protocol)})`);
    }
    return [transport, protocol];
  }

  /**
   * Python's `connect_write_pipe(protocol_factory, pipe)`: a write transport over `pipe`
   * (`sys.stdout`, `sys.stderr`, or a socket), `[transport, protocol]`.
   */
  override *connect_write_pipe<P extends BaseProtocol>(
    protocol_factory: () => P,
    pipe: PipeFile,
  ): Coroutine<[WriteTransport, P]> {
    const protocol = protocol_factory();
    const waiter = this.create_future<null>();
    const transport = this._make_write_pipe_transport(pipe, protocol, waiter) as WriteTransport;
    try {
      yield* waiter;
    } catch (e) {
      transport.close();
      throw e;
    }
    if (this._debug) {
      logger.debug(`Write pipe ${pipe.fileno()} connected: (${repr(transport)}, ${repr(protocol)})`);
    }
    return [transport, protocol];
  }

  /** @internal Logs (debug mode) how a child's streams are connected. */
  _log_subprocess(msg: string, stdin: number | null, stdout: number | null, stderr: number | null): void {
    const info = [msg];
    if (stdin !== null) info.push(`stdin=${_format_pipe(stdin)}`);
    if (stdout !== null && stderr === STDOUT) {
      info.push(`stdout=stderr=${_format_pipe(stdout)}`);
    } else {
      if (stdout !== null) info.push(`stdout=${_format_pipe(stdout)}`);
      if (stderr !== null) info.push(`stderr=${_format_pipe(stderr)}`);
    }
    logger.debug(info.join(" "));
  }

  /** Python's `subprocess_shell(protocol_factory, cmd, ...)`: runs `cmd` with `/bin/sh -c`. */
  override *subprocess_shell<P extends BaseProtocol>(
    protocol_factory: () => P,
    cmd: string,
    options: SubprocessLoopOptions = {},
  ): Coroutine<[SubprocessTransport, P]> {
    const {
      stdin = PIPE,
      stdout = PIPE,
      stderr = PIPE,
      universal_newlines = false,
      shell = true,
      bufsize = 0,
      encoding = null,
      errors = null,
      text = null,
      ...kwargs
    } = options;
    if (typeof cmd !== "string") throw new ValueError("cmd must be a string");
    if (universal_newlines) throw new ValueError("universal_newlines must be False");
    if (!shell) throw new ValueError("shell must be True");
    if (bufsize !== 0) throw new ValueError("bufsize must be 0");
    if (text) throw new ValueError("text must be False");
    if (encoding !== null) throw new ValueError("encoding must be None");
    if (errors !== null) throw new ValueError("errors must be None");
    const protocol = protocol_factory();
    let debug_log: string | null = null;
    if (this._debug) {
      // (not the arguments: they may hold secrets, and be long)
      debug_log = `run shell command ${repr(cmd)}`;
      this._log_subprocess(debug_log, stdin, stdout, stderr);
    }
    const transport = yield* this._make_subprocess_transport(
      protocol,
      cmd,
      true,
      stdin,
      stdout,
      stderr,
      bufsize,
      kwargs,
    );
    if (this._debug && debug_log !== null) logger.info(`${debug_log}: ${repr(transport)}`);
    return [transport, protocol];
  }

  /** Python's `subprocess_exec(protocol_factory, program, *args, ...)`: options last. */
  override *subprocess_exec<P extends BaseProtocol>(
    protocol_factory: () => P,
    program: string,
    ...args: (string | SubprocessLoopOptions)[]
  ): Coroutine<[SubprocessTransport, P]> {
    if (program === undefined) {
      throw new TypeError(
        "BaseEventLoop.subprocess_exec() missing 1 required positional argument: 'program'",
      );
    }
    const [argv, options] = _split_options<SubprocessLoopOptions>(args);
    const {
      stdin = PIPE,
      stdout = PIPE,
      stderr = PIPE,
      universal_newlines = false,
      shell = false,
      bufsize = 0,
      encoding = null,
      errors = null,
      text = null,
      ...kwargs
    } = options;
    if (universal_newlines) throw new ValueError("universal_newlines must be False");
    if (shell) throw new ValueError("shell must be False");
    if (bufsize !== 0) throw new ValueError("bufsize must be 0");
    if (text) throw new ValueError("text must be False");
    if (encoding !== null) throw new ValueError("encoding must be None");
    if (errors !== null) throw new ValueError("errors must be None");
    const popen_args = [program, ...argv];
    const protocol = protocol_factory();
    let debug_log: string | null = null;
    if (this._debug) {
      // (not the arguments: they may hold secrets, and be long)
      debug_log = `execute program ${repr(program)}`;
      this._log_subprocess(debug_log, stdin, stdout, stderr);
    }
    const transport = yield* this._make_subprocess_transport(
      protocol,
      popen_args,
      false,
      stdin,
      stdout,
      stderr,
      bufsize,
      kwargs,
    );
    if (this._debug && debug_log !== null) logger.info(`${debug_log}: ${repr(transport)}`);
    return [transport, protocol];
  }

  /**
   * Upgrades the connection of `transport` to TLS and returns the new transport, which `protocol`
   * should use from now on (its `connection_made` is not called again). The old transport stops:
   * closing it closes the new one. `server_side` takes the accepting end of the handshake.
   *
   * The TLS is the host's, put under the socket: Node can do both ends at any time; Deno only the
   * client end of a TCP connection, and only while no read is in flight on it (a connection that
   * has not been read from yet, or whose transport was paused before any read was outstanding);
   * elsewhere this raises `NotImplementedError` and the transport is closed.
   */
  override *start_tls(
    transport: Transport,
    protocol: BaseProtocol,
    sslcontext: SSLOption | boolean,
    options: {
      server_side?: boolean;
      server_hostname?: string | null;
      ssl_handshake_timeout?: number | null;
      ssl_shutdown_timeout?: number | null;
    } = {},
  ): Coroutine<Transport> {
    const {
      server_side = false,
      server_hostname = null,
      ssl_handshake_timeout = null,
      ssl_shutdown_timeout = null,
    } = options;
    if (sslcontext === null || typeof sslcontext !== "object") {
      throw new TypeError(
        `sslcontext is expected to be an instance of ssl.SSLContext, got ${repr(sslcontext)}`,
      );
    }
    if (!(transport as { _start_tls_compatible?: boolean })._start_tls_compatible) {
      throw new TypeError(`transport ${repr(transport)} is not supported by start_tls()`);
    }
    const [handshake, shutdown] = _ssl_timeouts(ssl_handshake_timeout, ssl_shutdown_timeout);
    return yield* this._start_tls_transport(
      transport,
      protocol,
      sslcontext,
      server_side,
      server_hostname,
      handshake,
      shutdown,
    );
  }

  /** @internal start_tls() for the loop's own transports (the selector loop implements it). */
  // deno-lint-ignore require-yield
  *_start_tls_transport(
    _transport: Transport,
    _protocol: BaseProtocol,
    _sslcontext: SSLOption,
    _server_side: boolean,
    _server_hostname: string | null,
    _ssl_handshake_timeout: number,
    _ssl_shutdown_timeout: number,
  ): Coroutine<Transport> {
    throw new NotImplementedError();
  }

  /**
   * @internal Runs the host's TLS handshake on `sock` (nothing to do if the host's TLS listener
   * accepted it), aborting the connection after `timeout` seconds with CPython's
   * `ConnectionAbortedError`.
   */
  *_ssl_handshake(
    sock: socket,
    ssl: SSLOption | boolean,
    server_side: boolean,
    server_hostname: string | null,
    timeout: number,
  ): Coroutine<void> {
    if (sock._tls_info() !== null) return;
    const side: TlsSide = server_side
      ? { server: _tls_server_options(ssl as SSLOption) }
      : { client: _tls_client_options(ssl, server_hostname ?? "") };
    let timed_out = false;
    const timer = this.call_later(timeout, () => {
      timed_out = true;
      sock._abort_tls();
    });
    try {
      yield* wrap_promise(sock._start_tls(side), { loop: this });
    } catch (e) {
      if (timed_out) {
        throw new ConnectionAbortedError(
          `SSL handshake is taking longer than ${_float_str(timeout)} seconds: aborting the connection`,
        );
      }
      throw e;
    } finally {
      timer.cancel();
      // Cancelled while the handshake runs: it must not go on behind the caller's back.
      sock._abort_tls();
    }
  }

  /**
   * Sends the file `file` on a non-blocking stream socket; the number of bytes sent. `offset` is
   * where to start, `count` how many bytes (all to the end by default). The hosts have no
   * `os.sendfile()`, so this reads the file and sends what it reads (`fallback: false` raises
   * `SendfileNotAvailableError` instead). The file's position is left after the last byte sent.
   */
  override *sock_sendfile(
    sock: socket,
    file: SendfileFile,
    offset = 0,
    count: number | null = null,
    options: { fallback?: boolean } = {},
  ): Coroutine<number> {
    const { fallback = true } = options;
    if (this._debug && sock.gettimeout() !== 0) throw new ValueError("the socket must be non-blocking");
    _check_ssl_socket(sock);
    this._check_sendfile_params(sock, file, offset, count);
    try {
      return yield* this._sock_sendfile_native(sock, file, offset, count);
    } catch (e) {
      if (!(e instanceof SendfileNotAvailableError) || !fallback) throw e;
    }
    return yield* this._sock_sendfile_fallback(sock, file, offset, count);
  }

  /** @internal The zero-copy path; there is none in the base loop. */
  // deno-lint-ignore require-yield
  *_sock_sendfile_native(
    sock: socket,
    file: SendfileFile,
    _offset: number,
    _count: number | null,
  ): Coroutine<number> {
    throw new SendfileNotAvailableError(
      `syscall sendfile is not available for socket ${repr(sock)} and file ${repr(file)} combination`,
    );
  }

  /** @internal Reads the file in blocks and `sock_sendall`s them. */
  *_sock_sendfile_fallback(
    sock: socket,
    file: SendfileFile,
    offset: number,
    count: number | null,
  ): Coroutine<number> {
    if (offset) file.seek!(offset);
    let blocksize = count
      ? Math.min(count, SENDFILE_FALLBACK_READBUFFER_SIZE)
      : SENDFILE_FALLBACK_READBUFFER_SIZE;
    const buf = new Uint8Array(blocksize);
    let total_sent = 0;
    try {
      for (;;) {
        if (count) {
          blocksize = Math.min(count - total_sent, blocksize);
          if (blocksize <= 0) break;
        }
        const view = buf.subarray(0, blocksize);
        const read = yield* this.run_in_executor(null, _readinto, file, view);
        if (!read) break; // the end of the file
        yield* this.sock_sendall(sock, view.subarray(0, read));
        total_sent += read;
      }
      return total_sent;
    } finally {
      if (total_sent > 0 && typeof file.seek === "function") file.seek(offset + total_sent);
    }
  }

  /** @internal CPython's argument checks, with its messages. */
  _check_sendfile_params(sock: socket, file: SendfileFile, offset: unknown, count: unknown): void {
    const mode = (file as { mode?: unknown })?.mode;
    if (typeof mode === "string" && !mode.includes("b")) {
      throw new ValueError("file should be opened in binary mode");
    }
    if (sock.type !== SOCK_STREAM) throw new ValueError("only SOCK_STREAM type sockets are supported");
    if (count !== null) {
      if (typeof count !== "number" || !Number.isInteger(count)) {
        throw new TypeError(`count must be a positive integer (got ${repr(count)})`);
      }
      if (count <= 0) throw new ValueError(`count must be a positive integer (got ${repr(count)})`);
    }
    if (typeof offset !== "number" || !Number.isInteger(offset)) {
      throw new TypeError(`offset must be a non-negative integer (got ${repr(offset)})`);
    }
    if (offset < 0) throw new ValueError(`offset must be a non-negative integer (got ${repr(offset)})`);
  }

  /**
   * Sends the file `file` on `transport`; the number of bytes sent. Same arguments as
   * {@linkcode sock_sendfile}. The transport's protocol is set aside meanwhile (reading paused,
   * writes waiting for the buffer to drain below its high-water mark) and given back afterwards.
   * A TLS transport always reads and writes; others try the zero-copy path first, which the hosts
   * do not have, so `fallback: false` raises `SendfileNotAvailableError` there.
   */
  override *sendfile(
    transport: Transport,
    file: SendfileFile,
    offset = 0,
    count: number | null = null,
    options: { fallback?: boolean } = {},
  ): Coroutine<number> {
    const { fallback = true } = options;
    if (transport.is_closing()) throw new RuntimeError("Transport is closing");
    const mode = (transport as { _sendfile_compatible?: _SendfileMode })._sendfile_compatible ??
      _SendfileMode.UNSUPPORTED;
    if (mode === _SendfileMode.UNSUPPORTED) {
      throw new RuntimeError(`sendfile is not supported for transport ${repr(transport)}`);
    }
    if (mode === _SendfileMode.TRY_NATIVE) {
      try {
        return yield* this._sendfile_native(transport, file, offset, count);
      } catch (e) {
        if (!(e instanceof SendfileNotAvailableError) || !fallback) throw e;
      }
    }
    if (!fallback) {
      throw new RuntimeError(
        `fallback is disabled and native sendfile is not supported for transport ${repr(transport)}`,
      );
    }
    return yield* this._sendfile_fallback(transport, file, offset, count);
  }

  /** @internal The zero-copy path; there is none in the base loop. */
  // deno-lint-ignore require-yield
  *_sendfile_native(
    _transp: Transport,
    _file: SendfileFile,
    _offset: number,
    _count: number | null,
  ): Coroutine<number> {
    throw new SendfileNotAvailableError("sendfile syscall is not supported");
  }

  /** @internal Reads the file in 16 KiB blocks and writes them, waiting while the transport is full. */
  *_sendfile_fallback(
    transp: Transport,
    file: SendfileFile,
    offset: number,
    count: number | null,
  ): Coroutine<number> {
    if (offset) file.seek!(offset);
    let blocksize = count ? Math.min(count, 16384) : 16384;
    const buf = new Uint8Array(blocksize);
    let total_sent = 0;
    const proto = new _SendfileFallbackProtocol(transp);
    try {
      for (;;) {
        if (count) {
          blocksize = Math.min(count - total_sent, blocksize);
          if (blocksize <= 0) return total_sent;
        }
        const view = buf.subarray(0, blocksize);
        const read = yield* this.run_in_executor(null, _readinto, file, view);
        if (!read) return total_sent; // the end of the file
        // write() copies what it cannot send at once, so `buf` can be reused.
        transp.write(view.subarray(0, read));
        yield* proto.drain();
        total_sent += read;
      }
    } finally {
      if (total_sent > 0 && typeof file.seek === "function") file.seek(offset + total_sent);
      yield* proto.restore();
    }
  }

  /** @internal Starts accepting on `sock` (the selector loop implements it). */
  _start_serving(..._args: unknown[]): void {
    throw new NotImplementedError();
  }

  /** @internal Stops accepting on `sock` and closes it (the selector loop implements it). */
  _stop_serving(_sock: socket): void {
    throw new NotImplementedError();
  }

  /** @internal Makes a socket transport (the selector loop implements it). */
  _make_socket_transport(..._args: unknown[]): unknown {
    throw new NotImplementedError();
  }

  /** @internal Makes a TLS transport (the selector loop implements it). */
  _make_ssl_transport(..._args: unknown[]): unknown {
    throw new NotImplementedError();
  }

  /** @internal Makes a datagram transport. */
  _make_datagram_transport(..._args: unknown[]): unknown {
    throw new NotImplementedError();
  }

  /** @internal Makes a read pipe transport. */
  _make_read_pipe_transport(..._args: unknown[]): unknown {
    throw new NotImplementedError();
  }

  /** @internal Makes a write pipe transport. */
  _make_write_pipe_transport(..._args: unknown[]): unknown {
    throw new NotImplementedError();
  }

  /** @internal Makes a subprocess transport (the Unix loop does). */
  // deno-lint-ignore require-yield
  *_make_subprocess_transport(
    _protocol: BaseProtocol,
    _args: string | string[],
    _shell: boolean,
    _stdin: number | null,
    _stdout: number | null,
    _stderr: number | null,
    _bufsize: number,
    _kwargs: Record<string, unknown>,
  ): Coroutine<SubprocessTransport> {
    throw new NotImplementedError();
  }

  /**
   * @internal Wakes the loop if it waits on the host (Python writes to its self-pipe). Abstract
   * here, as in CPython: the selector loop implements it.
   */
  _write_to_self(): void {
    throw new NotImplementedError();
  }

  /** @internal Dispatches the selector's events to their callbacks (abstract, as in CPython). */
  _process_events(_event_list: unknown[]): void {
    throw new NotImplementedError();
  }

  /** @internal */
  _check_closed(): void {
    if (this._closed) throw new RuntimeError("Event loop is closed");
  }

  /** @internal */
  _check_default_executor(): void {
    if (this._executor_shutdown_called) throw new RuntimeError("Executor shutdown has been called");
  }

  /**
   * Finalizes asynchronous generators. JavaScript has no hook for the first iteration of an
   * async generator, so the loop tracks none: this only records that it was called.
   */
  // deno-lint-ignore require-yield
  override *shutdown_asyncgens(): Coroutine<void> {
    this._asyncgens_shutdown_called = true;
  }

  /**
   * Shuts the default executor down. There are no threads, so there is no executor unless one
   * was set with `set_default_executor`; an object with a `shutdown()` method is shut down.
   */
  // deno-lint-ignore require-yield
  override *shutdown_default_executor(_timeout: number | null = null): Coroutine<void> {
    this._executor_shutdown_called = true;
    const executor = this._default_executor as { shutdown?: (wait: boolean) => unknown } | null;
    if (executor === null) return;
    executor.shutdown?.(true);
  }

  /** @internal */
  _check_running(): void {
    if (this.is_running()) throw new RuntimeError("This event loop is already running");
    if (_get_running_loop() !== null) {
      throw new RuntimeError("Cannot run the event loop while another loop is running");
    }
  }

  /** @internal Checks and marks the loop running (synchronously, so misuse throws at once). */
  _run_forever_setup(): void {
    this._check_closed();
    this._check_running();
    this._thread_id = 1;
    _set_running_loop(this);
  }

  /** @internal */
  _run_forever_cleanup(): void {
    this._stopping = false;
    this._thread_id = null;
    this._idle = false;
    _set_running_loop(null);
  }

  /**
   * Runs the loop until `stop()` is called. Misuse (closed loop, already running, called from
   * inside a running loop) throws synchronously; otherwise the returned Promise settles when the
   * loop stops (or rejects if `KeyboardInterrupt`/`SystemExit` escaped a callback).
   */
  override run_forever(): Promise<void> {
    this._run_forever_setup();
    return this._run_forever_loop();
  }

  /**
   * @internal Lets the host poll its I/O: through the host's {@linkcode IoPoller} where it has one
   * (Deno; opened on first use, closed with the loop), else with a plain hop.
   */
  async _poll_io(): Promise<void> {
    const poller = this._io_poller;
    if (poller !== null) {
      try {
        await poller.poll();
      } catch {
        // A broken poller (its connection reset from outside) is not replaced.
        if (this._io_poller === poller) {
          this._io_poller = null;
          poller.close();
        }
      }
      return;
    }
    if (!this._io_poller_asked) {
      this._io_poller_asked = true;
      this._io_poller_opening = this._open_io_poller()?.then((p) => {
        if (p !== null && !this._closed) this._io_poller = p;
        else p?.close();
        this._io_poller_opening = null;
      }) ?? null;
    }
    await hop();
  }

  /** @internal Asks the host for its {@linkcode IoPoller} (`null`: it has none to give). */
  _open_io_poller(): Promise<IoPoller | null> | null {
    return open_io_poller();
  }

  /** @internal A count that grows with I/O activity: host operations completed, selector notifications. */
  _io_activity(): number {
    return this._host_done + (this._selector?._notified ?? 0);
  }

  /** @internal Whether host I/O is in flight: pending host operations, or objects the selector watches. */
  _io_in_flight(): boolean {
    return this._host_pending > 0 || (this._selector !== null && (this._selector._host_pending ?? 0) > 0);
  }

  /** @internal The selector poll: `_select(0)` answers now; otherwise it may return a Promise. */
  _select(timeout: number | null): unknown[] | Promise<unknown[]> {
    if (this._selector === null) {
      if (timeout !== null && timeout <= 0) return [];
      throw new RuntimeError("the event loop has no selector to wait on");
    }
    return this._selector.select(timeout);
  }

  /** The loop itself: iterations, hops to the host, waits. */
  private async _run_forever_loop(): Promise<void> {
    // The loop is the running loop while it runs callbacks; while it awaits the host, other code
    // (another loop, plain async code) may run, so it is unset meanwhile.
    // Start after the caller's synchronous code, as a loop that was just started would.
    _set_running_loop(null);
    await undefined;
    _set_running_loop(this);
    let slice_start = performance.now();
    // When the loop last waited on the host with nothing to do.
    let busy_since = slice_start;
    let iterations = 0;
    // Whether the loop has been busy for more than IO_BUSY_MS with host I/O in flight, as the clock
    // last said (it stays so until the loop waits); then when the host's I/O was last polled and
    // the interval until the next poll.
    let io_busy = false;
    let last_poll = 0;
    let poll_every = 0;
    let quiet_polls = 0;
    try {
      while (true) {
        const timeout = this._run_once_timeout();
        // Between iterations that do not wait for the host, hop to it now and then. Reading the
        // clock costs as much as a light iteration: look at it every 16 iterations, or at every
        // one while host I/O is in flight or the selector would wait (a selector that answers at
        // once, like a test selector, must not starve the host).
        const io = this._io_in_flight();
        if ((++iterations & 15) === 0 || timeout !== 0 || io) {
          const now = performance.now();
          if (io && timeout === 0 && (io_busy || now - busy_since > IO_BUSY_MS)) {
            if (!io_busy) {
              io_busy = true;
              poll_every = quiet_polls = 0;
            }
            if (now - last_poll >= poll_every) {
              const activity = this._io_activity();
              _set_running_loop(null);
              await this._poll_io();
              _set_running_loop(this);
              slice_start = last_poll = performance.now();
              // Poll again after IO_POLL_MS where a poll costs (the poller), at the next
              // iteration where it is a hop; after IO_POLL_PATIENCE polls in a row that found
              // nothing, less and less often (up to IO_POLL_MAX_MS), except where only a hop at
              // every iteration lets I/O through (Deno without its poller).
              const shortest = this._io_poller !== null ? IO_POLL_MS : 0;
              if (this._io_activity() !== activity) {
                quiet_polls = 0;
                poll_every = shortest;
              } else if (++quiet_polls > IO_POLL_PATIENCE && (shortest !== 0 || HOP_POLLS_IO)) {
                poll_every = Math.min(Math.max(2 * poll_every, IO_POLL_MS), IO_POLL_MAX_MS);
              } else {
                poll_every = shortest;
              }
            }
          } else if (now - slice_start > RUN_BUDGET_MS) {
            _set_running_loop(null);
            await hop();
            _set_running_loop(this);
            slice_start = performance.now();
          }
        }
        let event_list = this._select(timeout);
        if (!Array.isArray(event_list)) {
          _set_running_loop(null);
          this._idle = true;
          try {
            event_list = await event_list;
          } finally {
            this._idle = false;
            _set_running_loop(this);
          }
          busy_since = slice_start = performance.now();
          io_busy = false;
        }
        this._process_events(event_list as unknown[]);
        this._run_once_ready();
        if (this._has_run_once_end) this._run_once_end();
        if (this._stopping) break;
      }
    } finally {
      this._run_forever_cleanup();
    }
  }

  /**
   * Runs the loop until `future` (a Future, a coroutine, or any awaitable or Promise) is done,
   * and resolves to its result (rejects with its exception).
   */
  override run_until_complete<T>(future: Awaitable<T>): Promise<T>;
  /** Runs until the Promise settles, and resolves to its value. */
  override run_until_complete<T>(future: PromiseLike<T>): Promise<T>;
  override run_until_complete<T>(future: Awaitable<T> | PromiseLike<T>): Promise<T> {
    this._check_closed();
    this._check_running();
    const new_task = !isfuture(future);
    const fut = ensure_future(future as Awaitable<T>, { loop: this });
    if (new_task) (fut as Task<T>)._log_destroy_pending = false;
    fut.add_done_callback(_run_until_complete_cb);
    let p: Promise<void>;
    try {
      p = this.run_forever();
    } catch (e) {
      fut.remove_done_callback(_run_until_complete_cb);
      throw e;
    }
    return p.then(
      () => {
        fut.remove_done_callback(_run_until_complete_cb);
        if (!fut.done()) throw new RuntimeError("Event loop stopped before Future completed.");
        return fut.result();
      },
      (e) => {
        fut.remove_done_callback(_run_until_complete_cb);
        if (new_task && fut.done() && !fut.cancelled()) fut.exception();
        throw e;
      },
    );
  }

  /** Stops the loop after the current iteration (wakes it if it waits). */
  override stop(): void {
    this._stopping = true;
    if (this._idle) this._write_to_self();
  }

  /** Closes the loop: clears its queues and releases its host resources. Not while running. */
  override close(): void {
    if (this.is_running()) throw new RuntimeError("Cannot close a running event loop");
    if (this._closed) return;
    if (this._debug) logger.debug("Close %r", repr(this));
    this._closed = true;
    this._ready.clear();
    if (this._io_poller !== null) {
      this._io_poller.close();
      this._io_poller = null;
    }
    this._scheduled.length = 0;
    this._executor_shutdown_called = true;
    const executor = this._default_executor as { shutdown?: (wait: boolean) => unknown } | null;
    if (executor !== null) {
      this._default_executor = null;
      executor.shutdown?.(false);
    }
  }

  /** Whether the loop was closed. */
  override is_closed(): boolean {
    return this._closed;
  }

  /** Whether the loop is running (from the start to the end of `run_forever`). */
  override is_running(): boolean {
    return this._thread_id !== null;
  }

  /** The loop's monotonic clock, in seconds. */
  override time(): number {
    return monotonic();
  }

  /**
   * Schedules `callback(...args)` to run after `delay` seconds; returns a `TimerHandle`. A
   * trailing `{ context }` object is the keyword option (see DESIGN.md's variadic rule).
   */
  override call_later<A extends unknown[]>(
    delay: number,
    callback: (...args: A) => unknown,
    ...args: [...A] | [...A, CallOptions]
  ): TimerHandle;
  // The trailing rest parameter is never read (see call_soon); it makes the implementation
  // signature match the overload in the published type declarations.
  override call_later(delay: number, callback: AnyFn, ..._args: unknown[]): TimerHandle {
    if (delay === null || delay === undefined) throw new TypeError("delay must not be None");
    if (typeof delay !== "number") {
      throw bad_operands("+", "float", type_name(delay));
    }
    // `arguments` rather than a rest parameter: see call_soon.
    const a = arguments.length <= 2 ? NO_ARGS : Array.prototype.slice.call(arguments, 2);
    const context = a === NO_ARGS ? null : _pop_call_options(a);
    // CPython's call_later goes through call_at, so its errors name call_at().
    const timer = this._call_at(this.time() + delay, callback as AnyFn, a, context, "call_at");
    if (timer._source_traceback) timer._source_traceback.pop();
    return timer;
  }

  /** Schedules `callback(...args)` at the loop time `when`; returns a `TimerHandle`. */
  override call_at<A extends unknown[]>(
    when: number,
    callback: (...args: A) => unknown,
    ...args: [...A] | [...A, CallOptions]
  ): TimerHandle;
  override call_at(when: number, callback: AnyFn, ..._args: unknown[]): TimerHandle {
    // `arguments` rather than a rest parameter: see call_soon.
    const a = arguments.length <= 2 ? NO_ARGS : Array.prototype.slice.call(arguments, 2);
    const context = a === NO_ARGS ? null : _pop_call_options(a);
    const timer = this._call_at(when, callback as AnyFn, a, context, "call_at");
    if (timer._source_traceback) timer._source_traceback.pop();
    return timer;
  }

  /** @internal */
  _call_at(
    when: number,
    callback: AnyFn,
    args: unknown[],
    context: import("./stdlib/contextvars.ts").Context | null,
    method: string,
  ): TimerHandle {
    if (when === null || when === undefined) throw new TypeError("when cannot be None");
    if (typeof when !== "number") {
      throw unorderable("<", type_name(when), "float");
    }
    if (Number.isNaN(when)) throw new ValueError("Invalid delay: NaN (not a number)");
    this._check_closed();
    this._check_callback(callback, method);
    const timer = new TimerHandle(when, callback, args, this, context);
    if (timer._source_traceback) timer._source_traceback.pop();
    _timer_heappush(this._scheduled, timer);
    timer._scheduled = true;
    if (this._idle && this._scheduled[0] === timer) this._write_to_self();
    return timer;
  }

  /**
   * Schedules `callback(...args)` to run soon, after the callbacks already scheduled (FIFO).
   * A trailing `{ context }` object is the keyword option.
   *
   * @example
   * ```ts
   * import * as asyncio from "./mod.ts";
   * function* main() {
   *   const loop = asyncio.get_running_loop();
   *   const order: string[] = [];
   *   loop.call_soon((x: string) => order.push(x), "a");
   *   loop.call_soon((x: string) => order.push(x), "b");
   *   yield* asyncio.sleep(0);
   *   return order.join("");
   * }
   * console.assert(await asyncio.run(main()) === "ab");
   * ```
   */
  override call_soon<A extends unknown[]>(
    callback: (...args: A) => unknown,
    ...args: [...A] | [...A, CallOptions]
  ): Handle;
  override call_soon(callback: AnyFn, ..._args: unknown[]): Handle {
    // The arguments are read from `arguments`, so that the common callback without arguments shares
    // one empty array; the rest parameter is never read (the optimizing compiler drops an unused
    // one), it only makes this signature match the overload in the published type declarations.
    this._check_closed();
    const a = arguments.length <= 1 ? NO_ARGS : Array.prototype.slice.call(arguments, 1);
    const context = a === NO_ARGS ? null : _pop_call_options(a);
    this._check_callback(callback, "call_soon");
    const handle = this._call_soon(callback as AnyFn, a, context);
    if (handle._source_traceback) handle._source_traceback.pop();
    return handle;
  }

  /**
   * @internal Checks a callback. CPython does this only in debug mode; here it is always done,
   * since a non-function would only fail later, far from the mistake, and a generator function
   * would silently do nothing (its generator would never be stepped).
   */
  _check_callback(callback: unknown, method: string): void {
    if (iscoroutine(callback) || _iscoroutinefunction(callback)) {
      throw new TypeError(`coroutines cannot be used with ${method}()`);
    }
    if (typeof callback !== "function") {
      throw new TypeError(`a callable object was expected by ${method}(), got ${repr(callback)}`);
    }
  }

  /** @internal Appends a handle to `_ready` (no checks: the hot path of futures and tasks). */
  _call_soon(
    callback: AnyFn,
    args: unknown[],
    context: import("./stdlib/contextvars.ts").Context | null,
  ): Handle {
    const handle = new Handle(callback, args, this, context);
    if (handle._source_traceback) handle._source_traceback.pop();
    this._ready.append(handle);
    if (this._idle) this._write_to_self();
    return handle;
  }

  /** @internal There is one thread: nothing to check. */
  _check_thread(): void {}

  /** Like `call_soon`, and wakes the loop if it is waiting (for callers outside the loop). */
  override call_soon_threadsafe<A extends unknown[]>(
    callback: (...args: A) => unknown,
    ...args: [...A] | [...A, CallOptions]
  ): Handle {
    this._check_closed();
    const a = args as unknown[];
    const context = _pop_call_options(a);
    this._check_callback(callback, "call_soon_threadsafe");
    const handle = this._call_soon(callback as AnyFn, a, context);
    if (handle._source_traceback) handle._source_traceback.pop();
    this._write_to_self();
    return handle;
  }

  /**
   * Python's `run_in_executor`. There are no threads: `func(...args)` runs on the loop soon and
   * the returned Future gets its result (a Promise result is awaited). Use workers for CPU-bound
   * work.
   */
  override run_in_executor<A extends unknown[], R>(
    executor: unknown,
    func: (...args: A) => R | PromiseLike<R>,
    ...args: A
  ): Future<Awaited<R>> {
    this._check_closed();
    this._check_callback(func, "run_in_executor");
    if (executor === null || executor === undefined) this._check_default_executor();
    const fut = this.create_future<Awaited<R>>();
    this.call_soon(() => {
      if (fut.cancelled()) return;
      try {
        const r = func(...args);
        if (r !== null && typeof (r as PromiseLike<R>)?.then === "function") {
          this._host_io_begin();
          (r as PromiseLike<Awaited<R>>).then(
            (v) => {
              this._host_io_end();
              if (!this._closed && !fut.done()) {
                this.call_soon_threadsafe(() => fut.done() || fut.set_result(v));
              }
            },
            (e) => {
              this._host_io_end();
              if (!this._closed && !fut.done()) {
                this.call_soon_threadsafe(() => fut.done() || fut.set_exception(e));
              }
            },
          );
        } else {
          fut.set_result(r as Awaited<R>);
        }
      } catch (e) {
        fut.set_exception(e);
      }
    });
    return fut;
  }

  /** Sets the default executor (any object with a `shutdown(wait)` method). */
  override set_default_executor(executor: unknown): void {
    this._default_executor = executor;
  }

  /** @internal A host operation began; the loop hurries to hop while any is in flight. */
  _host_io_begin(): void {
    this._host_pending++;
  }

  /** @internal A host operation ended. */
  _host_io_end(): void {
    this._host_pending--;
    this._host_done++;
  }

  /** The exception handler, or `null` if the default one is used. */
  override get_exception_handler(): ExceptionHandler | null {
    return this._exception_handler;
  }

  /** Sets the exception handler, called `handler(loop, context)`; `null` restores the default. */
  override set_exception_handler(handler: ExceptionHandler | null): void {
    if (handler !== null && handler !== undefined && typeof handler !== "function") {
      throw new TypeError(`A callable object or None is expected, got ${repr(handler)}`);
    }
    this._exception_handler = handler ?? null;
  }

  /** The default exception handler: logs the message, the context and the exception. */
  override default_exception_handler(context: ExceptionContext): void {
    let message = context.message;
    if (!message) message = "Unhandled exception in event loop";
    const exception = context.exception;
    if (
      !("source_traceback" in context) && this._current_handle !== null &&
      this._current_handle._source_traceback
    ) {
      context.handle_traceback = this._current_handle._source_traceback;
    }
    const log_lines = [message];
    for (const key of Object.keys(context).sort()) {
      if (key === "message" || key === "exception") continue;
      const value = context[key];
      let text: string;
      if (key === "source_traceback" || key === "handle_traceback") {
        const what = key === "source_traceback" ? "Object" : "Handle";
        text = `${what} created at (most recent call last):\n` +
          format_frames(value as FrameSummary[]);
      } else {
        text = repr(value);
      }
      log_lines.push(`${key}: ${text}`);
    }
    logger.error(log_lines.join("\n"), { exc_info: exception ?? null });
  }

  /**
   * Calls the exception handler (or the default one) with `context`, a dictionary with CPython's
   * keys (`message`, `exception`, `future`, `task`, `handle`...). A user handler runs in the
   * context of the task/future/handle involved, as in CPython.
   */
  override call_exception_handler(context: ExceptionContext): void {
    if (this._exception_handler === null) {
      try {
        this.default_exception_handler(context);
      } catch (e) {
        if (e instanceof SystemExit || e instanceof KeyboardInterrupt) throw e;
        logger.error("Exception in default exception handler", { exc_info: e });
      }
    } else {
      try {
        let thing = context.task;
        if (thing === null || thing === undefined) thing = context.future;
        if (thing === null || thing === undefined) thing = context.handle;
        const get_context = (thing as { get_context?: () => unknown } | undefined)?.get_context;
        const ctx = typeof get_context === "function" ? get_context.call(thing) : null;
        if (ctx !== null && typeof (ctx as { run?: unknown }).run === "function") {
          (ctx as { run: (f: AnyFn, ...a: unknown[]) => unknown }).run(
            this._exception_handler,
            this,
            context,
          );
        } else {
          this._exception_handler(this, context);
        }
      } catch (exc) {
        if (exc instanceof SystemExit || exc instanceof KeyboardInterrupt) throw exc;
        try {
          this.default_exception_handler({
            message: "Unhandled error in exception handler",
            exception: exc,
            context,
          });
        } catch (e) {
          if (e instanceof SystemExit || e instanceof KeyboardInterrupt) throw e;
          logger.error(
            "Exception in default exception handler while handling an unexpected error in custom exception handler",
            { exc_info: e },
          );
        }
      }
    }
  }

  /** @internal Adds a handle to `_ready` unless it was cancelled. */
  _add_callback(handle: Handle): void {
    if (!handle._cancelled) {
      this._ready.append(handle);
      if (this._idle) this._write_to_self();
    }
  }

  /** @internal Like `_add_callback`, from a signal handler. */
  _add_callback_signalsafe(handle: Handle): void {
    this._add_callback(handle);
    this._write_to_self();
  }

  /** @internal Counts cancelled timers still in the heap. */
  override _timer_handle_cancelled(handle: TimerHandle): void {
    if (handle._scheduled) this._timer_cancelled_count++;
  }

  /**
   * @internal The first half of `_run_once`: drops cancelled timers and computes how long the
   * selector may wait (0: poll; `null`: no limit).
   */
  _run_once_timeout(): number | null {
    const sched_count = this._scheduled.length;
    if (
      sched_count > _MIN_SCHEDULED_TIMER_HANDLES &&
      this._timer_cancelled_count / sched_count > _MIN_CANCELLED_TIMER_HANDLES_FRACTION
    ) {
      const new_scheduled: TimerHandle[] = [];
      for (const handle of this._scheduled) {
        if (handle._cancelled) handle._scheduled = false;
        else new_scheduled.push(handle);
      }
      heapify(new_scheduled, _lt_timer);
      this._scheduled = new_scheduled;
      this._timer_cancelled_count = 0;
    } else {
      while (this._scheduled.length > 0 && this._scheduled[0]._cancelled) {
        this._timer_cancelled_count--;
        const handle = _timer_heappop(this._scheduled);
        handle._scheduled = false;
      }
    }
    if (this._ready.length > 0 || this._stopping) return 0;
    if (this._scheduled.length > 0) {
      let timeout = this._scheduled[0]._when - this.time();
      if (timeout > MAXIMUM_SELECT_TIMEOUT) timeout = MAXIMUM_SELECT_TIMEOUT;
      else if (timeout < 0) timeout = 0;
      return timeout;
    }
    return null;
  }

  /**
   * @internal The second half of `_run_once`: moves due timers to `_ready`, then runs the
   * handles that are ready now (not those they schedule).
   */
  _run_once_ready(): void {
    this._iteration++;
    const scheduled = this._scheduled;
    if (scheduled.length > 0) {
      const end_time = this.time() + this._clock_resolution;
      while (scheduled.length > 0) {
        const handle = scheduled[0];
        if (handle._when >= end_time) break;
        _timer_heappop(scheduled);
        handle._scheduled = false;
        this._ready.append(handle);
      }
    }
    const ready = this._ready;
    const ntodo = ready.length;
    if (this._debug) {
      for (let i = 0; i < ntodo; i++) {
        const handle = ready.popleft();
        if (handle._cancelled) continue;
        try {
          this._current_handle = handle;
          const t0 = this.time();
          handle._run();
          const dt = this.time() - t0;
          if (dt >= this.slow_callback_duration) {
            logger.warning("Executing %s took %s seconds", _format_handle(handle), dt.toFixed(3));
          }
        } finally {
          this._current_handle = null;
        }
      }
    } else {
      for (let i = 0; i < ntodo; i++) {
        const handle = ready.popleft();
        if (handle._cancelled) continue;
        handle._run();
      }
    }
  }

  /**
   * @internal One full iteration, synchronously (CPython's `_run_once`). The selector is polled
   * with the computed timeout; a selector that would have to wait is polled without waiting.
   * `run_forever` uses the two halves itself so it can await the host in between.
   */
  _run_once(): void {
    const timeout = this._run_once_timeout();
    let event_list = this._selector === null ? [] : this._selector.select(timeout);
    if (!Array.isArray(event_list)) event_list = [];
    this._process_events(event_list);
    this._run_once_ready();
    if (this._has_run_once_end) this._run_once_end();
  }

  /** @internal Set by subclasses that override {@linkcode _run_once_end}. */
  _has_run_once_end = false;

  /** @internal Called at the end of every iteration when `_has_run_once_end` is set (test loops). */
  _run_once_end(): void {}

  /** Whether debug mode is on. */
  override get_debug(): boolean {
    return this._debug;
  }

  /** Turns debug mode on or off. */
  override set_debug(enabled: boolean): void {
    this._debug = Boolean(enabled);
    if (this._debug) _enable_coro_tracking(_running_loop_in_debug_mode);
  }
}

/** Whether the running loop (if any) is in debug mode: what `_track_coroutine` asks. */
function _running_loop_in_debug_mode(): boolean {
  const loop = _get_running_loop();
  return loop !== null && loop._debug;
}

_trackable_method(BaseEventLoop.prototype, "shutdown_asyncgens", "BaseEventLoop.shutdown_asyncgens");
_trackable_method(
  BaseEventLoop.prototype,
  "shutdown_default_executor",
  "BaseEventLoop.shutdown_default_executor",
);

/**
 * The loop's own `call_soon`, which futures and tasks compare with the loop's `call_soon` before
 * they schedule through the loop's internals: a `call_soon` replaced on a loop (or overridden by a
 * subclass) is called instead, as CPython's C Future and Task call `loop.call_soon` by name.
 */
(BaseEventLoop.prototype as unknown as { _native_call_soon: unknown })._native_call_soon =
  BaseEventLoop.prototype.call_soon;

/** The arguments of every callback scheduled without any (shared: handles never mutate it). */
const NO_ARGS: unknown[] = [];

/**
 * Removes the trailing `{ context }` options object from a fresh rest-argument array, if there is
 * one (DESIGN.md's variadic rule), and returns its context (or `null`).
 */
function _pop_call_options(args: unknown[]): Context | null {
  const n = args.length;
  if (n === 0) return null;
  const last = args[n - 1];
  if (last === null || typeof last !== "object") return null;
  const p = Object.getPrototypeOf(last);
  if (p !== Object.prototype && p !== null) return null;
  for (const k in last as object) if (k !== "context") return null;
  args.length = n - 1;
  return (last as CallOptions).context ?? null;
}

/** How `_log_subprocess` shows a stream. */
function _format_pipe(fd: number): string {
  if (fd === PIPE) return "<pipe>";
  if (fd === STDOUT) return "<stdout>";
  return repr(fd);
}

/** Emits the ResourceWarning CPython gives for a loop collected while open. */
const _unclosed = new FinalizationRegistry<string>((r) => {
  _warn(`unclosed event loop ${r}`, "ResourceWarning");
});

/** @internal Registers `loop` so an unclosed, collected loop is reported. */
export function _track_unclosed(loop: BaseEventLoop): void {
  _unclosed.register(loop, loop.__repr__(), loop);
}

/** @internal Stops tracking `loop` (it was closed). */
export function _untrack_unclosed(loop: BaseEventLoop): void {
  _unclosed.unregister(loop);
}

// --- networking helpers and Server ------------------------------------------------------------

/** @internal The host TLS options of a client `ssl=` argument. */
export function _tls_client_options(ssl: SSLOption | boolean, server_hostname: string): TlsClientOptions {
  const o = typeof ssl === "object" ? ssl : {};
  return {
    server_hostname: o.server_hostname ?? server_hostname,
    ca_certs: o.ca_certs,
    alpn_protocols: o.alpn_protocols,
  };
}

/** @internal The host TLS options of a server `ssl=` argument (a certificate and key are required). */
export function _tls_server_options(ssl: SSLOption): TlsServerOptions {
  if (typeof ssl.cert !== "string" || typeof ssl.key !== "string") {
    throw new ValueError("a server's ssl= needs a certificate chain and a private key ('cert' and 'key')");
  }
  return { cert: ssl.cert, key: ssl.key, alpn_protocols: ssl.alpn_protocols };
}

/**
 * @internal Python's `_ipaddr_info`: the `getaddrinfo` entry of `host` if it is already a
 * numeric address (so the resolver can be skipped), else `null`.
 */
export function _ipaddr_info(
  host: string | null,
  port: number | string | null,
  family: number,
  type: number,
  proto: number,
  flowinfo = 0,
  scopeid = 0,
): AddrInfo | null {
  if ((proto !== 0 && proto !== IPPROTO_TCP && proto !== IPPROTO_UDP) || host === null) return null;
  if (type === SOCK_STREAM) proto = IPPROTO_TCP;
  else if (type === SOCK_DGRAM) proto = IPPROTO_UDP;
  else return null;
  // Python's int(port): a float is truncated; what int() refuses goes to getaddrinfo.
  let p: number;
  if (port === null || port === undefined || port === "") p = 0;
  else if (typeof port === "number") {
    if (!Number.isFinite(port)) return null;
    p = Math.trunc(port);
  } else if (typeof port === "string" && /^\s*[+-]?\d+\s*$/.test(port)) p = parseInt(port, 10);
  else return null;
  const afs = family === AF_UNSPEC ? [AF_INET, AF_INET6] : [family];
  // (`'%' in host` in Python)
  if (typeof host !== "string") throw new TypeError(`argument of type '${type_name(host)}' is not iterable`);
  if (host.includes("%")) return null;
  for (const af of afs) {
    if (af === AF_INET && _is_ipv4(host)) return tuple([af, type, proto, "", tuple([host, p])]);
    if (af === AF_INET6 && _is_ipv6(host)) {
      return tuple([af, type, proto, "", tuple([host, p, flowinfo, scopeid])]);
    }
  }
  return null;
}

/** @internal Python's `_interleave_addrinfos`: alternates the entries by family. */
export function _interleave_addrinfos(addrinfos: AddrInfo[], first_address_family_count = 1): AddrInfo[] {
  const by_family = new Map<number, AddrInfo[]>();
  for (const addr of addrinfos) {
    let l = by_family.get(addr[0]);
    if (l === undefined) by_family.set(addr[0], l = []);
    l.push(addr);
  }
  const lists = [...by_family.values()];
  const reordered: AddrInfo[] = [];
  if (first_address_family_count > 1) {
    reordered.push(...lists[0].splice(0, first_address_family_count - 1));
  }
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) {
    for (const l of lists) if (i < l.length) reordered.push(l[i]);
  }
  return reordered;
}

/** @internal CPython's `_set_reuseport`: SO_REUSEPORT, or the ValueError of a host without it. */
export function _set_reuseport(sock: socket): void {
  try {
    sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
  } catch (e) {
    if (!(e instanceof OSError)) throw e;
    throw new ValueError(
      "reuse_port not supported by socket module, SO_REUSEPORT defined but not implemented.",
    );
  }
}

/** @internal Python's `_set_nodelay`: TCP_NODELAY on TCP sockets. */
export function _set_nodelay(sock: socket): void {
  if (
    (sock.family === AF_INET || sock.family === AF_INET6) && sock.type === SOCK_STREAM &&
    sock.proto === IPPROTO_TCP
  ) {
    sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  }
}

/** The transport shape a Server tracks. */
interface ServerClient {
  close(): void;
  abort(): void;
}

/** Python's `str()` of a float: `60.0` for 60. */
function _float_str(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

function _readinto(file: SendfileFile, view: Uint8Array): number | PromiseLike<number> {
  return file.readinto(view);
}

/**
 * @internal CPython's `_check_ssl_socket` refuses an `ssl.SSLSocket`. There are no such objects
 * here (TLS is under the socket), so it checks that `sock` is a socket at all, where Python would
 * fail later with an AttributeError.
 */
export function _check_ssl_socket(sock: unknown): void {
  if (!(sock instanceof socket)) {
    throw new TypeError(`a socket object is required, not '${type_name(sock)}'`);
  }
}

/** The parts of a transport the sendfile fallback drives (CPython's `_FlowControlMixin`). */
type FlowControlTransport = Transport & {
  _loop: BaseEventLoop | null;
  _protocol_paused: boolean;
};

/**
 * Python's `_SendfileFallbackProtocol`: stands in for the transport's protocol while a file is
 * written, so that flow control pauses the writing loop and nothing is read meanwhile.
 */
export class _SendfileFallbackProtocol extends Protocol {
  private _transport: FlowControlTransport;
  private _proto: BaseProtocol;
  private _should_resume_reading: boolean;
  private _should_resume_writing: boolean;
  private _write_ready_fut: Future<boolean> | null;

  /** Takes `transp` over. */
  constructor(transp: Transport) {
    super();
    if (!(transp instanceof _FlowControlMixin)) {
      throw new TypeError("transport should be _FlowControlMixin instance");
    }
    this._transport = transp as unknown as FlowControlTransport;
    this._proto = transp.get_protocol();
    this._should_resume_reading = transp.is_reading();
    this._should_resume_writing = this._transport._protocol_paused;
    transp.pause_reading();
    transp.set_protocol(this);
    this._write_ready_fut = this._should_resume_writing ? this._transport._loop!.create_future() : null;
  }

  /** Waits while the transport is above its high-water mark. */
  *drain(): Coroutine<void> {
    if (this._transport.is_closing()) throw new ConnectionError("Connection closed by peer");
    const fut = this._write_ready_fut;
    if (fut === null) return;
    yield* fut;
  }

  /** Never: the transport is connected already. */
  override connection_made(_transport: BaseTransport): void {
    throw new RuntimeError("Invalid state: connection should have been established already.");
  }

  /** Fails the writer, then tells the real protocol. */
  override connection_lost(exc: Error | null): void {
    if (this._write_ready_fut !== null) {
      // The peer left before the whole file was written: an error for the caller either way.
      if (exc === null) {
        this._write_ready_fut.set_exception(new ConnectionError("Connection is closed by peer"));
      } else this._write_ready_fut.set_exception(exc);
    }
    this._proto.connection_lost(exc);
  }

  /** The transport is full: the writer waits. */
  override pause_writing(): void {
    if (this._write_ready_fut !== null) return;
    this._write_ready_fut = this._transport._loop!.create_future();
  }

  /** The transport drained: the writer goes on. */
  override resume_writing(): void {
    if (this._write_ready_fut === null) return;
    this._write_ready_fut.set_result(false);
    this._write_ready_fut = null;
  }

  /** Never: reading is paused. */
  override data_received(_data: Uint8Array): void {
    throw new RuntimeError("Invalid state: reading should be paused");
  }

  /** Never: reading is paused. */
  override eof_received(): boolean | void {
    throw new RuntimeError("Invalid state: reading should be paused");
  }

  /** Gives the transport back to its protocol, as it was. */
  // deno-lint-ignore require-yield
  *restore(): Coroutine<void> {
    this._transport.set_protocol(this._proto);
    if (this._should_resume_reading) this._transport.resume_reading();
    // Nobody waits on it any more (the protocol is switched back): cancel it.
    if (this._write_ready_fut !== null) this._write_ready_fut.cancel();
    if (this._should_resume_writing) (this._proto as Partial<Protocol>).resume_writing?.();
  }
}

/** Python's `Server`: the listening sockets of `create_server`, and the connections they accepted. */
export class Server extends AbstractServer {
  /** @internal */
  _loop: BaseEventLoop;
  /** @internal `null` once closed. */
  _sockets: socket[] | null;
  /**
   * @internal The live connections, held weakly as in CPython: one dropped without `close()` is
   * collected, closes its socket and leaves this set (`_detach_collected`).
   */
  _clients: WeakSet<ServerClient> = new WeakSet();
  /** @internal `null` once woken. */
  _waiters: Future<null>[] | null = [];
  /**
   * @internal Connections accepted whose `_accept_connection2` task has not started yet (not in
   * CPython): `close()` closes them, as their transports would be refused by `_attach` anyway.
   * CPython leaves them to the task, and to the garbage collector if the loop closes before the
   * task runs; a JavaScript socket would stay open.
   */
  _accepted_pending: Set<{ close(): void }> | null = null;
  /** @internal */
  _protocol_factory: () => BaseProtocol;
  /** @internal */
  _backlog: number;
  /** @internal */
  _ssl_context: SSLOption | null;
  /** @internal */
  _ssl_handshake_timeout: number | null;
  /** @internal */
  _ssl_shutdown_timeout: number | null;
  /** @internal */
  _serving = false;
  /** @internal */
  _serving_forever_fut: Future<null> | null = null;

  /** Made by `create_server`. */
  constructor(
    loop: BaseEventLoop,
    sockets: socket[],
    protocol_factory: () => BaseProtocol,
    ssl_context: SSLOption | null,
    backlog: number,
    ssl_handshake_timeout: number | null,
    ssl_shutdown_timeout: number | null = null,
  ) {
    super();
    this._loop = loop;
    this._sockets = sockets;
    this._protocol_factory = protocol_factory;
    this._backlog = backlog;
    this._ssl_context = ssl_context;
    this._ssl_handshake_timeout = ssl_handshake_timeout;
    this._ssl_shutdown_timeout = ssl_shutdown_timeout;
  }

  /** Python's repr. */
  __repr__(): string {
    return `<${this.constructor.name} sockets=${repr(this.sockets)}>`;
  }

  /** Python's repr. */
  override toString(): string {
    return this.__repr__();
  }

  /** @internal A connection was accepted. */
  _attach(transport: ServerClient): void {
    if (this._sockets === null) throw new AssertionError();
    this._clients.add(transport);
  }

  /** @internal A connection is gone. */
  _detach(transport: ServerClient): void {
    this._clients.discard(transport);
    if (this._clients.size === 0 && this._sockets === null) this._wakeup();
  }

  /**
   * @internal A connection was collected without being closed (what CPython's transport
   * `__del__` does through `_detach(self)`; the transport itself is gone here).
   */
  _detach_collected(): void {
    this._clients.prune();
    if (this._clients.size === 0 && this._sockets === null) this._wakeup();
  }

  /** @internal */
  _wakeup(): void {
    const waiters = this._waiters;
    this._waiters = null;
    for (const waiter of waiters ?? []) if (!waiter.done()) waiter.set_result(null);
  }

  /** @internal */
  _start_serving(): void {
    if (this._serving) return;
    this._serving = true;
    // A closed server has no sockets: Python fails iterating None, with Python's message here.
    if (this._sockets === null) throw new TypeError("'NoneType' object is not iterable");
    for (const sock of this._sockets) {
      sock.listen(this._backlog);
      this._loop._start_serving(
        this._protocol_factory,
        sock,
        this._ssl_context,
        this,
        this._backlog,
        this._ssl_handshake_timeout,
        this._ssl_shutdown_timeout,
      );
    }
  }

  /** The loop the server runs on. */
  override get_loop(): BaseEventLoop {
    return this._loop;
  }

  /** Whether the server accepts connections. */
  override is_serving(): boolean {
    return this._serving;
  }

  /** The listening sockets (as `TransportSocket`s); empty once closed. */
  override get sockets(): readonly TransportSocket[] {
    // (a tuple in Python: its repr, and the server's, show one)
    if (this._sockets === null) return tuple([]);
    return tuple(this._sockets.map((s) => new TransportSocket(s)));
  }

  /** Stops listening and closes the listening sockets; accepted connections stay open. */
  override close(): void {
    const sockets = this._sockets;
    if (sockets === null) return;
    this._sockets = null;
    for (const sock of sockets) this._loop._stop_serving(sock);
    this._serving = false;
    const pending = this._accepted_pending;
    if (pending !== null) {
      this._accepted_pending = null;
      for (const conn of pending) conn.close();
    }
    if (this._serving_forever_fut !== null && !this._serving_forever_fut.done()) {
      this._serving_forever_fut.cancel();
      this._serving_forever_fut = null;
    }
    // (A client collected whose finalizers have not run yet does not count.)
    this._clients.prune();
    if (this._clients.size === 0) this._wakeup();
  }

  /** Closes every accepted connection. */
  override close_clients(): void {
    for (const transport of [...this._clients]) transport.close();
  }

  /** Aborts every accepted connection. */
  override abort_clients(): void {
    for (const transport of [...this._clients]) transport.abort();
  }

  /** Starts accepting connections (if not yet). */
  override *start_serving(): Coroutine<void> {
    this._start_serving();
    yield* sleep(0);
  }

  /** Accepts connections until cancelled; then closes the server and waits for it. */
  override *serve_forever(): Coroutine<void> {
    if (this._serving_forever_fut !== null) {
      throw new RuntimeError(`server ${this.__repr__()} is already being awaited on serve_forever()`);
    }
    if (this._sockets === null) throw new RuntimeError(`server ${this.__repr__()} is closed`);
    this._start_serving();
    this._serving_forever_fut = this._loop.create_future<null>();
    try {
      yield* this._serving_forever_fut;
    } catch (e) {
      if (e instanceof CancelledError) {
        try {
          this.close();
          yield* this.wait_closed();
        } finally {
          // deno-lint-ignore no-unsafe-finally
          throw e;
        }
      }
      throw e;
    } finally {
      this._serving_forever_fut = null;
    }
  }

  /** Waits until the server is closed and every connection it accepted is gone. */
  override *wait_closed(): Coroutine<void> {
    if (this._waiters === null) return;
    const waiter = this._loop.create_future<null>();
    this._waiters.push(waiter);
    yield* waiter;
  }
}
_trackable_method(Server.prototype, "start_serving", "Server.start_serving");
_trackable_method(Server.prototype, "serve_forever", "Server.serve_forever");
_trackable_method(Server.prototype, "wait_closed", "Server.wait_closed");
