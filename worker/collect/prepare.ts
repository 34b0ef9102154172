import { dayNumber, eventKey, saltedKey, textKey, unixSeconds } from "../visitors/keys";
import type { OrganizationKey } from "../visitors/organization-keys";
import { subscriberOf } from "../rate-limit/address";
import type { VisitOrigin } from "./device-state";
import type { AcceptedHit } from "./message";
import { pageFacts, REFERRER_LENGTH } from "./page";
import type { PreparedHit } from "./plan-types";

/** A hit as the queue delivered it. */
export interface Delivery {
  message: AcceptedHit;
  /** Delivery attempts of the queue message (1 on the first). */
  attempts: number;
}

/** The deliveries' hits with their compact keys, each input hashed once a batch. */
export async function prepareHits(deliveries: Delivery[], keys: Map<string, OrganizationKey>): Promise<PreparedHit[]> {
  const hashed = new Map<string, Promise<string>>();
  const once = (id: string, hash: () => Promise<string>) => {
    let key = hashed.get(id);
    if (!key) hashed.set(id, (key = hash()));
    return key;
  };
  return Promise.all(deliveries.map((d) => prepare(d, keys.get(d.message.organizationId)!, once)));
}

/**
 * The hit's compact keys; who it is comes later (`identifyAndRead`). `once` hashes each input once a
 * batch: a device sends several hits, and an engagement's page view is often in the same batch.
 */
async function prepare(
  delivery: Delivery,
  key: OrganizationKey,
  once: (id: string, hash: () => Promise<string>) => Promise<string>,
): Promise<PreparedHit> {
  const { message } = delivery;
  const { hit } = message;
  const day = dayNumber(message.receivedAt);
  const b2c = message.productType === "B2C";
  const texts = b2c && hit.t === "v" ? anonymousTexts(message) : null;
  const subscriber = subscriberOf(message.ip ?? "");
  const [eventKeyOf, pageKey, device, pathKey, originKey, address] = await Promise.all([
    once(`e|${hit.i}`, () => eventKey(hit.i)),
    hit.t === "e" ? once(`e|${hit.p}`, () => eventKey(hit.p)) : null,
    once(`d|${message.organizationId}|${message.ip}|${message.userAgent}|${day}`, () =>
      saltedKey(key.salt, `${message.ip ?? ""}|${message.userAgent ?? ""}|${day}`),
    ),
    texts && once(`t|${texts.path}`, () => textKey(texts.path)),
    texts?.origin ? once(`t|${texts.origin}`, () => textKey(texts.origin!)) : null,
    b2c
      ? once(`a|${message.organizationId}|${subscriber}|${day}`, () => saltedKey(key.salt, `a|${subscriber}|${day}`))
      : null,
  ]);
  return {
    message,
    attempts: delivery.attempts,
    key: eventKeyOf,
    pageKey,
    day,
    at: unixSeconds(message.receivedAt),
    device,
    texts: texts && { path: [pathKey!, texts.path], origin: texts.origin ? [originKey!, texts.origin] : null },
    address,
    identity: null,
    profile: null,
    visitor: null,
    excluded: false,
    suppressed: false,
  };
}

/** A B2C page view's path, and how a visit beginning with it began (`VisitOrigin`, as JSON; null when the path is all). */
function anonymousTexts({ hit, hashRouting }: AcceptedHit) {
  const facts = pageFacts(hit.u, hashRouting);
  const referrer = hit.t === "v" && hit.r ? hit.r.slice(0, REFERRER_LENGTH) : null;
  const origin: VisitOrigin = [facts.path, referrer, ...Object.values(facts.utm)];
  return { path: facts.path, origin: origin.slice(1).some((v) => v !== null) ? JSON.stringify(origin) : null };
}
