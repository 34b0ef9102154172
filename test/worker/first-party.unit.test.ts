import { describe, expect, it } from "vitest";
import { hitEndpoint, importProxySecret, verifiedAddress } from "../../worker/edge/forwarded-address";
import { proxySignature } from "./support/first-party-signature";

const SECRET = "3b9f0c6a1d2e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c";
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const nowSeconds = NOW / 1000;

const PIXEL_KEY = "3f9c2a7d5e8b104c6a1f0e92";
const BODY = JSON.stringify({
  k: PIXEL_KEY,
  t: "v",
  i: "6f1c4e0a9b2d4c3e8a7f5b1d2e3c4a5b",
  u: "https://client.example/",
});
const HIT = { pixelKey: PIXEL_KEY, body: BODY };

async function verify(address: string | null, signature: string | null, hit = HIT) {
  const body = new TextEncoder().encode(hit.body);
  return verifiedAddress(await importProxySecret(SECRET), { address, signature, pixelKey: hit.pixelKey, body }, NOW);
}

describe("a first-party proxy's forwarded address", () => {
  it("is the visitor's address when signed with the pixel's secret within 60 seconds", async () => {
    expect(await verify("198.51.100.7", await proxySignature(SECRET, "198.51.100.7", HIT, nowSeconds))).toBe(
      "198.51.100.7",
    );
    expect(await verify("2001:db8::42", await proxySignature(SECRET, "2001:db8::42", HIT, nowSeconds - 60))).toBe(
      "2001:db8::42",
    );
    // A proxy's clock a little ahead of ours.
    expect(await verify("198.51.100.7", await proxySignature(SECRET, "198.51.100.7", HIT, nowSeconds + 5))).toBe(
      "198.51.100.7",
    );
  });

  it("verifies the example of docs/first-party.md", async () => {
    const secret = await importProxySecret("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
    const body = new TextEncoder().encode(
      '{"k":"3f9c2a7d5e8b104c6a1f0e92","t":"v","i":"6f1c4e0a9b2d4c3e8a7f5b1d2e3c4a5b","u":"https://client.example/pricing","w":1280}',
    );
    const signature = "t=1772366400,v1=f4872699eb38dfd0bbf6db4ff53d81105b542310abae42c6a7c0faf937d194f5";
    const hit = { address: "203.0.113.7", signature, pixelKey: "3f9c2a7d5e8b104c6a1f0e92", body };
    expect(await verifiedAddress(secret, hit, 1772366430_000)).toBe("203.0.113.7");
  });

  it("is ignored when signed with another secret", async () => {
    const forged = await proxySignature("not-the-pixel-secret", "198.51.100.7", HIT, nowSeconds);
    expect(await verify("198.51.100.7", forged)).toBeNull();
  });

  it("is ignored when the signature covers another address", async () => {
    expect(await verify("198.51.100.8", await proxySignature(SECRET, "198.51.100.7", HIT, nowSeconds))).toBeNull();
  });

  it("N14: is ignored when the signature was made for another pixel key or another body", async () => {
    const signature = await proxySignature(SECRET, "198.51.100.7", HIT, nowSeconds);
    expect(await verify("198.51.100.7", signature)).toBe("198.51.100.7");
    const otherKey = { ...HIT, pixelKey: "0123456789abcdef01234567" };
    expect(await verify("198.51.100.7", signature, otherKey)).toBeNull();
    const otherBody = { ...HIT, body: BODY.replace("https://client.example/", "https://client.example/other") };
    expect(await verify("198.51.100.7", signature, otherBody)).toBeNull();
  });

  it("is ignored when the signature is older than 60 seconds", async () => {
    expect(await verify("198.51.100.7", await proxySignature(SECRET, "198.51.100.7", HIT, nowSeconds - 61))).toBeNull();
  });

  it("is ignored when the signature is dated more than 5 seconds ahead", async () => {
    expect(await verify("198.51.100.7", await proxySignature(SECRET, "198.51.100.7", HIT, nowSeconds + 6))).toBeNull();
    expect(
      await verify("198.51.100.7", await proxySignature(SECRET, "198.51.100.7", HIT, nowSeconds + 3600)),
    ).toBeNull();
  });

  it("is ignored when the signature or the address is malformed or missing", async () => {
    const good = await proxySignature(SECRET, "198.51.100.7", HIT, nowSeconds);
    const mac = good.split("v1=")[1]!;
    for (const signature of [
      null,
      "",
      mac,
      `v1=${mac},t=${nowSeconds}`,
      `t=${nowSeconds}`,
      `t=${nowSeconds},v1=${mac.slice(0, 63)}`,
      `t=${nowSeconds},v1=${mac}00`,
      `t=${nowSeconds}.5,v1=${mac}`,
      `t=-${nowSeconds},v1=${mac}`,
      `t=${nowSeconds},v1=${mac.replace(/./g, "z")}`,
    ]) {
      expect(await verify("198.51.100.7", signature), String(signature)).toBeNull();
    }
    for (const address of [null, "", "not-an-address", "198.51.100.7, 10.0.0.1", "198.51.100.256", "unknown"]) {
      const signature = await proxySignature(SECRET, address ?? "", HIT, nowSeconds);
      expect(await verify(address, signature), String(address)).toBeNull();
    }
  });
});

describe("the hit endpoint the served script posts to", () => {
  const ours = "https://collect.example";
  const endpoint = (base?: string) =>
    hitEndpoint(new Headers(base === undefined ? {} : { "x-client-base": base }), ours, "/e");

  it("is the proxy's path on the page's own origin when a proxy names it", () => {
    expect(endpoint("/_t")).toBe("/_t/e");
    expect(endpoint("/_t/")).toBe("/_t/e");
    expect(endpoint("/assets/a-1.b~c")).toBe("/assets/a-1.b~c/e");
  });

  it("is our own origin otherwise, and never another host", () => {
    for (const base of [
      undefined,
      "",
      "/",
      "//evil.example",
      "https://evil.example/_t",
      "_t",
      "/_t//x",
      "/a b",
      "/%2f",
    ]) {
      expect(endpoint(base), String(base)).toBe(`${ours}/e`);
    }
  });
});
