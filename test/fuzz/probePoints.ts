/**
 * The packets without ports that the brute-force tests of `policyDiff` and `verifyInvariants`
 * try: ICMP types and codes around the fuzzer's (calicoArbs.ts: 8, 0, 3 and 128, 129, 1; codes 0
 * and 1) and the ends, and protocols around the ones it names (6, 1, 58, 17, 132, 136) and
 * IPIP's 4. Every interval of `probeAxes` on the fuzzer's clusters starts at one of them.
 */
const ICMP_TYPES = [0, 1, 2, 3, 4, 7, 8, 9, 127, 128, 129, 130, 254, 255];
const ICMP_CODES = [0, 1, 2, 255];
const OTHER_PROTOCOLS = [0, 1, 2, 3, 4, 5, 7, 16, 18, 47, 57, 58, 59, 131, 133, 135, 136, 137, 255];
/** TCP, UDP and SCTP: the protocols with ports, which the tests probe at ports. */
const WITH_PORTS = [6, 17, 132];

export interface NonPortPoint {
  /** `ICMP 8/0`, `protocol 47`: what the tests key flows by. */
  readonly label: string;
  readonly packet: { readonly protocol: number; readonly icmpType?: number; readonly icmpCode?: number };
  readonly kind: "icmp" | "protocols";
  /** The ICMP key (type * 256 + code) or the protocol number. */
  readonly key: number;
}

/** The family's ICMP points, then the other protocols', each in ascending order (the counterexample order). */
export function nonPortPoints(family: 4 | 6): NonPortPoint[] {
  const icmp = family === 4 ? { name: "ICMP", number: 1 } : { name: "ICMPv6", number: 58 };
  const points: NonPortPoint[] = [];
  for (const type of ICMP_TYPES) {
    for (const code of ICMP_CODES) points.push({ label: `${icmp.name} ${type}/${code}`, packet: { protocol: icmp.number, icmpType: type, icmpCode: code }, kind: "icmp", key: type * 256 + code });
  }
  for (const number of OTHER_PROTOCOLS) {
    if (number !== icmp.number && !WITH_PORTS.includes(number)) points.push({ label: `protocol ${number}`, packet: { protocol: number }, kind: "protocols", key: number });
  }
  return points;
}
