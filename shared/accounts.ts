/** Account vocabulary: the states of partners, organizations and API keys, and what a key may do. */
export const PARTNER_STATUSES = ["active", "suspended"] as const;
export type PartnerStatus = (typeof PARTNER_STATUSES)[number];

export const ORGANIZATION_STATUSES = ["active", "suspended", "canceled"] as const;
export type OrganizationStatus = (typeof ORGANIZATION_STATUSES)[number];

export const API_KEY_STATUSES = ["active", "revoked"] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

/** `admin` includes `write`, which includes `read`; a key without scopes has full access. */
export const SCOPES = ["read", "write", "admin"] as const;
export type Scope = (typeof SCOPES)[number];
