import { describe, expect, it } from "vitest";
import { hostAllowed, normalizeReferrerEntry, referrerAllowed } from "../../worker/pixel-config/referrers";

describe("allowed referrers", () => {
  it("allows every host when the list is empty", () => {
    expect(hostAllowed("anything.example", [])).toBe(true);
  });

  it("matches exact hosts case-insensitively, ignoring ports", () => {
    expect(hostAllowed("Example.com:8080", ["example.com"])).toBe(true);
    expect(hostAllowed("www.example.com", ["example.com"])).toBe(false);
  });

  it("matches every subdomain of a wildcard but not the apex or look-alikes", () => {
    expect(hostAllowed("a.b.example.org", ["*.example.org"])).toBe(true);
    expect(hostAllowed("example.org", ["*.example.org"])).toBe(false);
    expect(hostAllowed("badexample.org", ["*.example.org"])).toBe(false);
  });

  it("normalises entries given as URLs or with ports, and rejects non-hosts", () => {
    expect(normalizeReferrerEntry("HTTPS://Shop.Example.com:443/cart")).toBe("shop.example.com");
    expect(normalizeReferrerEntry("*.Example.org")).toBe("*.example.org");
    expect(normalizeReferrerEntry("localhost")).toBe("localhost");
    expect(normalizeReferrerEntry("bad host")).toBeNull();
    expect(normalizeReferrerEntry("*.")).toBeNull();
  });

  it("requires the page URL and the browser's Origin and Referer to all be allowed", () => {
    const headers = (h: Record<string, string>) => new Headers(h);
    const allowed = ["client.example"];
    expect(referrerAllowed("https://client.example/a", headers({ origin: "https://client.example" }), allowed)).toBe(
      true,
    );
    expect(referrerAllowed("https://client.example/a", headers({ origin: "https://evil.example" }), allowed)).toBe(
      false,
    );
    expect(referrerAllowed("https://client.example/a", headers({ referer: "https://evil.example/x" }), allowed)).toBe(
      false,
    );
    expect(referrerAllowed("https://evil.example/a", headers({}), allowed)).toBe(false);
  });

  it("M1: refuses Origin: null, a missing Origin and a referer-only request when referrers are listed", () => {
    const allowed = ["client.example"];
    const page = "https://client.example/a";
    expect(referrerAllowed(page, new Headers({ origin: "null" }), allowed)).toBe(false);
    expect(referrerAllowed(page, new Headers({}), allowed)).toBe(false);
    expect(referrerAllowed(page, new Headers({ referer: "https://client.example/a" }), allowed)).toBe(false);
    expect(referrerAllowed(page, new Headers({ origin: "null", referer: "https://client.example/" }), allowed)).toBe(
      false,
    );
    expect(
      referrerAllowed(
        page,
        new Headers({ origin: "https://client.example", referer: "https://client.example/" }),
        allowed,
      ),
    ).toBe(true);
    // An empty list still allows everything, with or without an origin.
    expect(referrerAllowed(page, new Headers({ origin: "null" }), [])).toBe(true);
  });
});
