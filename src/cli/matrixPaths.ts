/**
 * `matrixPaths`: the explain path of every cell of a matrix, as the HTML matrix shows it on hover,
 * computed once per pair of equivalence classes (every flow between two classes is decided by the
 * same steps, see `equivalenceClasses`) and with each distinct path text stored once.
 */
import type { CompactMatrix, Flow, Prepared, Verdict, WrittenStep } from "../semantics/index.js";
import { formatVerdict } from "../semantics/index.js";
import { evaluatePacket, resolvePeer } from "../semantics/evaluateFlow.js";
import type { Packet } from "../semantics/matchRule.js";
import type { Peer } from "../semantics/types.js";
import { flowOf } from "./explainCommand.js";
import type { PortSpec } from "./parsePortSpec.js";

export interface MatrixPaths {
  /** Per row position (index into the row list), its row class: an index into the layers' rows. */
  readonly rowClass: readonly number[];
  readonly colClass: readonly number[];
  readonly rowClasses: number;
  readonly colClasses: number;
  /**
   * Per port, `rowClasses × colClasses` codes, row-major: `path * 2 + allowed`, or -1 where the
   * two classes never meet (a class of one endpoint with itself: only the diagonal).
   */
  readonly layers: readonly Int32Array[];
  /** Distinct path texts. */
  readonly paths: readonly string[];
  /** Cells whose evaluator verdict differs from the matrix's (a bug if ever non-zero). */
  readonly disagreements: number;
  /** False when the class pairs exceeded the budget: every cell's path is `PATH_NOT_STORED`. */
  readonly stored: boolean;
}

/** Dense indexes for the classes of `positions`, in first-seen order. */
function denseClasses(m: CompactMatrix, positions: readonly number[]): { of: number[]; reps: number[][] } {
  const index = new Map<number, number>();
  const reps: number[][] = [];
  const of = positions.map((p) => {
    const c = m.classOf[p]!;
    let i = index.get(c);
    if (i === undefined) {
      index.set(c, (i = reps.length));
      reps.push([]);
    }
    // Two members per class are enough: a flow between two endpoints of one class needs both.
    if (reps[i]!.length < 2) reps[i]!.push(p);
    return i;
  });
  return { of, reps };
}

/**
 * A verdict's path without what is particular to the endpoints evaluated (their names and
 * addresses): the lines of `formatVerdict` (explain's own wording) for a flow from "the source"
 * to "the destination".
 */
export function pathText(v: Verdict, where?: (step: WrittenStep) => string): string {
  const generic: Verdict = {
    ...v,
    ...(v.egress ? { egress: { ...v.egress, endpoint: "the source" } } : {}),
    ...(v.ingress ? { ingress: { ...v.ingress, endpoint: "the destination" } } : {}),
  };
  // The first two lines name the ends (`from …`, `to …`); the hover names them itself.
  return formatVerdict(generic, where ? { where } : {}).trimEnd().split("\n").slice(2).join("\n");
}

/**
 * The most flows `matrixPaths` evaluates (over all ports) before it stops storing paths: each is
 * one run of the evaluator (tens of microseconds), and a page needs one per pair of classes.
 */
export const MATRIX_PATH_BUDGET = 500_000;

/** What a cell shows when its path was not stored. */
export const PATH_NOT_STORED = "(the path is not stored in this page: too many classes of endpoints; policyc explain prints it)";

/**
 * The explain paths of the matrix's rows × columns, for each port of `specs` (as `m.ports`). Past
 * `budget` evaluations (class pairs × ports) only the verdicts are stored, with `PATH_NOT_STORED`.
 */
export function matrixPaths(
  prepared: Prepared,
  m: CompactMatrix,
  specs: readonly PortSpec[],
  rows: readonly number[],
  cols: readonly number[],
  budget = MATRIX_PATH_BUDGET,
  where?: (step: WrittenStep) => string,
): MatrixPaths {
  const r = denseClasses(m, rows);
  const c = denseClasses(m, cols);
  // `evaluateFlow` resolves both ends of every flow (a scan of every member); here each end once.
  const peers = new Map<number, Peer>();
  const peerOf = (position: number): Peer => {
    let peer = peers.get(position);
    if (!peer) peers.set(position, (peer = resolvePeer(prepared, { endpoint: m.endpoints[position]! }, m.family, undefined)));
    return peer;
  };
  // Two different endpoints, one of each class (two per class are always enough), per class pair.
  const pairOf = (fromReps: readonly number[], toReps: readonly number[]): readonly [number, number] | undefined => {
    const s = fromReps[0]!;
    const t = toReps[0]!;
    if (s !== t) return [s, t];
    if (toReps[1] !== undefined) return [s, toReps[1]];
    if (fromReps[1] !== undefined) return [fromReps[1], t];
    return undefined;
  };
  const stored = r.reps.length * c.reps.length * m.ports.length <= budget;
  const texts = new Map<string, number>();
  const paths: string[] = [];
  const indexOf = (text: string): number => {
    let index = texts.get(text);
    if (index === undefined) {
      texts.set(text, (index = paths.length));
      paths.push(text);
    }
    return index;
  };
  let disagreements = 0;
  const layers = m.ports.map((port, k) => {
    const layer = new Int32Array(r.reps.length * c.reps.length).fill(-1);
    // The probe of this port (the ends are filled in per pair), and each end with its port.
    const flow: Flow = flowOf(specs[k]!, m.family, { endpoint: "" }, { endpoint: "" });
    const srcPeer = new Map<number, Peer>();
    const dstPeer = new Map<number, Peer>();
    const withPort = (cache: Map<number, Peer>, position: number, portNumber: number | undefined): Peer => {
      let peer = cache.get(position);
      if (!peer) {
        const base = peerOf(position);
        cache.set(position, (peer = portNumber === undefined ? base : { ...base, port: portNumber }));
      }
      return peer;
    };
    r.reps.forEach((fromReps, i) => {
      c.reps.forEach((toReps, j) => {
        const pair = pairOf(fromReps, toReps);
        if (!pair) return;
        const [src, dst] = pair;
        const allowed = port.allowed(src, dst);
        let index: number;
        if (stored) {
          const pkt: Packet = {
            family: flow.family,
            protocol: flow.protocol,
            src: withPort(srcPeer, src, flow.srcPort),
            dst: withPort(dstPeer, dst, flow.dstPort),
            ...(flow.icmpType !== undefined ? { icmpType: flow.icmpType } : {}),
            ...(flow.icmpCode !== undefined ? { icmpCode: flow.icmpCode } : {}),
          };
          const verdict = evaluatePacket(prepared, pkt, (member) => member.local);
          if (verdict.allowed !== allowed) disagreements++;
          index = indexOf(pathText(verdict, where));
        } else {
          index = indexOf(PATH_NOT_STORED);
        }
        layer[i * c.reps.length + j] = index * 2 + (allowed ? 1 : 0);
      });
    });
    return layer;
  });
  return { rowClass: r.of, colClass: c.of, rowClasses: r.reps.length, colClasses: c.reps.length, layers, paths, disagreements, stored };
}
