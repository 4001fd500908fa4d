/**
 * A small part of Python's `io`: `open()` for files on disk, enough for the file arguments of
 * `loop.sendfile()` / `loop.sock_sendfile()` and for tests. Binary modes give a {@linkcode FileIO}
 * (reads, writes, `readinto`, `seek`, `tell`, as Python's buffered binary files); text modes give a
 * {@linkcode TextIOWrapper} over UTF-8. Calls are synchronous, as Python's are.
 *
 * @example
 * ```ts
 * import { open } from "@pystd/asyncio/io";
 * const path = Deno.makeTempFileSync();
 * const f = open(path, "w+b");
 * f.write(new TextEncoder().encode("hello"));
 * f.seek(0);
 * console.log(new TextDecoder().decode(f.read())); // hello
 * f.close();
 * Deno.removeSync(path);
 * ```
 *
 * @module
 */
import { OSError, TypeError, ValueError } from "./builtins.ts";
import * as host from "./_host.ts";
import type { FileFlags } from "./_host.ts";
import { _os_error } from "./socket.ts";
import { repr } from "./_repr.ts";
import { concat } from "./_bytes.ts";

/** `io.SEEK_SET`: from the start. */
export const SEEK_SET = 0;
/** `io.SEEK_CUR`: from the current position. */
export const SEEK_CUR = 1;
/** `io.SEEK_END`: from the end. */
export const SEEK_END = 2;

/**
 * Python's `io.UnsupportedOperation` (an operation the file was not opened for). Python derives
 * it from both `OSError` and `ValueError`; a JavaScript class has one base, `OSError` here.
 */
export class UnsupportedOperation extends OSError {}

function parse_mode(mode: string): { flags: FileFlags; binary: boolean } {
  if (typeof mode !== "string") throw new TypeError(`open() argument 'mode' must be str, not ${typeof mode}`);
  const seen = new Set<string>();
  for (const c of mode) {
    if (!"rwxabt+".includes(c) || seen.has(c)) throw new ValueError(`invalid mode: ${repr(mode)}`);
    seen.add(c);
  }
  const kinds = ["r", "w", "x", "a"].filter((c) => seen.has(c)).length;
  if (seen.has("b") && seen.has("t")) throw new ValueError("can't have text and binary mode at once");
  if (kinds !== 1) throw new ValueError("must have exactly one of create/read/write/append mode");
  const plus = seen.has("+");
  return {
    binary: seen.has("b"),
    flags: {
      read: seen.has("r") || plus,
      write: !seen.has("r") || plus,
      append: seen.has("a"),
      create: seen.has("w") || seen.has("a") || seen.has("x"),
      truncate: seen.has("w"),
      exclusive: seen.has("x"),
    },
  };
}

function check_int(value: unknown, what = "argument"): number {
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${what} should be integer or None, not '${typeof value}'`);
  }
  return value;
}

/**
 * A binary file (Python's `BufferedReader`/`BufferedWriter`/`BufferedRandom`, without a buffer:
 * each call goes to the host).
 */
export class FileIO {
  /** The path it was opened with. */
  readonly name: string;
  /** The mode string given to `open()`. */
  readonly mode: string;
  private _h: number;
  private _pos = 0;
  private _flags: FileFlags;

  /** Opens `name` with Python's `mode` letters (binary). */
  constructor(name: string, mode = "rb") {
    const { flags } = parse_mode(mode);
    this.name = name;
    this.mode = mode;
    this._flags = flags;
    try {
      this._h = host.file_open(name, flags);
    } catch (e) {
      const err = _os_error(e);
      throw new OSError(err.errno, err.strerror, name);
    }
    if (flags.append) this._pos = host.file_stat(this._h).size;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this._h < 0;
  }

  private _check(what: string): void {
    if (this._h < 0) {
      throw new ValueError(what === "" ? "I/O operation on closed file" : `${what} of closed file`);
    }
  }

  /** Whether the file was opened for reading. */
  readable(): boolean {
    this._check("");
    return this._flags.read;
  }

  /** Whether the file was opened for writing. */
  writable(): boolean {
    this._check("");
    return this._flags.write;
  }

  /** Files on disk can seek. */
  seekable(): boolean {
    this._check("");
    return true;
  }

  /** The host's number for the file. */
  fileno(): number {
    this._check("");
    return this._h;
  }

  /** Files on disk are not terminals. */
  isatty(): boolean {
    this._check("");
    return false;
  }

  /** Up to `size` bytes (all the rest if `size` is -1 or `null`); empty at the end. */
  read(size: number | null = -1): Uint8Array {
    this._check("read");
    if (!this._flags.read) throw new UnsupportedOperation("read");
    if (size !== null && check_int(size) >= 0) {
      const out = new Uint8Array(size);
      const n = this._fill(out);
      return n === size ? out : out.slice(0, n);
    }
    // All the rest: sized from the file's length, then on to its end (it may grow meanwhile).
    const chunks: Uint8Array[] = [];
    let want = Math.max(0, host.file_stat(this._h).size - this._pos) || 64 * 1024;
    for (;;) {
      const b = new Uint8Array(want);
      const n = this._fill(b);
      if (n > 0) chunks.push(b.subarray(0, n));
      if (n < want) break;
      want = 64 * 1024;
    }
    return chunks.length === 1 ? chunks[0] : concat(chunks);
  }

  /** Reads into `b`; the count read (0 at the end). */
  readinto(b: Uint8Array): number {
    this._check("readinto");
    if (!this._flags.read) throw new UnsupportedOperation("readinto");
    return this._fill(b);
  }

  /** Reads until `b` is full or the end of the file; the count read. */
  private _fill(b: Uint8Array): number {
    let n = 0;
    while (n < b.length) {
      const got = this._read_at(b.subarray(n));
      if (got === 0) break;
      n += got;
    }
    return n;
  }

  private _read_at(b: Uint8Array): number {
    if (b.length === 0) return 0;
    let got: number;
    try {
      got = host.file_read(this._h, b, this._pos);
    } catch (e) {
      throw _os_error(e);
    }
    this._pos += got;
    return got;
  }

  /** Writes all of `b`; its length. */
  write(b: Uint8Array): number {
    this._check("write to");
    if (!this._flags.write) throw new UnsupportedOperation("write");
    if (!(b instanceof Uint8Array)) {
      throw new TypeError(`a bytes-like object is required, not '${typeof b}'`);
    }
    try {
      host.file_write(this._h, b, this._pos, this._flags.append);
      this._pos = this._flags.append ? host.file_stat(this._h).size : this._pos + b.length;
    } catch (e) {
      throw _os_error(e);
    }
    return b.length;
  }

  /** Moves the position (`whence`: SEEK_SET, SEEK_CUR, SEEK_END); the new position. */
  seek(offset: number, whence = SEEK_SET): number {
    this._check("seek");
    check_int(offset);
    let base: number;
    if (whence === SEEK_SET) base = 0;
    else if (whence === SEEK_CUR) base = this._pos;
    else if (whence === SEEK_END) base = host.file_stat(this._h).size;
    else throw new ValueError(`invalid whence (${whence}, should be 0, 1 or 2)`);
    const pos = base + offset;
    if (pos < 0) throw new OSError(22, "Invalid argument");
    this._pos = pos;
    return pos;
  }

  /** The position. */
  tell(): number {
    this._check("");
    return this._pos;
  }

  /** Cuts (or extends) the file to `size` bytes (default: the position); the new size. */
  truncate(size: number | null = null): number {
    this._check("truncate");
    if (!this._flags.write) throw new UnsupportedOperation("truncate");
    const n = size === null ? this._pos : check_int(size);
    try {
      host.file_truncate(this._h, n);
    } catch (e) {
      throw _os_error(e);
    }
    return n;
  }

  /** Nothing is buffered here; checks the file is open. */
  flush(): void {
    this._check("flush");
  }

  /** Closes the file (again: nothing). */
  close(): void {
    if (this._h < 0) return;
    const h = this._h;
    this._h = -1;
    try {
      host.file_close(h);
    } catch (e) {
      throw _os_error(e);
    }
  }

  /** `with open(...) as f:` through `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `<_io.BufferedReader name='...'>` (Writer or Random by mode). */
  __repr__(): string {
    const kind = this._flags.read && this._flags.write
      ? "BufferedRandom"
      : this._flags.read
      ? "BufferedReader"
      : "BufferedWriter";
    return `<_io.${kind} name=${repr(this.name)}>`;
  }
}

/** A text file over UTF-8 (Python's `TextIOWrapper`, with `encoding="utf-8"`). */
export class TextIOWrapper {
  /** The binary file underneath. */
  readonly buffer: FileIO;
  /** The mode string given to `open()`. */
  readonly mode: string;
  /** Always `"utf-8"`. */
  readonly encoding = "utf-8";

  /** Wraps `buffer`; `mode` is what `open()` was given. */
  constructor(buffer: FileIO, mode: string) {
    this.buffer = buffer;
    this.mode = mode;
  }

  /** The path it was opened with. */
  get name(): string {
    return this.buffer.name;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.buffer.closed;
  }

  /** Up to `size` characters (all the rest if -1 or `null`). */
  read(size: number | null = -1): string {
    const start = this.buffer.tell();
    const text = new TextDecoder().decode(this.buffer.read(-1));
    if (size === null || size < 0) return text;
    const chars = Array.from(text).slice(0, size).join("");
    this.buffer.seek(start + new TextEncoder().encode(chars).length);
    return chars;
  }

  /** Writes `s`; its length in characters. */
  write(s: string): number {
    if (typeof s !== "string") throw new TypeError(`write() argument must be str, not ${typeof s}`);
    this.buffer.write(new TextEncoder().encode(s));
    return s.length;
  }

  /** Moves to the byte position `offset` (text files seek to positions given by `tell()`). */
  seek(offset: number, whence = SEEK_SET): number {
    return this.buffer.seek(offset, whence);
  }

  /** The byte position. */
  tell(): number {
    return this.buffer.tell();
  }

  /** Closes the file. */
  close(): void {
    this.buffer.close();
  }

  /** `with open(...) as f:` through `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** `<_io.TextIOWrapper name='...' mode='r' encoding='utf-8'>`. */
  __repr__(): string {
    return `<_io.TextIOWrapper name=${repr(this.name)} mode=${repr(this.mode)} encoding='utf-8'>`;
  }
}

/**
 * Python's `open(file, mode)`: a {@linkcode FileIO} for binary modes (`"rb"`, `"wb"`, `"r+b"`,
 * `"ab"`, `"xb"`...), a {@linkcode TextIOWrapper} (UTF-8) for text modes. Raises
 * `FileNotFoundError` & co. (with the file name), `ValueError` for a bad mode.
 */
export function open(file: string, mode: `${string}b${string}`): FileIO;
/** Text modes (the default `"r"`), or a mode known only at run time. */
export function open(file: string, mode?: string): FileIO | TextIOWrapper;
export function open(file: string, mode = "r"): FileIO | TextIOWrapper {
  const { binary } = parse_mode(mode);
  if (binary) return new FileIO(file, mode);
  const raw = new FileIO(file, mode.replace("t", "") + "b");
  return new TextIOWrapper(raw, mode);
}
