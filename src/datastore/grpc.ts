/**
 * Unary gRPC calls over node:http2, the part of gRPC's HTTP/2 mapping the etcd client needs
 * (grpc/grpc doc/PROTOCOL-HTTP2.md):
 *
 * - A call is a POST stream: `:path /<service>/<method>`, `content-type: application/grpc`,
 *   `te: trailers` (required by the spec, to detect proxies that drop trailers).
 * - Each message is "Length-Prefixed-Message": one byte, the compressed flag (0 here: this
 *   client sends no `grpc-accept-encoding`, so the server may not compress), four bytes of
 *   big-endian length, then the message.
 * - The status comes in the trailers (`grpc-status`, a decimal code; `grpc-message`,
 *   percent-encoded), or in the response headers of a "Trailers-Only" answer (an error before
 *   any message).
 * - An HTTP status other than 200 maps to a gRPC code ("HTTP to gRPC Status Code Mapping" in
 *   doc/http-grpc-status-mapping.md).
 *
 * Errors: a status other than OK rejects with `GrpcStatusError` (the server answered: final);
 * anything else (the connection failed, the stream was reset, the timeout passed) rejects with
 * a plain Error, which the caller may retry elsewhere.
 */
import { constants, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";

/** gRPC status codes used here (grpc/grpc doc/statuscodes.md). */
export const GRPC_OK = 0;
export const GRPC_UNKNOWN = 2;
export const GRPC_INTERNAL = 13;
export const GRPC_UNAVAILABLE = 14;

/** The server answered with a status other than OK. */
export class GrpcStatusError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** A message with its 5-byte prefix (uncompressed). */
export function grpcFrame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/**
 * The one message of a unary answer (or request) from its body's bytes: undefined when the body
 * is empty; an error when it is not exactly one whole uncompressed message.
 */
export function grpcUnframe(body: Buffer): Buffer | undefined {
  if (body.length === 0) return undefined;
  if (body.length < 5) throw new Error("gRPC: a message prefix cut short");
  if (body[0] !== 0) throw new Error("gRPC: a compressed message, though none was asked for");
  const length = body.readUInt32BE(1);
  if (body.length !== 5 + length) throw new Error(`gRPC: a message of ${length} bytes in a body of ${body.length - 5}`);
  return body.subarray(5);
}

/** doc/http-grpc-status-mapping.md: the gRPC code of an HTTP status without a grpc-status. */
function codeOfHttpStatus(status: number): number {
  switch (status) {
    case 400:
      return GRPC_INTERNAL;
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 12; // UNIMPLEMENTED
    case 429:
    case 502:
    case 503:
    case 504:
      return GRPC_UNAVAILABLE;
    default:
      return GRPC_UNKNOWN;
  }
}

/** `grpc-message` is percent-encoded (PROTOCOL-HTTP2.md, "Status-Message"). */
function statusMessage(raw: string | string[] | undefined): string {
  const s = Array.isArray(raw) ? raw.join(",") : (raw ?? "");
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/**
 * One unary call on `session`: resolves with the answer's message (its bytes, prefix removed).
 * `timeoutMs` is of inactivity on the stream, as the gateway client's socket timeout was.
 */
export function unaryCall(session: ClientHttp2Session, path: string, message: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      f();
    };
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: path,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
      [constants.HTTP2_HEADER_TE]: "trailers",
    });
    const chunks: Buffer[] = [];
    let httpStatus: number | undefined;
    let status: IncomingHttpHeaders | undefined;
    stream.setTimeout(timeoutMs, () => {
      settle(() => reject(new Error(`timed out after ${timeoutMs} ms`)));
      stream.close(constants.NGHTTP2_CANCEL);
    });
    stream.on("response", (headers) => {
      httpStatus = Number(headers[constants.HTTP2_HEADER_STATUS]);
      if (headers["grpc-status"] !== undefined) status = headers;
    });
    stream.on("trailers", (trailers) => {
      if (trailers["grpc-status"] !== undefined) status = trailers;
    });
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("error", (e) => settle(() => reject(e)));
    stream.on("close", () =>
      settle(() => {
        if (httpStatus === undefined) {
          reject(new Error(`the stream closed before an answer (HTTP/2 code ${stream.rstCode})`));
          return;
        }
        if (status === undefined) {
          // No grpc-status: a reset stream is a failed connection; an answer without one is the
          // server's (or a proxy's) and maps from its HTTP status.
          if (stream.rstCode !== undefined && stream.rstCode !== constants.NGHTTP2_NO_ERROR) reject(new Error(`the stream was reset (HTTP/2 code ${stream.rstCode})`));
          else reject(new GrpcStatusError(`HTTP ${httpStatus} without a gRPC status`, httpStatus === 200 ? GRPC_UNKNOWN : codeOfHttpStatus(httpStatus)));
          return;
        }
        const code = Number(status["grpc-status"]);
        if (code !== GRPC_OK) {
          reject(new GrpcStatusError(statusMessage(status["grpc-message"]) || `gRPC status ${code}`, Number.isInteger(code) ? code : GRPC_UNKNOWN));
          return;
        }
        try {
          const answer = grpcUnframe(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
          if (answer === undefined) throw new Error("gRPC: status OK without a message");
          resolve(answer);
        } catch (e) {
          reject(new GrpcStatusError((e as Error).message, GRPC_INTERNAL));
        }
      }),
    );
    stream.end(grpcFrame(message));
  });
}
