/**
 * Health, readiness and metrics over HTTP on a local address, as Felix serves them:
 * `GET /liveness` and `/healthz` (200 while the loop runs), `/readiness` and `/readyz` (200 once the
 * kernel holds a complete snapshot), `/metrics` (Prometheus text).
 */
import { createServer, type Server } from "node:http";
import type { AgentHandle } from "./agent.js";

export function serveHealth(agent: AgentHandle, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const status = agent.status();
    const answer = (code: number, body: string, type = "text/plain; charset=utf-8"): void => {
      res.writeHead(code, { "content-type": type });
      res.end(body);
    };
    switch (path) {
      case "/liveness":
      case "/healthz":
        answer(status.live ? 200 : 503, status.live ? "ok\n" : "stopped\n");
        return;
      case "/readiness":
      case "/readyz":
        answer(status.ready ? 200 : 503, `${status.ready ? "ready" : "not ready"} revision=${status.revision}${status.lastError ? ` last_error=${JSON.stringify(status.lastError)}` : ""}\n`);
        return;
      case "/metrics":
        answer(200, agent.metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
        return;
      default:
        answer(404, "not found\n");
    }
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
