/**
 * Port of `asyncio/constants.py`: tuning numbers shared by the event loop, transports and TLS.
 *
 * @module
 */

/** After this many writes to a closed transport, log a warning. */
export const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** Seconds to wait before retrying `accept()` after the process ran out of file descriptors. */
export const ACCEPT_RETRY_DELAY = 1;

/** Frames of the creation site kept in debug mode. */
export const DEBUG_STACK_DEPTH = 10;

/** Seconds a TLS handshake may take before it is aborted. */
export const SSL_HANDSHAKE_TIMEOUT = 60.0;

/** Seconds a TLS shutdown may take before the connection is aborted. */
export const SSL_SHUTDOWN_TIMEOUT = 30.0;

/** Bytes of a file read per step by the `sendfile` fallback. */
export const SENDFILE_FALLBACK_READBUFFER_SIZE = 1024 * 256;

/** High-water mark of the TLS read buffer. */
export const FLOW_CONTROL_HIGH_WATER_SSL_READ = 256; // KiB
/** High-water mark of the TLS write buffer. */
export const FLOW_CONTROL_HIGH_WATER_SSL_WRITE = 512; // KiB

/** Seconds `Runner.close()` gives the default executor to shut down (Python's 300 s). */
export const THREAD_JOIN_TIMEOUT = 300;

/** Python's `_SendfileMode` enum. */
export enum _SendfileMode {
  UNSUPPORTED = 1,
  TRY_NATIVE = 2,
  FALLBACK = 3,
}
