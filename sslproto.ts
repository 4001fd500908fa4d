/**
 * TLS options. CPython's `sslproto.py` runs TLS as a state machine over `ssl.MemoryBIO`; the
 * hosts here have TLS of their own (`Deno.startTls`/`Deno.listenTls`, `node:tls`), made when the
 * connection is made (`stdlib/socket.ts`), so the port has no `SSLProtocol`: this module only
 * defines what the `ssl=` argument accepts, in place of an `ssl.SSLContext`.
 *
 * @module
 */

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
