/**
 * What a client's first-party proxy computes (docs/first-party.md), written apart from the Worker's
 * check: the HMAC-SHA256 of `<t>.<address>.<pixel key>.<hex SHA-256 of the body>`.
 */
export async function proxySignature(
  secret: string,
  address: string,
  hit: { pixelKey: string; body: string | Uint8Array<ArrayBuffer> },
  seconds = Math.floor(Date.now() / 1000),
) {
  const encoder = new TextEncoder();
  const body = typeof hit.body === "string" ? encoder.encode(hit.body) : hit.body;
  const bodyHash = hex(await crypto.subtle.digest("SHA-256", body));
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    encoder.encode(`${seconds}.${address}.${hit.pixelKey}.${bodyHash}`),
  );
  return `t=${seconds},v1=${hex(mac)}`;
}

const hex = (bytes: ArrayBuffer) => [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** The headers a proxy adds to a hit it forwards. */
export const forwardingHeaders = async (
  secret: string,
  address: string,
  hit: { pixelKey: string; body: string | Uint8Array<ArrayBuffer> },
  seconds?: number,
) => ({
  "x-client-address": address,
  "x-client-signature": await proxySignature(secret, address, hit, seconds),
});
