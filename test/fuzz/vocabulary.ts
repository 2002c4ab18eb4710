/**
 * The fuzz generator's vocabulary: the few names, labels, addresses, ports and orders every
 * arbitrary draws from, and small helpers.
 *
 * The vocabulary is deliberately tiny (two label keys with two or three values, a handful of
 * ports, policy names from a pool of five) so that selectors, ports, CIDRs and order ties actually
 * hit the generated endpoints, flows and other policies.
 */
import fc from "fast-check";

/** The node the fuzz cases compile for; endpoints elsewhere are remote. */
export const FUZZ_NODE = "node-1";
export const REMOTE_NODE = "node-2";

export const NAMESPACES = ["a", "b", "c"] as const;
export const APPS = ["web", "db", "api"] as const;
export const ENVS = ["prod", "dev"] as const;
/** Service account names; `default` is what a pod without one runs as. */
export const SERVICE_ACCOUNTS = ["default", "robot", "builder"] as const;
/** Labels of ServiceAccount objects (`role`), selected by serviceAccountSelector and rules. */
export const SA_ROLES = ["ci", "ops"] as const;

/**
 * Policy names, shared by every policy kind so that a GlobalNetworkPolicy, a Calico
 * NetworkPolicy and a Kubernetes NetworkPolicy (and a v1 policy) meet with equal names, and
 * including names that are prefixes of each other: Felix breaks order ties on the string
 * `<name>/<namespace>/<kind>` (felix/calc/policy_sorter.go `PolKVLess`), where `web-allow` sorts
 * before `web` (`-` < `/`) but `web.allow` after it.
 */
export const POLICY_NAMES = ["web", "web-allow", "web.allow", "db", "a"] as const;

/**
 * Policy orders: 1000 is the order of every Kubernetes NetworkPolicy
 * (libcalico-go/lib/backend/k8s/conversion/conversion.go); undefined is "no order", after every
 * ordered policy of the tier.
 */
export const ORDERS = [undefined, 1, 10, 1000, 1000, 2000] as const;

/**
 * Profile names: v3 Profiles and v1 profiles (endpoints may also name ones nobody defines).
 * The two lists are kept apart on purpose: a Profile and a v1 profile of one name are one
 * profile to Felix, validation does not report the pair, and then the compiler keeps the later
 * definition while the evaluator keeps the earlier (found while widening this fuzzer, left open:
 * a validation matter, like a v1 policy beside a GlobalNetworkPolicy of its name, see
 * randomCluster.ts `uniqueNames`).
 */
export const V3_PROFILES = ["prof-a", "prof-b"] as const;
export const V1_PROFILES = ["v1-a", "v1-b"] as const;
/** A profile name endpoints reference but no resource defines. */
export const MISSING_PROFILE = "missing";
/** v1 tags: labels with an empty value on every endpoint of the profile (and each profile's name). */
export const V1_TAGS = ["blue", "green", "v1-a"] as const;

/** Tiers: two defined ones and one that policies name but no Tier resource defines. */
export const TIERS = ["t1", "t2"] as const;
export const UNDEFINED_TIER = "t3";

/** The host endpoint's addresses: a pod sending to them is delivered locally (INPUT). */
export const HOST_V4 = "10.0.9.1";
export const HOST_V6 = "fd00::901";

/** Outside addresses flows may use: in a network set, in no set, in the pod range but unused. */
export const OUTSIDE_V4 = ["192.168.1.7", "172.16.0.1", "10.0.0.200"] as const;
export const OUTSIDE_V6 = ["fd00::200", "2001:db8::1", "fd01::7"] as const;

export type Fam = 4 | 6;

/** Rule CIDRs per family: some hit single endpoints, some the network set, some everything. */
export const NETS: Readonly<Record<Fam, readonly string[]>> = {
  4: ["10.0.0.0/30", "10.0.0.4/31", "192.168.1.0/24", "172.16.0.0/12", "0.0.0.0/0", "10.0.0.3/32", "10.0.9.0/24"],
  6: ["fd00::/120", "fd00::2/128", "2001:db8::/32", "::/0"],
};

/** Named ports: the same name means different numbers on different endpoints. */
export const PORT_NAMES = ["http", "web", "dns"] as const;

export const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

/** Removes undefined fields so the JSON documents stay minimal. */
export function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** `app` and `env` labels, each maybe absent. */
export const labelsArb: fc.Arbitrary<Record<string, string>> = fc
  .record({ app: optional(fc.constantFrom(...APPS)), env: optional(fc.constantFrom(...ENVS)) })
  .map((l) => compact(l) as Record<string, string>);

// ---------------------------------------------------------------------------------------------
// Calico selectors

const selectorTermArb = (v1: boolean): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom(...APPS).map((a) => `app == '${a}'`),
    fc.constantFrom(...ENVS).map((e) => `env != '${e}'`),
    fc.constantFrom(
      "has(app)",
      "!has(env)",
      "all()",
      "app in {'web', 'db'}",
      "env not in {'prod'}",
      "projectcalico.org/serviceaccount == 'robot'",
      "projectcalico.org/orchestrator == 'k8s'",
      "has(projectcalico.org/namespace)",
      "pcsa.role == 'ci'",
      "has(blue)",
      "has(v1-a)",
    ),
    // The string operators exist only in the v3 grammar.
    ...(v1 ? [] : [fc.constantFrom("app starts with 'w'", "env ends with 'v'", "app contains 'p'")]),
  );

/** A Calico selector: one term, or two joined by `&&` / `||`, sometimes negated. */
export const selectorArb = (v1 = false): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: selectorTermArb(v1) },
    { weight: 1, arbitrary: fc.tuple(selectorTermArb(v1), selectorTermArb(v1), fc.constantFrom("&&", "||")).map(([a, b, op]) => `${a} ${op} ${b}`) },
    { weight: 1, arbitrary: selectorTermArb(v1).map((t) => `!(${t})`) },
  );

/** A namespaceSelector (over the namespaces' `team` label). */
export const namespaceSelectorArb: fc.Arbitrary<string> = fc.constantFrom("team == 'x'", "all()", "has(team)", "team != 'y'", "!has(team)");

/** A selector over service accounts' labels (`role`, and Calico's `projectcalico.org/name`). */
export const serviceAccountSelectorArb: fc.Arbitrary<string> = fc.constantFrom(
  "role == 'ci'",
  "has(role)",
  "all()",
  "role != 'ops'",
  "projectcalico.org/name == 'robot'",
);
