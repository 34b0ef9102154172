import { coreConfigOf } from "../core-config";
import type { Env } from "../env";
import { seal, unseal } from "../lib/sealing";
import { randomHex } from "../lib/ids";

/**
 * A pixel's first-party proxy secret (docs/first-party.md): 32 random bytes in hex, the HMAC key
 * as its UTF-8 text. Sealed at rest, in D1 and in the KV record, with the organization as owner.
 */
export const generateProxySecret = () => randomHex(32);

const contextOf = (organizationId: string) => `pixel-proxy/${organizationId}`;

export const sealProxySecret = async (env: Env, organizationId: string, secret: string) =>
  seal(coreConfigOf(env).webhookSecretKey, contextOf(organizationId), secret);

export const openProxySecret = async (env: Env, organizationId: string, sealed: string) =>
  unseal(coreConfigOf(env).webhookSecretKey, contextOf(organizationId), sealed);
