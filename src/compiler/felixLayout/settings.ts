/**
 * How the resolved Felix settings (`FelixSettings`, src/calico/felixSettings.ts) turn into IR
 * pieces: the mark bits, the allow actions, the endpoint-to-host action, the log prefix
 * (felix/rules/rule_defs.go `NewRenderer`, felix/rules/policy.go `generateLogPrefix`).
 */
import { markBitsFromMask, type FelixSettings } from "../../calico/index.js";
import type { Action, MarkBits } from "../ir/types.js";
import { ACCEPT, DROP, RETURN } from "../ir/build.js";

/** The mark bits of the settings' mask (validation guarantees enough bits). */
export function settingsMarks(settings: FelixSettings): MarkBits {
  const marks = markBitsFromMask(settings.iptablesMarkMask);
  if (!marks) throw new Error(`iptablesMarkMask ${settings.iptablesMarkMask.toString(16)} has too few bits (validation should have refused it)`);
  return marks;
}

/** What a filter-table chain does with an allowed packet (`IptablesFilterAllowAction`). */
export function filterAllowAction(settings: Pick<FelixSettings, "iptablesFilterAllowAction">): Action {
  return settings.iptablesFilterAllowAction === "Return" ? RETURN : ACCEPT;
}

/** What a mangle-table (preDNAT) chain does with an allowed packet (`IptablesMangleAllowAction`). */
export function mangleAllowAction(settings: FelixSettings): Action {
  return settings.iptablesMangleAllowAction === "Return" ? RETURN : ACCEPT;
}

/** The last rule's action of `cali-wl-to-host` (`DefaultEndpointToHostAction`). */
export function endpointToHostAction(settings: FelixSettings): Action {
  switch (settings.defaultEndpointToHostAction) {
    case "Drop":
      return DROP;
    case "Accept":
      return ACCEPT;
    case "Return":
      return RETURN;
  }
}

/** Who a policy or profile chain belongs to, for the log prefix's specifiers. */
export interface LogOwner {
  readonly tier: string;
  /** Felix's short kind (`gnp`, `np`, `knp`), `pro` for a profile. */
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

/**
 * The log prefix of one chain's Log rules: `%t` tier, `%k` short kind, `%n` name, `%p` name with
 * namespace (felix/rules/policy.go `generateLogPrefix`); other text as written.
 */
export function logPrefixFor(template: string, owner: LogOwner): string {
  if (!template.includes("%")) return template;
  return template.replace(/%[tknp]/g, (spec) => {
    switch (spec) {
      case "%t":
        return owner.tier;
      case "%k":
        return owner.kind;
      case "%n":
        return owner.name;
      default:
        return owner.namespace !== undefined && owner.namespace !== "" ? `${owner.namespace}/${owner.name}` : owner.name;
    }
  });
}
