/**
 * The `incremental` measurement: the incremental compiler (createCompiler) on a prepared model,
 * one change at a time, as a node agent would feed it. Loads the model, then applies changes of
 * each type (after a few of each as warm-up, so that the JIT has compiled the paths) and reports
 * per type the median, 90th percentile and maximum CPU time of one `update` (process.cpuUsage:
 * every thread, the garbage collector's included) and its median wall time.
 *
 * Change types, drawn with a fixed seed from the shape's own distribution (generateCluster.ts):
 * - podLabel: one label (app, tier, env or version) of a random pod gets another value;
 * - podAdd: a new pod (remote, as nearly all are), with the next free address;
 * - podDelete: a random pod goes;
 * - policyAdd: a new policy, as the generator makes them (Kubernetes, Calico, global);
 * - policyEdit: a random policy drawn again (same kind, name and namespace; new selectors, ports).
 * Preparing a change (drawing, validating) is not timed; `update` alone is.
 */
import { isDeepStrictEqual } from "node:util";
import { createCompiler } from "../src/compiler/incremental/createCompiler.js";
import { compileModel } from "../src/compiler/compile.js";
import { loadModelFromObjects } from "../src/model/loadModel.js";
import type { Model, Pod, Resource } from "../src/model/types.js";
import { changeRng, generatePod, generatePolicy, localNode, podLabelValues, type ClusterShape } from "./generateCluster.js";

export interface ChangeStats {
  readonly changes: number;
  readonly medianCpuMs: number;
  readonly p90CpuMs: number;
  readonly maxCpuMs: number;
  readonly medianMs: number;
  /** The same over the changes that changed the IR (most new policies select no local endpoint). */
  readonly changedIr?: Omit<ChangeStats, "changedIr">;
}

type ChangeType = "podLabel" | "podAdd" | "podDelete" | "policyAdd" | "policyEdit";
const TYPES: readonly ChangeType[] = ["podLabel", "podAdd", "podDelete", "policyAdd", "policyEdit"];

function validated(doc: object): Resource {
  const { model, diagnostics } = loadModelFromObjects([doc]);
  const r = model.resources[0];
  if (!r || diagnostics.some((d) => d.severity === "error")) throw new Error(`generated resource is invalid: ${JSON.stringify(diagnostics)}`);
  return r;
}

const round = (x: number): number => Math.round(x * 100) / 100;

function stats(cpu: number[], wall: number[]): Omit<ChangeStats, "changedIr"> {
  const at = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? 0;
  return { changes: cpu.length, medianCpuMs: round(at(cpu, 0.5)), p90CpuMs: round(at(cpu, 0.9)), maxCpuMs: round(Math.max(0, ...cpu)), medianMs: round(at(wall, 0.5)) };
}

/** Loads `model` into a new incremental compiler and times `count` changes of each type. */
export function measureIncremental(model: Model, shape: ClusterShape, count: number, warmUp: number): Record<string, unknown> {
  const rand = changeRng(20261206);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const pods: Pod[] = [];
  const policies: Resource[] = [];
  for (const r of model.resources) {
    if (r.kind === "Pod") pods.push(r);
    else if (r.kind === "K8sNetworkPolicy" || r.kind === "NetworkPolicy" || r.kind === "GlobalNetworkPolicy") policies.push(r);
  }
  let nextPod = shape.pods;
  let nextPolicy = shape.policies;

  const compiler = createCompiler({ node: localNode });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  compiler.load(model);
  const loadCpu = process.cpuUsage(cpu0);
  const load = { ms: Math.round(performance.now() - t0), cpuMs: Math.round((loadCpu.user + loadCpu.system) / 1000), maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) };

  /** The next change of a type, ready to apply (and what to do to the lists once applied). */
  const draw = (type: ChangeType): { change: Parameters<typeof compiler.update>[0]; done: () => void } => {
    switch (type) {
      case "podLabel": {
        const i = Math.floor(rand() * pods.length);
        const pod = pods[i]!;
        const key = pick(Object.keys(podLabelValues));
        const values = podLabelValues[key]!.filter((v) => v !== pod.metadata.labels[key]);
        const next: Pod = { ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata.labels, [key]: pick(values) } } };
        return { change: [{ upsert: next }], done: () => (pods[i] = next) };
      }
      case "podAdd": {
        const pod = validated(generatePod(shape, nextPod++, pick)) as Pod;
        return { change: [{ upsert: pod }], done: () => pods.push(pod) };
      }
      case "podDelete": {
        const i = Math.floor(rand() * pods.length);
        const pod = pods[i]!;
        return { change: [{ delete: pod }], done: () => pods.splice(i, 1) };
      }
      case "policyAdd": {
        const p = validated(generatePolicy(shape, nextPolicy++, rand));
        return { change: [{ upsert: p }], done: () => policies.push(p) };
      }
      case "policyEdit": {
        const i = Math.floor(rand() * policies.length);
        const index = Number(/-(\d+)$/.exec(policies[i]!.metadata.name)?.[1]);
        const p = validated(generatePolicy(shape, index, rand));
        return { change: [{ upsert: p }], done: () => (policies[i] = p) };
      }
    }
  };

  const timed = (type: ChangeType): { cpuMs: number; ms: number; changedIr: boolean } => {
    const { change, done } = draw(type);
    const before = compiler.ir;
    const c = process.cpuUsage();
    const t = performance.now();
    const { ir } = compiler.update(change);
    const ms = performance.now() - t;
    const d = process.cpuUsage(c);
    done();
    return { cpuMs: (d.user + d.system) / 1000, ms, changedIr: ir !== before };
  };

  for (let k = 0; k < warmUp; k++) for (const type of TYPES) timed(type);
  const out: Record<string, unknown> = { load };
  for (const type of TYPES) {
    const cpu: number[] = [];
    const wall: number[] = [];
    const changedCpu: number[] = [];
    const changedWall: number[] = [];
    for (let k = 0; k < count; k++) {
      const r = timed(type);
      cpu.push(r.cpuMs);
      wall.push(r.ms);
      if (r.changedIr) {
        changedCpu.push(r.cpuMs);
        changedWall.push(r.ms);
      }
    }
    out[type] = { ...stats(cpu, wall), changedIr: stats(changedCpu, changedWall) } satisfies ChangeStats;
  }
  out.maxRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  // BENCH_CHECK=1: the IR after every change must still be the full compile's.
  if (process.env.BENCH_CHECK === "1") {
    const want = compileModel(compiler.model, { node: localNode }).ir;
    out.checkedAgainstFullCompile = isDeepStrictEqual(want, compiler.ir);
  }
  return out;
}
