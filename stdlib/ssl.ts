/**
 * Python's `ssl` exceptions, as the TLS support raises them. TLS itself is the host's
 * (`Deno.startTls`/`Deno.listenTls`, `node:tls`); there is no `SSLContext` here: `ssl=` takes
 * the options of `sslproto.ts`'s `SSLOption`.
 *
 * @module
 */

import { OSError } from "./builtins.ts";

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
