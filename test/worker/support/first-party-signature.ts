/** What a client's first-party proxy computes (docs/first-party.md), written apart from the Worker's check. */
export async function proxySignature(secret: string, address: string, seconds = Math.floor(Date.now() / 1000)) {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${seconds}.${address}`));
  const hex = [...new Uint8Array(mac)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `t=${seconds},v1=${hex}`;
}

/** The headers a proxy adds to a hit it forwards. */
export const forwardingHeaders = async (secret: string, address: string, seconds?: number) => ({
  "x-client-address": address,
  "x-client-signature": await proxySignature(secret, address, seconds),
});
