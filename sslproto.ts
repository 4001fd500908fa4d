/**
 * TLS options. CPython's `sslproto.py` runs TLS as a state machine over `ssl.MemoryBIO`; the
 * hosts here have TLS of their own (`Deno.startTls`/`Deno.listenTls`, `node:tls`), made when the
 * connection is made (`stdlib/socket.ts`), so the port has no `SSLProtocol`: this module only
 * defines what the `ssl=` argument accepts, in place of an `ssl.SSLContext`.
 *
 * @module
 */

import { SSL_HANDSHAKE_TIMEOUT, SSL_SHUTDOWN_TIMEOUT } from "./constants.ts";
import { py_str, ValueError } from "./stdlib/builtins.ts";

/** What `ssl=` accepts in place of Python's `ssl.SSLContext`. */
export interface SSLOption {
  /** PEM certificates of the authorities to trust (default: the host's trust store). */
  ca_certs?: string[];
  /** The PEM certificate chain to present (required for a server). */
  cert?: string;
  /** Its PEM private key. */
  key?: string;
  /** ALPN protocols to offer, most preferred first. */
  alpn_protocols?: string[];
  /** The name to check the peer's certificate against (client side). */
  server_hostname?: string;
}

/**
 * @internal The handshake and shutdown timeouts as CPython's `SSLProtocol` takes them: `null`
 * gives the defaults (60 s, 30 s), anything not positive is a ValueError.
 */
export function _ssl_timeouts(
  ssl_handshake_timeout: number | null | undefined,
  ssl_shutdown_timeout: number | null | undefined,
): [number, number] {
  let h = ssl_handshake_timeout ?? null;
  let s = ssl_shutdown_timeout ?? null;
  if (h === null) h = SSL_HANDSHAKE_TIMEOUT;
  else if (!(h > 0)) {
    throw new ValueError(`ssl_handshake_timeout should be a positive number, got ${py_str(h)}`);
  }
  if (s === null) s = SSL_SHUTDOWN_TIMEOUT;
  else if (!(s > 0)) {
    throw new ValueError(`ssl_shutdown_timeout should be a positive number, got ${py_str(s)}`);
  }
  return [h, s];
}
