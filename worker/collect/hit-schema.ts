import { z } from "zod";
import { emailSha256 } from "../lib/email-hash";
import { type EngagementHit, type Hit, hitFromArray, type IdentifyHit, type PageViewHit } from "../../shared/hit";

const eventId = z.string().regex(/^[0-9a-f-]{32,36}$/i, "must be a UUID or 32 hex digits");
const pageUrl = z
  .string()
  .max(4096)
  .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), "must be an http(s) URL");

const email = emailSha256();

const base = {
  k: z.string().min(8).max(64),
  i: eventId,
  u: pageUrl,
  b: z.literal(1).optional(),
  h: email.optional(),
};

const pageView = z.object({
  ...base,
  t: z.literal("v"),
  r: z.string().max(2048).optional(),
  w: z.number().int().min(0).max(100_000).optional(),
});

const engagement = z.object({
  ...base,
  t: z.literal("e"),
  p: eventId,
  // A wall dashboard can stay focused for days: clamp rather than lose the engagement.
  s: z
    .number()
    .int()
    .min(0)
    .transform((s) => Math.min(s, 86_400)),
  d: z.number().int().min(0).max(100),
});

const identify = z.object({ ...base, t: z.literal("i"), h: email });

const hitObject = z.discriminatedUnion("t", [pageView, engagement, identify]);

/** A hit body: the object form, or the array form the pixel sends (see shared/hit.ts), parsed to the object form. */
export const hitSchema = z.preprocess((body) => (Array.isArray(body) ? hitFromArray(body) : body), hitObject);

// The schema and the shared protocol types must describe the same thing.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _pageView: Same<z.infer<typeof pageView>, PageViewHit> = true;
const _engagement: Same<z.infer<typeof engagement>, EngagementHit> = true;
const _identify: Same<z.infer<typeof identify>, IdentifyHit> = true;
const _hit: Same<z.output<typeof hitSchema>, Hit> = true;
void [_pageView, _engagement, _identify, _hit];
