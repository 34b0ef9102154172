/** A volume-pricing tier: every identification of a period costs the price of the tier its total falls in. */
export interface PricingTier {
  tier: string;
  pricePerIdentification: number;
  minUsage: number;
  /** Null: no upper bound. */
  maxUsage: number | null;
  currency: string;
}

/** The partner's own tiers, or the global default (`partner_id = '*'`, seeded by migrations/catalog/0003). */
export async function pricingTiersOf(db: D1Database, partnerId: string): Promise<PricingTier[]> {
  const { results } = await db
    .prepare(
      `SELECT tier, price_per_identification, min_usage, max_usage, currency FROM pricing_tiers
       WHERE partner_id = CASE WHEN EXISTS (SELECT 1 FROM pricing_tiers WHERE partner_id = ?1) THEN ?1 ELSE '*' END
       ORDER BY min_usage`,
    )
    .bind(partnerId)
    .all<{
      tier: string;
      price_per_identification: number;
      min_usage: number;
      max_usage: number | null;
      currency: string;
    }>();
  return results.map((r) => ({
    tier: r.tier,
    pricePerIdentification: r.price_per_identification,
    minUsage: r.min_usage,
    maxUsage: r.max_usage,
    currency: r.currency,
  }));
}

export interface Quote {
  usage: number;
  cost: number;
  tier: string | null;
  currency: string;
}

/** Volume pricing, pure: the tier holding `usage` prices all of it; cost rounded to cents. */
export function quote(tiers: PricingTier[], usage: number): Quote {
  const sorted = [...tiers].sort((a, b) => a.minUsage - b.minUsage);
  const tier =
    sorted.find((t) => usage >= t.minUsage && (t.maxUsage === null || usage <= t.maxUsage)) ??
    // Gaps or usage below the first tier: the highest tier starting at or below it, else the first.
    [...sorted].reverse().find((t) => usage >= t.minUsage) ??
    sorted[0];
  if (!tier) return { usage, cost: 0, tier: null, currency: "USD" };
  return {
    usage,
    cost: Math.round(usage * tier.pricePerIdentification * 100) / 100,
    tier: tier.tier,
    currency: tier.currency,
  };
}
