import type { ChargeRequest } from "../credits/counter";
import { publicVisitorId } from "../visitors/identity";
import { deviceId } from "./device-state";
import { chargedPerD1, freshVisits } from "./plan";
import { addressId, type AddressState, type OrganizationState, type PreparedHit } from "./plan-types";

/**
 * H3: how many people one source may get charged, whatever the hits claim. A browser identifies one
 * person, a household or an office a few; a sender cycling email hashes (and User-Agents) is stopped
 * by the address rule, a distributed one by the organization's hourly ceiling. A person refused by a
 * rule is counted `suspicious`: never sent to the credit counter and never stored as a visitor, so
 * nothing about them is remembered as charged, and another device, address or hour may charge them.
 */

/** People charged per device and day at most. */
export const PEOPLE_PER_DEVICE = 3;
/** People charged per address (IPv4, or IPv6 /64) and day at most, per organization, whatever the User-Agents. */
export const PEOPLE_PER_ADDRESS = 10;
/**
 * New people charged per organization within an hour at most. At it, charging new B2C people pauses
 * (they count as `suspicious`) until the hour's count falls under it again, and the partner's billing
 * webhook gets `b2c.anomaly` (once per organization and hour).
 */
export const PEOPLE_PER_HOUR = 1_000;

/** The counter calls of one organization's batch, and the address rows that must be written first. */
export interface ChargePlan {
  requests: ChargeRequest[];
  /** Address rows whose people grew: written (guarded by their version) before the counter is asked. */
  reserved: AddressState[];
  /** [partner, email hash] of the people reserved: the reservation fails if one is suppressed by then (N3). */
  people: [string, string][];
  /** New people this batch asks to charge, towards `PEOPLE_PER_HOUR`. */
  newPeople: number;
  /** Hits of new people refused because the organization is at `PEOPLE_PER_HOUR`. */
  overCeiling: number;
}

const peopleOf = (sets: Map<string, Set<string>>, id: string, stored: string[] | undefined) => {
  let people = sets.get(id);
  if (!people) sets.set(id, (people = new Set(stored ?? [])));
  return people;
};

/**
 * The charges to ask the organization's counter for: identified fresh hits, except identities D1
 * already shows charged in the period (repeat visits never reach the counter) and people refused by
 * the rules above. A person already charged (or being charged) from the device or the address that
 * day counts against neither again.
 */
export function chargeRequests(org: OrganizationState, hits: PreparedHit[]): ChargePlan {
  const onDevices = new Map<string, Set<string>>();
  const onAddresses = new Map<string, Set<string>>();
  const reserved = new Map<string, AddressState>();
  const people: [string, string][] = [];
  const requests: ChargeRequest[] = [];
  let newPeople = 0;
  let overCeiling = 0;
  for (const h of freshVisits(org, hits)) {
    if (!h.identity || !h.visitor || chargedPerD1(org, h) !== null) continue;
    if (h.identity.type === "person") {
      const device = deviceId(h.day, h.device);
      const onDevice = peopleOf(onDevices, device, org.devices.get(device)?.people);
      if (!onDevice.has(h.visitor) && onDevice.size >= PEOPLE_PER_DEVICE) continue;
      const address = addressId(h.day, h.address!);
      const stored = org.addresses.get(address) ?? { day: h.day, address: h.address!, version: 0, people: [] };
      const onAddress = peopleOf(onAddresses, address, stored.people);
      if (!onAddress.has(h.visitor)) {
        if (onAddress.size >= PEOPLE_PER_ADDRESS) continue;
        if (org.peopleLastHour + newPeople >= PEOPLE_PER_HOUR) {
          overCeiling += 1;
          continue;
        }
        newPeople += 1;
        onAddress.add(h.visitor);
        if (h.message.hit.h) people.push([h.message.partnerId, h.message.hit.h]);
        reserved.set(address, { ...stored, people: [...onAddress] });
      }
      onDevice.add(h.visitor);
    }
    requests.push({ eventId: h.message.hit.i, identity: publicVisitorId(h.visitor), at: h.message.receivedAt });
  }
  return { requests, reserved: [...reserved.values()], people, newPeople, overCeiling };
}
