/**
 * A small part of Python's `subprocess`: the `PIPE`/`STDOUT`/`DEVNULL` constants and a `Popen`
 * that starts a child on the host, for asyncio's subprocess transport (`unix_events.ts`). Its
 * pipes are {@linkcode PipeStream}s in the emulated descriptor table, so the transport connects
 * them with `connect_read_pipe`/`connect_write_pipe` as CPython's does.
 *
 * What the hosts allow: `stdin`, `stdout` and `stderr` may be `PIPE`, `DEVNULL`, `null` (inherit)
 * and, for `stderr`, `STDOUT`; a file object or descriptor is not accepted (`ValueError`), since
 * the hosts cannot hand a child one of the emulated descriptors. `stderr=STDOUT` reads the two
 * streams of the child into one pipe: each chunk stays whole, but how the child interleaved them is
 * only approximately kept. Other `Popen` options than `cwd`, `env` and `close_fds` (accepted, see
 * {@linkcode PopenOptions}) raise `TypeError`.
 *
 * @module
 */

import { errno, OSError, ProcessLookupError, type_name, TypeError, ValueError } from "./builtins.ts";
import { type HostChild, HostError, spawn, type StdioSpec } from "./_host.ts";
import { PipeStream } from "./_pipe.ts";
import { _os_error } from "./socket.ts";
import { SIGKILL, SIGTERM } from "./signal.ts";

/** `subprocess.PIPE`: a new pipe to the child. */
export const PIPE = -1;
/** `subprocess.STDOUT`: stderr goes where stdout goes. */
export const STDOUT = -2;
/** `subprocess.DEVNULL`: the null device. */
export const DEVNULL = -3;

/** What a child's stream may be given as: `PIPE`, `DEVNULL`, `STDOUT` (stderr), or `null` (inherit). */
export type StdioArg = number | null;

/** The options of {@linkcode Popen} this port has besides the streams. */
export interface PopenOptions {
  /** The working directory. */
  cwd?: string | null;
  /** The whole environment of the child. */
  env?: Record<string, string> | null;
  /**
   * Accepted and without effect: a child gets its three standard streams and no other descriptor
   * (the emulated ones are not the host's), which is what `close_fds=True` gives.
   */
  close_fds?: boolean;
}

function spec(value: StdioArg, name: string, allow_stdout: boolean): StdioSpec | "stdout" {
  if (value === null || value === undefined) return "inherit";
  if (value === PIPE) return "pipe";
  if (value === DEVNULL) return "null";
  if (value === STDOUT && allow_stdout) return "stdout";
  throw new ValueError(
    `${name}=${value}: only PIPE, DEVNULL${allow_stdout ? ", STDOUT" : ""} or None can be given here ` +
      "(the hosts cannot hand a child a file descriptor)",
  );
}

/**
 * @internal Python's `*args, **kwargs` of `subprocess_exec`/`create_subprocess_exec` in the
 * port's convention: the arguments, then an options object last (an array is not one).
 */
export function _split_options<O extends object>(args: readonly unknown[]): [string[], O] {
  const last = args[args.length - 1];
  if (last !== null && typeof last === "object" && !Array.isArray(last)) {
    return [args.slice(0, -1) as string[], last as O];
  }
  return [args as string[], {} as O];
}

/** The `OSError` Python raises when a child cannot start: with the program as its filename. */
function _spawn_error(e: HostError, program: string): OSError {
  const err = _os_error(e);
  return new OSError(err.errno, err.strerror, program);
}

/**
 * Python's `subprocess.Popen`, the part asyncio uses: it starts the child (`args` a list, or a
 * command for `/bin/sh -c` with `shell`), with its pipes as `stdin`/`stdout`/`stderr`. There is
 * no blocking `wait()`/`communicate()`: the event loop watches the child.
 */
export class Popen {
  /** The program and its arguments, or the shell command. */
  readonly args: string | string[];
  /** The child's process id. */
  readonly pid: number;
  /** The write end of the child's stdin (with `PIPE`), else `null`. */
  stdin: PipeStream | null;
  /** The read end of the child's stdout (with `PIPE`), else `null`. */
  stdout: PipeStream | null;
  /** The read end of the child's stderr (with `PIPE`), else `null`. */
  stderr: PipeStream | null;
  /** The exit status once known: the exit code, or `-N` when signal N ended the child. */
  returncode: number | null = null;
  /** @internal Settles once the child runs (or with the `OSError` that kept it from starting). */
  readonly _started: Promise<void>;
  /** @internal Settles with the return code. */
  readonly _exited: Promise<number>;
  /** @internal Whether the host said the child could not start. */
  _start_failed = false;
  private readonly _child: HostChild;

  /** Starts the child (`OSError`, e.g. `FileNotFoundError`, where the host says so at once). */
  constructor(
    args: string | string[],
    options: {
      shell?: boolean;
      stdin?: StdioArg;
      stdout?: StdioArg;
      stderr?: StdioArg;
    } & PopenOptions = {},
  ) {
    const {
      shell = false,
      stdin = null,
      stdout = null,
      stderr = null,
      cwd = null,
      env = null,
      close_fds: _close_fds,
      ...rest
    } = options;
    const unknown = Object.keys(rest);
    if (unknown.length) {
      throw new TypeError(
        `Popen() got an unexpected keyword argument '${unknown[0]}' (not supported on this host)`,
      );
    }
    this.args = args;
    let program: string, argv: string[];
    if (shell) {
      if (typeof args !== "string") throw new TypeError("a shell command must be a string here");
      [program, argv] = ["/bin/sh", ["-c", args]];
    } else {
      const list = typeof args === "string" ? [args] : [...args];
      if (!list.length) throw new ValueError("args must not be empty");
      // Python takes str, bytes or a path for each; bytes are the file system encoding's (UTF-8).
      const strs = list.map((a: unknown) => {
        if (typeof a === "string") return a;
        if (a instanceof Uint8Array) return new TextDecoder().decode(a);
        throw new TypeError(`expected str, bytes or os.PathLike object, not ${type_name(a)}`);
      });
      [program, argv] = [strs[0], strs.slice(1)];
    }
    let child: HostChild;
    try {
      child = spawn(program, argv, {
        cwd,
        env,
        stdin: spec(stdin, "stdin", false) as StdioSpec,
        stdout: spec(stdout, "stdout", false) as StdioSpec,
        stderr: spec(stderr, "stderr", true),
      });
    } catch (e) {
      throw e instanceof HostError ? _spawn_error(e, program) : e;
    }
    this._child = child;
    this.pid = child.pid;
    const pipe = (host: typeof child.stdin, mode: "r" | "w") =>
      host === null ? null : new PipeStream(null, null, mode, host, () => host.kind);
    this.stdin = pipe(child.stdin, "w");
    this.stdout = pipe(child.stdout, "r");
    this.stderr = pipe(child.stderr, "r");
    this._started = child.started.catch((e) => {
      // (as when Popen raises: no pipe of it stays open)
      this._start_failed = true;
      for (const pipe of [this.stdin, this.stdout, this.stderr]) pipe?.close();
      throw e instanceof HostError ? _spawn_error(e, program) : e;
    });
    this._exited = child.exited.then(({ code, signal }) => {
      const rc = signal !== null ? -signal : (code ?? 0);
      if (this.returncode === null) this.returncode = rc;
      // The child's end of its stdin is closed now: the pipe is broken (see _peer_closed).
      this.stdin?._peer_closed();
      return rc;
    });
    // (a child that could not start never settles _exited; _started says why)
    this._started.catch(() => {});
  }

  /** The return code if the child has exited (as the host has reported it), else `null`. */
  poll(): number | null {
    return this.returncode;
  }

  /** Sends signal `sig` (`ProcessLookupError` if the child has exited). */
  send_signal(sig: number): void {
    try {
      this._child.kill(sig);
    } catch (e) {
      if (e instanceof HostError && e.code === "ESRCH") {
        throw new ProcessLookupError(errno.ESRCH, "No such process");
      }
      if (e instanceof HostError) throw new OSError(errno.EINVAL, "Invalid argument");
      throw e;
    }
  }

  /** `send_signal(SIGTERM)`. */
  terminate(): void {
    this.send_signal(SIGTERM);
  }

  /** `send_signal(SIGKILL)`. */
  kill(): void {
    this.send_signal(SIGKILL);
  }
}
