/**
 * Writing and deleting resources in Calico's etcdv3 layout as calicoctl does with the etcdv3
 * datastore (calicoctl/calicoctl/resourcemgr/resourcemgr.go `Apply`; libcalico-go/lib/backend/
 * etcdv3/etcdv3.go): create if absent (a transaction on the key's version), else update what is
 * there (a transaction on its mod revision, retried on a conflict), keeping the stored `uid` and
 * `creationTimestamp`.
 */
import type { EtcdClient } from "./etcd.js";
import type { StoredResource } from "./toStored.js";

export interface StoreClock {
  /** RFC 3339, seconds precision, as clientv3 stamps `creationTimestamp`. */
  readonly now: () => string;
  readonly uid: () => string;
}

type Obj = Record<string, unknown>;

/** calicoctl retries an update this many times on a conflict. */
const UPDATE_ATTEMPTS = 5;

export type ApplyOutcome = "created" | "updated" | "unchanged";

/** Creates or updates one resource; throws an EtcdError or an Error on a lasting conflict. */
export async function applyResource(client: EtcdClient, r: StoredResource, clock: StoreClock): Promise<ApplyOutcome> {
  const meta = (r.value.metadata ?? {}) as Obj;
  const created = JSON.stringify({ ...r.value, metadata: { ...meta, uid: clock.uid(), creationTimestamp: clock.now() } });
  if (await client.putIf(r.key, created, 0)) return "created";
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
    const current = await client.get(r.key);
    if (!current) {
      if (await client.putIf(r.key, created, 0)) return "created";
      continue;
    }
    let old: Obj = {};
    try {
      old = JSON.parse(current.value) as Obj;
    } catch {
      // A corrupt value is replaced.
    }
    const oldMeta = (old.metadata ?? {}) as Obj;
    const next = { ...r.value, metadata: { ...meta, ...(oldMeta.uid !== undefined ? { uid: oldMeta.uid } : {}), ...(oldMeta.creationTimestamp !== undefined ? { creationTimestamp: oldMeta.creationTimestamp } : {}) } };
    const text = JSON.stringify(next);
    if (text === current.value) return "unchanged";
    if (await client.putIf(r.key, text, current.modRevision)) return "updated";
  }
  throw new Error(`${r.key}: updated by someone else ${UPDATE_ATTEMPTS} times in a row`);
}

/** Deletes one resource; returns whether it was there. */
export async function deleteResource(client: EtcdClient, r: StoredResource): Promise<boolean> {
  return client.delete(r.key);
}
