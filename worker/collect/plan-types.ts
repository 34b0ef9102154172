import type { ChargeOutcome } from "../credits/counter";
import type { Identity } from "../identify";
import type { Profile } from "../visitors/identity";
import type { DeviceState } from "./device-state";
import type { AcceptedHit } from "./message";
import type { RollupDelta } from "./rollups";

/**
 * What the hits consumer plans with: a prepared hit, what it read of an organization, and the plan of
 * what the organization's batch writes (plan.ts makes it, store.ts writes it).
 */

/** A hit with its compact keys and who it was identified as, ready to be planned. */
export interface PreparedHit {
  message: AcceptedHit;
  /** Delivery attempts of its queue message (1 on the first). */
  attempts: number;
  /** Event key of the hit, and of the page view an engagement hit reports on. */
  key: string;
  pageKey: string | null;
  day: number;
  /** Unix seconds of its arrival at the edge. */
  at: number;
  device: string;
  /**
   * B2C page views: the page's path and how a visit beginning with it began (`VisitOrigin` as JSON;
   * null without referrer or UTM tags, when the path says it all), each with its key, which an
   * anonymous visit keeps instead (H4).
   */
  texts: { path: KeyedText; origin: KeyedText | null } | null;
  /** B2C: the daily salted key of its address (IPv4, or IPv6 /64), for the people-per-address rule. */
  address: string | null;
  /** Null when nobody was identified, for bots, for visitors the organization excludes and people the partner suppressed. */
  identity: Identity | null;
  profile: Profile | null;
  /** The visitor id of the identity in this organization. */
  visitor: string | null;
  excluded: boolean;
  suppressed: boolean;
}

/** A stored visitor, as far as the consumer needs it. */
export interface StoredVisitor {
  lastSeen: number;
  chargedPeriod: number | null;
  name: string | null;
  domain: string | null;
}

/** What the consumer read about one organization before planning. */
export interface OrganizationState {
  id: string;
  key: number;
  /** The counter's current period as last mirrored to D1 (unix seconds), when known. */
  period: { start: number; end: number } | null;
  devices: Map<string, DeviceState>;
  visitors: Map<string, StoredVisitor>;
  /** Stored page views engagement hits report on that their device rows do not know: `visitor|key` → session. */
  pages: Map<string, number>;
  /** Device rows kept per day so far (the rollup's `devices`), for `DEVICE_ROWS_PER_DAY`. */
  devicesToday: Map<number, number>;
  /** Page views stored per `visitor|day` so far, for `STORED_PAGE_VIEWS_PER_DAY`. */
  storedToday: Map<string, number>;
  /** B2C: the texts anonymous visits kept keys of (paths, how visits began), by key, as far as known. */
  texts: Map<string, string>;
  /** B2C: the rows of the hits' addresses (`address_days`), by `addressId`. */
  addresses: Map<string, AddressState>;
  /** B2C: people charged in the organization within the hour before its latest hit in the batch. */
  peopleLastHour: number;
}

/** An `address_days` row: the people charged (or being charged) from one address of the organization on one day. */
export interface AddressState {
  day: number;
  address: string;
  /** The version read (0: no row yet); the reservation expects it unchanged. */
  version: number;
  people: string[];
}

export const addressId = (day: number, address: string) => `${day}|${address}`;

/** A text and its key (`textKey`). */
export type KeyedText = [key: string, text: string];

export interface VisitorWrite {
  id: string;
  type: Identity["type"];
  profile: Profile;
  isNew: boolean;
  searchChanged: boolean;
  firstSeen: number;
  lastSeen: number;
  sessions: number;
  pageViews: number;
  engagedSeconds: number;
  scrollSum: number;
  scrollSamples: number;
  /** First touch, used only when the row is created. */
  source: SessionSource | null;
  lastPage: string | null;
  deviceType: string;
  browser: string | null;
  os: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  chargedPeriod: number | null;
}

export interface SessionSource {
  landing: string | null;
  referrer: string | null;
  utm: (string | null)[];
}

export interface SessionWrite {
  visitor: string;
  start: number;
  lastSeen: number;
  pageViews: number;
  source: SessionSource;
  deviceType: string;
}

export interface PageViewWrite {
  visitor: string;
  session: number;
  key: string;
  at: number;
  path: string;
  engagedSeconds: number;
  scrollDepth: number | null;
}

export interface EngagementWrite {
  visitor: string;
  session: number;
  key: string;
  seconds: number;
  depth: number;
}

export interface ChargeWrite {
  at: number;
  eventId: string;
  visitor: string;
  type: Identity["type"];
  periodStart: number;
}

/** A hit charged in this plan, for the webhooks. */
export interface ChargedHit {
  message: AcceptedHit;
  identityType: Identity["type"];
  outcome: ChargeOutcome;
  visitor: string;
  session: number;
}

export interface OrganizationPlan {
  organizationId: string;
  key: number;
  devices: DeviceState[];
  rollups: RollupDelta[];
  visitors: VisitorWrite[];
  newVisitors: number;
  sessions: SessionWrite[];
  pageViews: PageViewWrite[];
  engagements: EngagementWrite[];
  charges: ChargeWrite[];
  /** Visitors this plan assumed absent, or not seen since a time: [id, unix seconds] (0: absent). */
  assumed: [string, number][];
  /** Engagement hits to retry later (their page view is not counted yet), by event id. */
  waiting: Set<string>;
  charged: ChargedHit[];
  /** Identified visitors touched, for ICP rescoring. */
  touched: string[];
  /** H4: texts of this plan's anonymous B2C visits that kept devices refer to, by day: [day, key, text]. */
  texts: [number, string, string][];
  /** N3: [partner, email hash] of the people whose visitors it writes: the write fails if one is suppressed by then. */
  people: [string, string][];
  /** N3: visitors of people suppressed since the batch identified them: forgotten everywhere after the write. */
  erased: string[];
}
