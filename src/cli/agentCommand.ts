/**
 * `policyc agent --node NAME --etcd-endpoints URL[,URL] ...`: the node agent (see src/agent/).
 * Runs until SIGTERM or SIGINT (then ends cleanly, leaving the rules in place, exit 0), or, with
 * `--once`, until one complete sync (exit 0 when the kernel is in sync, 1 when etcd could not be
 * listed, 3 when the apply failed).
 */
import type { Server } from "node:http";
import { startAgent } from "../agent/agent.js";
import { incrementalCompiler } from "../agent/compilers.js";
import { serveHealth } from "../agent/healthServer.js";
import { kernelApplier } from "../agent/kernelApplier.js";
import { createLogger } from "../agent/logger.js";
import { fileLock, DEFAULT_LOCK_PATH, readHostInterfaces, spawnExec } from "../apply/index.js";
import { EtcdClient } from "../datastore/etcd.js";
import { etcdFlags, etcdSettings } from "./datastoreCommand.js";
import { exitCodes, type Io } from "./io.js";
import { integerFlag, nonEmptyFlag, oneOf, parseCommandArgs } from "./parseCommandArgs.js";
import { CommandError, UsageError } from "./usageError.js";

export async function agentCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      node: { type: "string" },
      backend: { type: "string" },
      "backend-mode": { type: "string" },
      "lock-file": { type: "string" },
      "coalesce-ms": { type: "string" },
      "resync-seconds": { type: "string" },
      "health-listen": { type: "string" },
      "log-format": { type: "string" },
      "log-level": { type: "string" },
      once: { type: "boolean" },
      ...etcdFlags,
    },
    false,
  );
  if (positionals.length > 0) throw new UsageError(`unexpected ${positionals.join(" ")}: the agent reads etcd, not files`);
  const node = nonEmptyFlag("node", values.node);
  if (node === undefined) throw new UsageError("--node NAME is required: the node whose endpoints this kernel guards");
  const backend = oneOf("backend", values.backend, ["iptables", "nftables"] as const, "iptables");
  const mode = values["backend-mode"] === undefined ? undefined : oneOf("backend-mode", values["backend-mode"], ["legacy", "nft"] as const, "nft");
  const coalesceMs = integerFlag("coalesce-ms", values["coalesce-ms"], 0, 10_000, 20);
  const resyncSeconds = integerFlag("resync-seconds", values["resync-seconds"], 1, 86_400, 90);
  const logFormat = oneOf("log-format", values["log-format"], ["text", "json"] as const, "text");
  const logLevel = oneOf("log-level", values["log-level"], ["debug", "info", "warn", "error"] as const, "info");
  let health: { host: string; port: number } | undefined;
  if (values["health-listen"] !== undefined) {
    const m = /^(.+):(\d+)$/.exec(values["health-listen"]);
    if (!m || Number(m[2]) > 65535) throw new UsageError(`--health-listen must be HOST:PORT, not '${values["health-listen"]}'`);
    health = { host: m[1]!.replace(/^\[|\]$/g, ""), port: Number(m[2]) };
  }
  const settings = etcdSettings(values, io);

  const logger = createLogger(logFormat, (line) => io.stderr(line), () => new Date(), logLevel);
  const etcd = new EtcdClient({ endpoints: settings.endpoints, ...(settings.tls ? { tls: settings.tls } : {}) });
  const agent = startAgent(
    { node, prefix: settings.prefix, coalesceMs, resyncMs: resyncSeconds * 1000, ...(values.once ? { once: true } : {}) },
    {
      etcd,
      compiler: incrementalCompiler(node),
      readHostInterfaces: () => readHostInterfaces(spawnExec()),
      applier: kernelApplier({ backend, lock: fileLock(values["lock-file"] ?? DEFAULT_LOCK_PATH), ...(mode ? { backendMode: mode } : {}) }),
      clock: { now: () => Date.now(), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout) },
      logger,
    },
  );
  let server: Server | undefined;
  try {
    if (health) server = await serveHealth(agent, health.host, health.port);
  } catch (e) {
    await agent.stop();
    etcd.close();
    throw new CommandError(`--health-listen ${values["health-listen"]}: ${e instanceof Error ? e.message : String(e)}`);
  }
  logger.log("info", "agent started", { node, backend, etcd: settings.endpoints.join(","), ...(health ? { health: `${health.host}:${health.port}` } : {}) });
  const unsubscribe = io.onStopSignal?.(() => {
    logger.log("info", "stopping (the rules stay in place)");
    void agent.stop();
  });
  await agent.done;
  unsubscribe?.();
  server?.close();
  etcd.close();
  const status = agent.status();
  if (values.once) return status.ready ? exitCodes.ok : status.listed ? exitCodes.applyFailed : exitCodes.invalidInput;
  return exitCodes.ok;
}
