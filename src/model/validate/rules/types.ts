/**
 * The shape of semantic rules. A resource rule looks at one built resource and reports through
 * `report`; a model rule looks at all of them (duplicates, references). Any error reported against
 * a resource keeps it out of the model.
 */
import type { Diagnostic } from "../../../diagnostics/diagnostic.js";
import type { Resource } from "../../types.js";

export type Report = (diagnostic: Diagnostic) => void;

export interface ResourceRule {
  readonly name: string;
  readonly check: (resource: Resource, report: Report) => void;
}

export interface ModelRule {
  readonly name: string;
  /** `report(d, i)` attributes the diagnostic to `resources[i]`. */
  readonly check: (resources: readonly Resource[], report: (diagnostic: Diagnostic, index: number) => void) => void;
}
