/**
 * A small part of Python's `os` and `stat`: `read`, `write`, `fstat`, `set_blocking` and
 * `get_blocking` on the emulated file descriptors (the numbers of the port's sockets and of the
 * standard streams of `stdlib/sys.ts`), and the file-type tests of `stat`. It is what the pipe
 * transports of `unix_events.ts` call, as CPython's call the real ones.
 *
 * The descriptors are emulated over completion-based host I/O (see `stdlib/selectors.ts`): they
 * are always non-blocking. `read` gives what has arrived or raises `BlockingIOError`; `write`
 * takes what fits in the bounded buffer of writes in flight or raises `BlockingIOError`.
 * `set_blocking(fd, true)` is refused with `OSError(EINVAL)`: a JavaScript host cannot block.
 *
 * @module
 */

import { errno, OSError } from "./builtins.ts";
import { _fd_table, type Selectable } from "./selectors.ts";

/** `stat.S_IFMT`: the file-type bits of `st_mode`. */
export const S_IFMT = 0o170000;
/** `stat.S_IFSOCK`: a socket. */
export const S_IFSOCK = 0o140000;
/** `stat.S_IFREG`: a regular file. */
export const S_IFREG = 0o100000;
/** `stat.S_IFCHR`: a character device (a terminal, `/dev/null`). */
export const S_IFCHR = 0o020000;
/** `stat.S_IFIFO`: a pipe. */
export const S_IFIFO = 0o010000;

/** `stat.S_ISSOCK(mode)`. */
export function S_ISSOCK(mode: number): boolean {
  return (mode & S_IFMT) === S_IFSOCK;
}
/** `stat.S_ISREG(mode)`. */
export function S_ISREG(mode: number): boolean {
  return (mode & S_IFMT) === S_IFREG;
}
/** `stat.S_ISCHR(mode)`. */
export function S_ISCHR(mode: number): boolean {
  return (mode & S_IFMT) === S_IFCHR;
}
/** `stat.S_ISFIFO(mode)`. */
export function S_ISFIFO(mode: number): boolean {
  return (mode & S_IFMT) === S_IFIFO;
}

/** What an emulated descriptor offers to `os` besides its readiness. */
export interface FdObject extends Selectable {
  /** `os.read`: up to `n` bytes; an empty array at EOF; `BlockingIOError` when nothing is there. */
  _os_read(n: number): Uint8Array;
  /** `os.write`: the number of bytes taken; `BlockingIOError` when none can be. */
  _os_write(data: Uint8Array): number;
  /** The file type bits of `st_mode`. */
  _st_mode(): number;
}

function fd_object(fd: number): FdObject {
  const obj = _fd_table.get(fd) as Partial<FdObject> | undefined;
  if (obj === undefined || typeof obj._os_read !== "function") {
    throw new OSError(errno.EBADF, "Bad file descriptor");
  }
  return obj as FdObject;
}

/** Python's `os.read(fd, n)`. */
export function read(fd: number, n: number): Uint8Array {
  if (n < 0) throw new OSError(errno.EINVAL, "Invalid argument");
  return fd_object(fd)._os_read(n);
}

/** Python's `os.write(fd, data)`: the number of bytes written. */
export function write(fd: number, data: Uint8Array): number {
  return fd_object(fd)._os_write(data);
}

/** Python's `os.stat_result`, the part that is known here. */
export interface stat_result {
  /** The file type (see `S_IS*`); permission bits are not known (0). */
  st_mode: number;
}

/** Python's `os.fstat(fd)`: the file type of an emulated descriptor. */
export function fstat(fd: number): stat_result {
  return { st_mode: fd_object(fd)._st_mode() };
}

/** Python's `os.get_blocking(fd)`: always `false` (see the module doc). */
export function get_blocking(fd: number): boolean {
  fd_object(fd);
  return false;
}

/**
 * Python's `os.set_blocking(fd, blocking)`: non-blocking is what the descriptors are; blocking
 * mode cannot be had on a JavaScript host (`OSError(EINVAL)`).
 */
export function set_blocking(fd: number, blocking: boolean): void {
  fd_object(fd);
  if (blocking) throw new OSError(errno.EINVAL, "Invalid argument: descriptors are non-blocking here");
}
