/**
 * `nodeFelixSettings`: the Felix settings of one node from the model's FelixConfiguration
 * resources, as Felix's config loader resolves them (see `resolveFelixSettings`): the `default`
 * resource for every node, overridden field by field by `node.<node>`. Selector-scoped resources
 * are not read (validation reports them).
 */
import { resolveFelixSettings, type FelixSettings } from "../calico/index.js";
import type { FelixConfiguration, Model } from "./types.js";

/** With `node` absent (every endpoint local), only the `default` resource applies. */
export function nodeFelixSettings(configs: Iterable<Model["resources"][number]>, node: string | undefined): FelixSettings {
  let global: FelixConfiguration | undefined;
  let perNode: FelixConfiguration | undefined;
  for (const r of configs) {
    if (r.kind !== "FelixConfiguration") continue;
    if (r.scope.kind === "global") global = r;
    else if (r.scope.kind === "node" && node !== undefined && r.scope.node === node) perNode = r;
  }
  return resolveFelixSettings(global?.settings, perNode?.settings);
}
