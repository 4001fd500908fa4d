/**
 * Python's `ssl` exceptions, as the TLS support raises them. TLS itself is the host's
 * (`Deno.startTls`/`Deno.listenTls`, `node:tls`); there is no `SSLContext` here: `ssl=` takes
 * the options of `sslproto.ts`'s `SSLOption`.
 *
 * @module
 */

import { NotImplementedError, OSError } from "./builtins.ts";
import { _set_module, hex_id } from "./_repr.ts";

/** Python's `ssl.SSLError` (an `OSError`); as Python's, its `str()` is its `strerror` alone. */
export class SSLError extends OSError {
  /** The OpenSSL-style reason (`CERTIFICATE_VERIFY_FAILED`...), or `null`. */
  reason: string | null = null;
  /** The library (`SSL`). */
  library: string | null = "SSL";

  /** Builds the error as OSError does. */
  constructor(...args: unknown[]) {
    super(...args);
    if (typeof this.strerror === "string") this.message = this.strerror;
  }
}

/** Python's `ssl.SSLCertVerificationError`: the peer's certificate was not accepted. */
export class SSLCertVerificationError extends SSLError {
  /** The verification failure, in the host's words. */
  verify_message = "";
  /** OpenSSL's verification code (unknown here: 0). */
  verify_code = 0;
}

/** The Python exception for a TLS failure the host reported with `message`. */
export function _ssl_error(message: string): SSLError {
  if (/certificate|issuer|CERT_|self[- ]signed|NotValidForName|hostname/i.test(message)) {
    const e = new SSLCertVerificationError(
      1,
      `[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: ${message}`,
    );
    e.reason = "CERTIFICATE_VERIFY_FAILED";
    e.verify_message = message;
    return e;
  }
  return new SSLError(1, `[SSL] ${message}`);
}

/** What the host's TLS negotiated, as {@linkcode SSLObject} reports it. */
export interface SSLObjectInfo {
  /** The ALPN protocol chosen, or `null`. */
  alpn_protocol: string | null;
  /** `[name, protocol version, secret bits]`, or `null` where the host does not say. */
  cipher: [string, string, number] | null;
  /** `getpeercert()` of a verified peer certificate, or `null`. */
  peercert: Record<string, unknown> | null;
}

/**
 * Python's `ssl.SSLObject`, as a TLS transport's `get_extra_info("ssl_object")` gives it. In
 * CPython it is the TLS engine itself, fed through memory buffers by `sslproto.py`; here the TLS
 * is the host's, under the socket (see README), so this object reports what the host negotiated
 * (`cipher()`, `version()`, `getpeercert()`, `selected_alpn_protocol()`, `compression()`,
 * `server_side`, `server_hostname`, `context`) and its engine methods (`read`, `write`,
 * `do_handshake`, `unwrap`) raise `NotImplementedError`: the host runs those.
 */
export class SSLObject {
  /** Whether this end is the server. */
  readonly server_side: boolean;
  /** The name the client checked the certificate against (`null` on a server). */
  readonly server_hostname: string | null;
  /** The `ssl=` the connection was made with (there is no `SSLContext` here). */
  readonly context: unknown;
  readonly #info: SSLObjectInfo;

  /** @internal Made by the TLS transport. */
  constructor(info: SSLObjectInfo, server_side: boolean, server_hostname: string | null, context: unknown) {
    this.#info = info;
    this.server_side = server_side;
    this.server_hostname = server_hostname;
    this.context = context;
  }

  /**
   * The peer's verified certificate as Python's `getpeercert()` gives it (`null` if none or if
   * the host does not say, as Deno does not). The DER form (`binary_form`) is not available.
   */
  getpeercert(binary_form: boolean = false): Record<string, unknown> | null {
    if (binary_form) {
      throw new NotImplementedError(
        "getpeercert(binary_form=True): the host's TLS does not give the DER form",
      );
    }
    return this.#info.peercert;
  }

  /** `[name, protocol version, secret bits]` of the cipher, or `null` where the host does not say. */
  cipher(): [string, string, number] | null {
    const c = this.#info.cipher;
    return c === null ? null : [c[0], c[1], c[2]];
  }

  /** The protocol version (`"TLSv1.3"`...), or `null` where the host does not say. */
  version(): string | null {
    return this.#info.cipher?.[1] ?? null;
  }

  /** The ALPN protocol chosen, or `null`. */
  selected_alpn_protocol(): string | null {
    return this.#info.alpn_protocol;
  }

  /** Always `null`: TLS compression is not used (as with OpenSSL's defaults). */
  compression(): null {
    return null;
  }

  /** Python's `shared_ciphers()`: unknown here, `null`. */
  shared_ciphers(): null {
    return null;
  }

  /** Bytes decrypted and not read yet: the host hands them over at once, so 0. */
  pending(): number {
    return 0;
  }

  /** Not available: the host's TLS reads (see the class doc). */
  read(_len: number = 1024, _buffer?: Uint8Array): never {
    throw _engine_method("read");
  }

  /** Not available: the host's TLS writes (see the class doc). */
  write(_data: Uint8Array): never {
    throw _engine_method("write");
  }

  /** Not available: the host's TLS did the handshake (see the class doc). */
  do_handshake(): never {
    throw _engine_method("do_handshake");
  }

  /** Not available: closing the transport shuts TLS down (see the class doc). */
  unwrap(): never {
    throw _engine_method("unwrap");
  }

  /** Python's repr. */
  __repr__(): string {
    return `<ssl.SSLObject object at ${hex_id(this)}>`;
  }
}

function _engine_method(name: string): NotImplementedError {
  return new NotImplementedError(
    `SSLObject.${name}(): the TLS runs in the host, under the socket; the transport does this`,
  );
}

_set_module("ssl", SSLError, SSLCertVerificationError);
