/**
 * Exact fast checks compiled from the kinds' zod schemas: for a schema, a plain function that says
 * whether a value (without nulls, see `FastDocument.exotic`) is one that `goDecode` leaves as it
 * is and that the schema accepts unchanged. When it says yes, validation can hand the value to the
 * builders without running `goDecode` and zod; when it says no, nothing is lost, the value goes
 * through them as before. So a check may refuse more than zod does, but never accepts what zod
 * would refuse or change (`fastCheck.test.ts` holds every compiled kind to that).
 *
 * The compiler knows the zod constructs the schemas use and what each one accepts unchanged:
 * strict, loose and stripping objects, optional and defaulted fields, strings, numbers, integers,
 * booleans, enums, literals, arrays, records of strings, unions of scalars, unknown, with their
 * length and range checks. Any other construct (a refinement, a transform, a pipe, an unknown
 * check) compiles to a check that refuses, so a schema grown later stays correct, only slower.
 *
 * Without nulls, `goDecode` changes only numbers where a string is wanted (calicoctl's kinds), and
 * every string check here requires a string, so nothing `goDecode` would change is accepted.
 */
import type { z } from "zod";

export type ValueCheck = (value: unknown) => boolean;

type Def = { readonly type: string } & Record<string, unknown>;
type CheckDef = { readonly check: string } & Record<string, unknown>;

function defOf(schema: unknown): Def {
  return (schema as { _zod: { def: Def } })._zod.def;
}

const refuse: ValueCheck = () => false;
const compiled = new WeakMap<object, ValueCheck>();

/** The exact check of `schema` (compiled once per schema). */
export function schemaCheck(schema: z.ZodType): ValueCheck {
  let check = compiled.get(schema);
  if (check === undefined) {
    check = compile(schema);
    compiled.set(schema, check);
  }
  return check;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The checks of a node as data, or undefined when one is not understood. */
function checksOf(def: Def): readonly CheckDef[] | undefined {
  const checks = (def.checks as readonly unknown[] | undefined) ?? [];
  const out: CheckDef[] = [];
  for (const c of checks) {
    const cd = defOf(c) as unknown as CheckDef;
    if (!["min_length", "max_length", "length_equals", "number_format", "greater_than", "less_than"].includes(cd.check)) return undefined;
    if (cd.check === "number_format" && cd.format !== "safeint") return undefined;
    out.push(cd);
  }
  return out;
}

/** Whether `n` passes the number checks `checks`. */
function numberChecks(checks: readonly CheckDef[]): ValueCheck {
  return (v) => {
    const n = v as number;
    for (const c of checks) {
      switch (c.check) {
        case "number_format":
          if (!Number.isSafeInteger(n)) return false;
          break;
        case "greater_than":
          if (c.inclusive ? n < (c.value as number) : n <= (c.value as number)) return false;
          break;
        case "less_than":
          if (c.inclusive ? n > (c.value as number) : n >= (c.value as number)) return false;
          break;
        default:
          return false;
      }
    }
    return true;
  };
}

/** Whether a string's or array's length passes the length checks `checks`. */
function lengthChecks(checks: readonly CheckDef[]): (length: number) => boolean {
  return (length) => {
    for (const c of checks) {
      switch (c.check) {
        case "min_length":
          if (length < (c.minimum as number)) return false;
          break;
        case "max_length":
          if (length > (c.maximum as number)) return false;
          break;
        case "length_equals":
          if (length !== (c.length as number)) return false;
          break;
        default:
          return false;
      }
    }
    return true;
  };
}

/**
 * A scalar node whose check is exact both ways (accepts exactly what zod accepts, unchanged), for
 * unions; undefined for anything else.
 */
function scalarCheck(schema: unknown): ValueCheck | undefined {
  const def = defOf(schema);
  const checks = checksOf(def);
  if (checks === undefined) return undefined;
  switch (def.type) {
    case "string": {
      const length = lengthChecks(checks);
      return (v) => typeof v === "string" && length(v.length);
    }
    case "number": {
      const range = numberChecks(checks);
      return (v) => typeof v === "number" && Number.isFinite(v) && range(v);
    }
    case "boolean":
      return checks.length === 0 ? (v) => typeof v === "boolean" : undefined;
    case "enum": {
      if (checks.length > 0) return undefined;
      const values = new Set(Object.values(def.entries as Record<string, unknown>));
      return (v) => (typeof v === "string" || typeof v === "number") && values.has(v);
    }
    case "literal": {
      if (checks.length > 0) return undefined;
      const values = def.values as readonly unknown[];
      return (v) => values.includes(v);
    }
    default:
      return undefined;
  }
}

function compile(schema: unknown): ValueCheck {
  const def = defOf(schema);
  const scalar = scalarCheck(schema);
  if (scalar !== undefined) return scalar;
  const checks = checksOf(def);
  if (checks === undefined) return refuse;
  switch (def.type) {
    case "unknown":
    case "any":
      return () => true;
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
      // Present and not null (the caller's values have no nulls): the inner schema decides.
      return compile(def.innerType);
    case "array": {
      const element = compile(def.element);
      const length = lengthChecks(checks);
      return (v) => {
        if (!Array.isArray(v) || !length(v.length)) return false;
        for (const item of v) if (!element(item)) return false;
        return true;
      };
    }
    case "record": {
      const key = defOf(def.keyType);
      if (key.type !== "string" || checksOf(key)?.length !== 0 || checks.length > 0) return refuse;
      const value = compile(def.valueType);
      return (v) => {
        if (!isObj(v)) return false;
        for (const k of Object.keys(v)) if (!value(v[k])) return false;
        return true;
      };
    }
    case "union": {
      const options = (def.options as readonly unknown[]).map(scalarCheck);
      if (checks.length > 0 || options.some((o) => o === undefined)) return refuse;
      const exact = options as readonly ValueCheck[];
      return (v) => exact.some((o) => o(v));
    }
    case "object":
      return checks.length > 0 ? refuse : objectCheck(def);
    default:
      return refuse;
  }
}

/**
 * An object: every known field present passes its check, every absent one is optional (a
 * default would be added by zod), and unknown keys only where the object keeps them (loose).
 */
function objectCheck(def: Def): ValueCheck {
  const shape = def.shape as Record<string, unknown>;
  const fields = new Map<string, ValueCheck>();
  const required: string[] = [];
  for (const [key, field] of Object.entries(shape)) {
    fields.set(key, compile(field));
    // An optional field is left out of the output when absent, unless a default sits inside it.
    const fieldDef = defOf(field);
    const inner = fieldDef.type === "optional" ? defOf(fieldDef.innerType).type : undefined;
    if (fieldDef.type !== "optional" || inner === "default" || inner === "prefault") required.push(key);
  }
  const catchall = def.catchall === undefined ? undefined : defOf(def.catchall).type;
  // A strict object (`never`) refuses unknown keys and a stripping one (no catchall) drops them;
  // a loose one (`unknown`) keeps them as they are.
  const keepsUnknown = catchall === "unknown" || catchall === "any";
  // A required key that objects inherit (`constructor`) must be the value's own.
  const inherited = required.filter((key) => key in Object.prototype);
  return (v) => {
    if (!isObj(v)) return false;
    for (const key of required) if (v[key] === undefined) return false;
    for (const key of inherited) if (!Object.prototype.hasOwnProperty.call(v, key)) return false;
    // Plain values have no enumerable inherited keys, so `for...in` reads their own (no array).
    for (const key in v) {
      const field = fields.get(key);
      if (field === undefined) {
        if (!keepsUnknown) return false;
        continue;
      }
      if (!field(v[key])) return false;
    }
    return true;
  };
}
