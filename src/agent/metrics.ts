/**
 * The agent's Prometheus metrics, rendered in the text exposition format (version 0.0.4):
 * counters, gauges (optionally labelled) and one histogram, with no dependency.
 */

export interface Histogram {
  observe(seconds: number): void;
}

/** Bucket bounds (seconds) of the programming-latency histogram: 5 ms to 30 s. */
export const LATENCY_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

interface Family {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  render(): string[];
}

function labelText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

export class Metrics {
  private readonly families: Family[] = [];

  counter(name: string, help: string): { inc(by?: number): void; value(): number } {
    let v = 0;
    this.families.push({ name, help, type: "counter", render: () => [`${name} ${v}`] });
    return { inc: (by = 1) => void (v += by), value: () => v };
  }

  gauge(name: string, help: string): { set(v: number, labels?: Readonly<Record<string, string>>): void; reset(): void } {
    const values = new Map<string, number>();
    this.families.push({ name, help, type: "gauge", render: () => [...values].map(([l, v]) => `${name}${l} ${v}`) });
    return { set: (v, labels = {}) => void values.set(labelText(labels), v), reset: () => values.clear() };
  }

  histogram(name: string, help: string, buckets: readonly number[] = LATENCY_BUCKETS): Histogram & { count(): number } {
    const counts = buckets.map(() => 0);
    let sum = 0;
    let count = 0;
    this.families.push({
      name,
      help,
      type: "histogram",
      render: () => [
        ...buckets.map((b, i) => `${name}_bucket{le="${b}"} ${counts[i]}`),
        `${name}_bucket{le="+Inf"} ${count}`,
        `${name}_sum ${sum}`,
        `${name}_count ${count}`,
      ],
    });
    return {
      observe: (s) => {
        count++;
        sum += s;
        buckets.forEach((b, i) => {
          if (s <= b) counts[i]!++;
        });
      },
      count: () => count,
    };
  }

  /** The exposition text. */
  render(): string {
    return this.families.map((f) => [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} ${f.type}`, ...f.render()].join("\n")).join("\n") + "\n";
  }
}
