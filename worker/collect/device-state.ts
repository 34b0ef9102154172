import { EVENT_KEY_LENGTH, SALTED_KEY_LENGTH } from "../visitors/keys";
import type { OrganizationState, PreparedHit } from "./plan-types";
import type { RollupDelta } from "./rollups";

/**
 * Event keys a device keeps for the day: more than one device can send while a batch may still be
 * redelivered (10 retries, about 2 minutes, at the edge's 300 hits a minute per key and address).
 * 8 bytes per hit, only on devices that send that much.
 */
const SEEN_LIMIT = 1_000;
/** Visits a device keeps: the open one and the few before it, for late engagement hits. */
const VISITS_LIMIT = 3;
/** Page views of one visit kept for its engagement hits. */
const PAGES_LIMIT = 64;
/** B2C: anonymous page views of one visit kept until an identify call attributes them. */
export const PENDING_LIMIT = 20;

/**
 * An anonymous page view of a B2C visit: [event key, path key, unix seconds, engaged seconds, scroll
 * depth]. H4: the path is kept as its key (8 characters of its hash), never as sent, so an anonymous
 * device row's size does not depend on what the sender writes; an identify call finds the text again
 * by its key (`anonymous_texts`, or the day's top pages).
 */
export type PendingPage = [string, string, number, number, number | null];

/**
 * A visit (session) of one device, as its device row keeps it. Short names: this JSON is in
 * every device row of the day.
 */
export interface Visit {
  /** Start, unix seconds. */
  s: number;
  /** The visitor id once identified. */
  v?: string;
  /** Event keys of the visit's stored page views, concatenated (engagement hits find them here). */
  k?: string;
  /** B2C, while anonymous: its page views, kept for an identify call in the same visit. */
  p?: PendingPage[];
  /** B2C, while anonymous: the key of how it began (the JSON of `VisitOrigin`). */
  o?: string;
}

/** How a visit began: [landing page, referrer, utm source, medium, campaign, term, content]. */
export type VisitOrigin = [landing: string, referrer: string | null, ...utm: (string | null)[]];

/** A device row (`device_days`) as the consumer reads, changes and writes it back. */
export interface DeviceState {
  /** H4: false for a device past its organization's daily cap: counted, never written. */
  kept: boolean;
  day: number;
  device: string;
  /** The version read; 0 when there is no row yet. The write expects it unchanged. */
  version: number;
  /** Unix seconds of the latest page view or identify call counted. */
  last: number;
  seen: string[];
  visits: Visit[];
  /** Visitor ids of the people charged on this device today. */
  people: string[];
  changed: boolean;
  /** This plan counted the device among the day's visitors. */
  counted: boolean;
}

export interface DeviceRow {
  day: number;
  device: string;
  version: number;
  last: number;
  seen: string;
  visits: string | null;
  people: string | null;
}

const chunks = (text: string | null, size: number): string[] =>
  text ? (text.match(new RegExp(`.{${size}}`, "g")) ?? []) : [];

export const deviceId = (day: number, device: string) => `${day}|${device}`;

export function newDevice(day: number, device: string, kept = true): DeviceState {
  return { kept, day, device, version: 0, last: 0, seen: [], visits: [], people: [], changed: false, counted: false };
}

export function parseDevice(row: DeviceRow): DeviceState {
  return {
    kept: true,
    day: row.day,
    device: row.device,
    version: row.version,
    last: row.last,
    seen: chunks(row.seen, EVENT_KEY_LENGTH),
    visits: row.visits ? (JSON.parse(row.visits) as Visit[]) : [],
    people: chunks(row.people, SALTED_KEY_LENGTH),
    changed: false,
    counted: false,
  };
}

/** The row to write: bounded lists, the version moved on. */
export function deviceRowOf(state: DeviceState): DeviceRow {
  return {
    day: state.day,
    device: state.device,
    version: state.version + 1,
    last: state.last,
    seen: state.seen.slice(-SEEN_LIMIT).join(""),
    visits: state.visits.length
      ? JSON.stringify(
          state.visits
            .slice(-VISITS_LIMIT)
            .map((v) => (v.k ? { ...v, k: v.k.slice(-PAGES_LIMIT * EVENT_KEY_LENGTH) } : v)),
        )
      : null,
    people: state.people.length ? state.people.join("") : null,
  };
}

export const visitPages = (visit: Visit) => chunks(visit.k ?? null, EVENT_KEY_LENGTH);

/**
 * H4: device rows an organization keeps per UTC day for hits that identify nobody; past it, such a
 * hit of a new device is counted (`untracked`) but leaves no row. Devices of identified visitors are
 * always kept (they grow with identifications).
 */
export const DEVICE_ROWS_PER_DAY = 50_000;

/**
 * The hit's device row, new when there is none. A new row counts towards the organization's
 * `DEVICE_ROWS_PER_DAY`; past it, a device that identifies nobody is not kept (and becomes kept
 * when one of its hits identifies someone).
 */
export function deviceOf(org: OrganizationState, h: PreparedHit, identified: boolean, delta: RollupDelta): DeviceState {
  const id = deviceId(h.day, h.device);
  let device = org.devices.get(id);
  if (!device) {
    device = newDevice(h.day, h.device, false);
    org.devices.set(id, device);
  }
  if (!device.kept && (identified || (org.devicesToday.get(h.day) ?? 0) < DEVICE_ROWS_PER_DAY)) {
    device.kept = true;
    org.devicesToday.set(h.day, (org.devicesToday.get(h.day) ?? 0) + 1);
    delta.counts.devices += 1;
  }
  return device;
}
