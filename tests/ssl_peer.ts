// The peers of the TLS tests. CPython's test_ssl.py runs its peers in threads, on blocking
// sockets with `ssl` of their own (`sock.starttls(...)`, `sock.recv_all(n)`, `sock.unwrap()`), so
// that the peer does not depend on the asyncio code under test. JavaScript has no threads with
// blocking sockets; here a peer is a `node` process running a small program with the same verbs
// over `node:net`/`node:tls`. Both the Deno and the Node test runs use it (`node` is on the PATH
// wherever the suite runs: CI installs Deno through npm).
import { spawn, spawnSync } from "node:child_process";
import process from "node:process";

/** Whether a `node` executable can be run (the peers need it). */
export const NODE_AVAILABLE: boolean = (() => {
  try {
    return spawnSync("node", ["--version"], { stdio: "ignore" }).status === 0;
  } catch {
    return false;
  }
})();

// The peer's side of CPython's test socket wrapper, in JavaScript for node.
const PRELUDE = `
import net from "node:net";
import tls from "node:tls";
const { cert, key, ca } = JSON.parse(process.env.PYSTD_PEER_CERTS);
const server_context = tls.createSecureContext({ cert, key });
class ConnectionAbortedError extends Error {}
const bytes = (ch, n) => Buffer.alloc(n, ch);
function assertEqual(a, b) {
  const sa = Buffer.isBuffer(a) ? a.toString("latin1") : JSON.stringify(a);
  const sb = Buffer.isBuffer(b) ? b.toString("latin1") : JSON.stringify(b);
  if (sa !== sb) throw new Error("assertEqual: " + sa.slice(0, 80) + " != " + sb.slice(0, 80));
}
class Sock {
  constructor(s) { this.s = s; this.chunks = []; this.size = 0; this.eof = false; this.err = null; this.wake = null; this.listen(s); }
  listen(s) {
    this.on_data = (d) => { this.chunks.push(d); this.size += d.length; this.poke(); };
    this.on_end = () => { this.eof = true; this.poke(); };
    this.on_error = (e) => { this.err = e; this.poke(); };
    this.on_close = () => { this.eof = true; this.poke(); };
    s.on("data", this.on_data); s.on("end", this.on_end); s.on("error", this.on_error); s.on("close", this.on_close);
  }
  unlisten() {
    this.s.off("data", this.on_data); this.s.off("end", this.on_end);
    this.s.off("error", this.on_error); this.s.off("close", this.on_close);
  }
  poke() { const w = this.wake; this.wake = null; if (w) w(); }
  wait() { return new Promise((r) => { this.wake = r; }); }
  take(n) {
    const all = Buffer.concat(this.chunks);
    this.chunks = n < all.length ? [all.subarray(n)] : [];
    this.size = all.length - n;
    return all.subarray(0, n);
  }
  async recv(n) {
    while (this.size === 0) {
      if (this.err) throw this.err;
      if (this.eof) return Buffer.alloc(0);
      await this.wait();
    }
    return this.take(Math.min(n, this.size));
  }
  async recv_all(n) {
    while (this.size < n) {
      if (this.err) throw this.err;
      if (this.eof) throw new ConnectionAbortedError("EOF before " + n + " bytes");
      await this.wait();
    }
    return this.take(n);
  }
  sendall(b) {
    return new Promise((res, rej) => this.s.write(typeof b === "string" ? Buffer.from(b) : b, (e) => (e ? rej(e) : res())));
  }
  send(b) { return this.sendall(b); }
  async starttls(server_side) {
    this.unlisten();
    this.s.pause();
    const rest = this.take(this.size);
    if (rest.length) this.s.unshift(rest);
    // An EOF during the handshake is an error (Python's SSLEOFError), not a half-close.
    this.s.allowHalfOpen = false;
    const t = server_side
      ? new tls.TLSSocket(this.s, { isServer: true, secureContext: server_context })
      : tls.connect({ socket: this.s, ca: [ca], servername: "localhost" });
    await new Promise((res, rej) => {
      t.once(server_side ? "secure" : "secureConnect", res);
      t.once("error", rej);
      t.once("close", () => rej(Object.assign(new Error("closed during the TLS handshake"), { code: "ECONNRESET" })));
    });
    this.raw = this.s;
    this.s = t;
    this.listen(t);
  }
  // TLS close_notify, then the TCP FIN: CPython's sock.unwrap() followed by sock.close().
  unwrap() { this.s.end(); }
  // Writes bytes under the TLS layer (CPython's orig_sock = sock.dup()).
  send_raw(b) { return new Promise((res) => (this.raw ?? this.s).write(Buffer.from(b), () => res())); }
  close() {
    this.s.end();
    return new Promise((res) => {
      if (this.s.destroyed) return res();
      this.s.once("close", res);
      setTimeout(() => { this.s.destroy(); res(); }, 2000).unref();
    });
  }
}
`;

/** A peer process: its address (servers) and its end. */
export interface Peer {
  /** The server's `[host, port]` (servers only). */
  addr: [string, number];
  /** Resolves once the peer exited; rejects with its output if it failed. */
  join(): Promise<void>;
  /** Kills the peer (CPython's `client.stop()`). */
  stop(): void;
}

function run_peer(
  main: string,
  certs: { cert: string; key: string; ca: string },
  on_line: ((line: string) => void) | null = null,
): {
  child: ReturnType<typeof spawn>;
  first_line: Promise<string>;
  exited: Promise<void>;
} {
  const child = spawn(process.platform === "win32" ? "node.exe" : "node", [
    "--input-type=module",
    "-e",
    PRELUDE + main,
  ], {
    env: { ...process.env, PYSTD_PEER_CERTS: JSON.stringify(certs) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let line_cb: ((l: string) => void) | null = null;
  const first_line = new Promise<string>((resolve, reject) => {
    line_cb = resolve;
    child.once("exit", () => reject(new Error(`the peer exited early: ${err}`)));
  });
  first_line.catch(() => {});
  child.stdout!.on("data", (d: Uint8Array) => {
    out += new TextDecoder().decode(d);
    let i;
    while ((i = out.indexOf("\n")) >= 0) {
      const line = out.slice(0, i);
      out = out.slice(i + 1);
      if (line_cb !== null) {
        const cb = line_cb;
        line_cb = null;
        cb(line);
      } else {
        on_line?.(line);
      }
    }
  });
  child.stderr!.on("data", (d: Uint8Array) => {
    err += new TextDecoder().decode(d);
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.once("exit", (code, signal) => {
      if (code === 0 || signal === "SIGTERM") resolve();
      else reject(new Error(`the peer failed (exit ${code}): ${err}`));
    });
  });
  exited.catch(() => {});
  return { child, first_line, exited };
}

/**
 * CPython's `self.tcp_server(prog, max_clients=N)`: a server on 127.0.0.1 that runs
 * `prog` (JavaScript source of `async (sock) => { ... }`) for each of `max_clients` connections,
 * then exits.
 */
export async function tcp_server(
  prog: string,
  certs: { cert: string; key: string; ca: string },
  { max_clients = 1, on_line = null }: { max_clients?: number; on_line?: ((line: string) => void) | null } =
    {},
): Promise<Peer> {
  const main = `
const prog = ${prog};
let done = 0, failed = null;
const srv = net.createServer({ allowHalfOpen: true }, (c) => {
  prog(new Sock(c)).catch((e) => { failed = e; }).finally(() => {
    if (++done === ${max_clients}) {
      srv.close();
      if (failed) { console.error(failed && failed.stack || String(failed)); process.exit(1); }
    }
  });
});
srv.listen(0, "127.0.0.1", () => console.log("PORT " + srv.address().port));
`;
  const p = run_peer(main, certs, on_line);
  const line = await p.first_line;
  const port = Number(line.split(" ")[1]);
  return {
    addr: ["127.0.0.1", port],
    join: () => p.exited,
    stop: () => p.child.kill("SIGTERM"),
  };
}

/**
 * CPython's `self.tcp_client(prog)`: a client that connects to `addr` and runs `prog`
 * (JavaScript source of `async (sock) => { ... }`), then exits. With `count`, that many clients
 * run concurrently in the one process.
 */
export function tcp_client(
  prog: string,
  addr: [string, number],
  certs: { cert: string; key: string; ca: string },
  { count = 1 }: { count?: number } = {},
): Peer {
  const main = `
const prog = ${prog};
console.log("STARTED");
function one() {
  return new Promise((resolve, reject) => {
    const c = net.connect({ host: ${JSON.stringify(addr[0])}, port: ${addr[1]}, allowHalfOpen: true });
    const fail = (e) => reject(e);
    c.once("error", fail);
    c.once("connect", () => {
      c.removeListener("error", fail);
      prog(new Sock(c)).then(resolve, reject);
    });
  });
}
const all = [];
for (let i = 0; i < ${count}; i++) all.push(one());
Promise.all(all).then(() => process.exit(0), (e) => { console.error(e && e.stack || String(e)); process.exit(1); });
`;
  const p = run_peer(main, certs);
  return { addr, join: () => p.exited, stop: () => p.child.kill("SIGTERM") };
}
