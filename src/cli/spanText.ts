/** How the CLI prints what a flow carries (`FlowSpan`): diff's groups and verify's counterexamples. */
import { protocolNumber } from "../calico/index.js";
import { assertNever } from "../diagnostics/index.js";
import type { Family, FlowSpan } from "../semantics/index.js";
import { ownAxisProtocols } from "../semantics/index.js";

/**
 * What a span covers, as a person reads it: `8080/TCP`, `1-1023/UDP`; `ICMP type 8` (every code),
 * `ICMP types 9-255`, `ICMP type 3 code 4`, `ICMP 3/4-5/0` (type/code to type/code); `protocol 47`,
 * `protocols 5-255`, which leave out the ones with their own lines (`ownAxisProtocols`).
 */
export function spanText(span: FlowSpan, family: Family): string {
  const range = (first: number, last: number): string => (first === last ? `${first}` : `${first}-${last}`);
  switch (span.kind) {
    case "ports":
      return `${range(span.first, span.last)}/${span.protocol}`;
    case "icmp": {
      const { first, last } = span;
      if (first.code === 0 && last.code === 255) return `${span.protocol} type${first.type === last.type ? "" : "s"} ${range(first.type, last.type)}`;
      if (first.type === last.type) return `${span.protocol} type ${first.type} code${first.code === last.code ? "" : "s"} ${range(first.code, last.code)}`;
      return `${span.protocol} ${first.type}/${first.code}-${last.type}/${last.code}`;
    }
    case "protocols": {
      const skipped = ownAxisProtocols(family).filter((name) => {
        const n = protocolNumber(name)!;
        return n > span.first && n < span.last;
      });
      const but = skipped.length > 0 ? ` (but ${skipped.join(", ")})` : "";
      return `protocol${span.first === span.last ? "" : "s"} ${range(span.first, span.last)}${but}`;
    }
    default:
      return assertNever(span);
  }
}

/** A span as JSON: `ports` for TCP, UDP and SCTP (with `protocol`), `icmp` (with `protocol`), or `protocols`. */
export function spanJson(span: FlowSpan): object {
  switch (span.kind) {
    case "ports":
      return { protocol: span.protocol, ports: { first: span.first, last: span.last } };
    case "icmp":
      return { protocol: span.protocol, icmp: { first: span.first, last: span.last } };
    case "protocols":
      return { protocols: { first: span.first, last: span.last } };
    default:
      return assertNever(span);
  }
}
