/**
 * A person as every route and hit names them: the SHA-256 hex of their trimmed, lower-cased email.
 * Plain rules, so the pixel path checks hits without zod; the APIs build their schema from them
 * (http/schemas.ts `EmailSha256`).
 */
export const EMAIL_SHA256 = /^[0-9a-f]{64}$/;
export const EMAIL_SHA256_RULE = "must be the SHA-256 of the trimmed, lower-cased email, as 64 lowercase hex digits";
