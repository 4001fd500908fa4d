/**
 * @internal A pipe end in the emulated descriptor table: what `sys.stdin`/`sys.stdout`/`sys.stderr`
 * (`stdlib/sys.ts`) and a child process's pipes (`stdlib/subprocess.ts`) are. Like the port's
 * sockets (see `stdlib/selectors.ts`), a read end keeps one host read in flight into a bounded
 * receive buffer and a write end a bounded amount of writes in flight, and each tells the selector
 * when it becomes ready; `os.read`/`os.write` on its number never block. The host side is made
 * when first needed.
 *
 * @module
 */

import { BlockingIOError, errno, OSError } from "./builtins.ts";
import { _alloc_fd, _fd_table, type DefaultSelector, EVENT_READ, EVENT_WRITE } from "./selectors.ts";
import { type FdObject, S_IFCHR, S_IFIFO, S_IFREG, S_IFSOCK } from "./os.ts";
import type { HostPipe, StdioKind } from "./_host.ts";
import { _os_error } from "./socket.ts";
import { ChunkQueue } from "./_bytes.ts";

// How many bytes may wait in a stream's receive buffer before the host reads are paused, and how
// many may be in flight to the host before `os.write` says it would block.
const BUFFER_LIMIT = 256 * 1024;

const MODES: Record<string, number> = { fifo: S_IFIFO, chr: S_IFCHR, sock: S_IFSOCK, reg: S_IFREG, other: 0 };

/** A pipe end: a file object with a number, readable (`"r"`) or writable (`"w"`). */
export class PipeStream implements FdObject {
  /** The name (`"<stdin>"`, or the descriptor number as a string). */
  readonly name: string;
  /** `"r"` or `"w"`. */
  readonly mode: "r" | "w";
  private _fd: number;
  private _host: HostPipe | null = null;
  private readonly _make_host: () => HostPipe;
  private readonly _kind: () => StdioKind;
  private _selector: DefaultSelector | null = null;
  // Reading: what arrived and was not read yet, and how the host read ended.
  private readonly _rq = new ChunkQueue();
  private _eof = false;
  private _rerr: OSError | null = null;
  private _read_started = false;
  private _host_paused = false;
  // Writing: bytes handed to the host and not yet written, and the error a write met.
  private _wpending = 0;
  private _werr: OSError | null = null;

  /**
   * @internal Enters the pipe end in the descriptor table at `fd` (`null`: a fresh number). `host`
   * is its host side, or what makes it when first needed (a standard stream: not opened unless
   * used); `kind` tells the file type before that.
   */
  constructor(
    fd: number | null,
    name: string | null,
    mode: "r" | "w",
    host: HostPipe | (() => HostPipe),
    kind: () => StdioKind,
  ) {
    this._fd = fd ?? _alloc_fd();
    this.name = name ?? String(this._fd);
    this.mode = mode;
    if (typeof host === "function") {
      this._make_host = host;
    } else {
      this._host = host;
      this._make_host = () => host;
    }
    this._kind = kind;
    _fd_table.set(this._fd, this);
  }

  /** The descriptor number: -1 once closed (as a closed socket's). */
  fileno(): number {
    return this._fd;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this._fd < 0;
  }

  /** Whether the stream is a terminal (a character device: `/dev/null` counts too). */
  isatty(): boolean {
    return this._fd >= 0 && this._st_mode() === S_IFCHR;
  }

  /**
   * Closes the stream: the number is freed and the host's standard stream closed, once the writes
   * in flight are done (what `os.write` took is written, as the kernel would).
   */
  close(): void {
    if (this._fd < 0) return;
    _fd_table.delete(this._fd);
    this._fd = -1;
    this._rq.clear();
    if (this._wpending === 0) this._close_host();
  }

  private _close_host(): void {
    this._host?.close();
    this._host = null;
  }

  private _get_host(): HostPipe {
    if (this._fd < 0) throw new OSError(errno.EBADF, "Bad file descriptor");
    return this._host ??= this._make_host();
  }

  /** @internal `os.fstat(fd).st_mode`: the file type the host reports. */
  _st_mode(): number {
    if (this._fd < 0) throw new OSError(errno.EBADF, "Bad file descriptor");
    return MODES[this._host?.kind ?? this._kind()];
  }

  /** @internal For the selector: what a non-blocking read or write would do now. */
  _readiness(): number {
    if (this._fd < 0) return 0;
    if (this.mode === "r") return this._rq.size > 0 || this._eof || this._rerr !== null ? EVENT_READ : 0;
    // A write end whose peer is gone polls readable too, as a pipe's does (POLLERR).
    if (this._werr !== null) return EVENT_WRITE | EVENT_READ;
    return this._wpending < BUFFER_LIMIT ? EVENT_WRITE : 0;
  }

  /** @internal */
  _attach_selector(selector: DefaultSelector | null, events = 0): void {
    this._selector = selector;
    if ((events & EVENT_READ) && this.mode === "r") this._start_reading();
  }

  private _notify(): void {
    if (this._selector !== null && this._fd >= 0) this._selector._notify(this._fd);
  }

  private _start_reading(): void {
    if (this._read_started || this._fd < 0) return;
    this._read_started = true;
    const host = this._get_host();
    host.start({
      on_data: (chunk) => {
        if (this._fd < 0) return;
        const was = this._rq.size;
        this._rq.push(chunk);
        if (this._rq.size >= BUFFER_LIMIT && !this._host_paused) {
          this._host_paused = true;
          host.pause();
        }
        if (was === 0) this._notify();
      },
      on_eof: () => {
        this._eof = true;
        this._notify();
      },
      on_error: (err) => {
        this._rerr = _os_error(err);
        this._notify();
      },
    });
  }

  /** @internal `os.read(fd, n)`: what arrived (up to `n` bytes), `b""` at EOF, else `BlockingIOError`. */
  _os_read(n: number): Uint8Array {
    if (this._fd < 0) throw new OSError(errno.EBADF, "Bad file descriptor");
    if (this.mode !== "r") throw new OSError(errno.EBADF, "Bad file descriptor");
    this._start_reading();
    if (this._rq.size === 0) {
      if (this._rerr !== null) throw this._rerr;
      if (this._eof || n === 0) return new Uint8Array(0);
      throw new BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable");
    }
    if (n === 0) return new Uint8Array(0);
    const out = this._rq.take(n);
    if (this._host_paused && this._rq.size < BUFFER_LIMIT) {
      this._host_paused = false;
      this._host!.resume();
    }
    return out;
  }

  /**
   * @internal The reading end of this write end was closed (a child that exited had it): the pipe
   * is broken, as the kernel would report it (POLLERR, then EPIPE on write), without a write
   * having to fail first.
   */
  _peer_closed(): void {
    if (this.mode !== "w" || this._fd < 0 || this._werr !== null) return;
    this._werr = new OSError(errno.EPIPE, "Broken pipe");
    this._notify();
  }

  /** @internal `os.write(fd, data)`: how many bytes were taken, else `BlockingIOError`. */
  _os_write(data: Uint8Array): number {
    if (this._fd < 0 || this.mode !== "w") throw new OSError(errno.EBADF, "Bad file descriptor");
    if (this._werr !== null) throw this._werr;
    if (data.length === 0) return 0;
    const room = BUFFER_LIMIT - this._wpending;
    if (room <= 0) throw new BlockingIOError(errno.EAGAIN, "Resource temporarily unavailable");
    const n = Math.min(room, data.length);
    // The caller may reuse its array: the host gets a copy.
    const chunk = data.slice(0, n);
    this._wpending += n;
    this._get_host().write(chunk, (err) => {
      const was_full = this._wpending >= BUFFER_LIMIT;
      this._wpending -= n;
      if (this._fd < 0) {
        if (this._wpending === 0) this._close_host();
        return;
      }
      if (err !== null) {
        if (this._werr === null) this._werr = _os_error(err);
        this._notify();
      } else if (was_full && this._wpending < BUFFER_LIMIT) {
        this._notify();
      }
    });
    return n;
  }

  /** Python's repr. */
  toString(): string {
    return `<PipeStream name='${this.name}' mode='${this.mode}'${this.closed ? " closed" : ""}>`;
  }
}
