import { describe, expect, it } from "vitest";
import { rangeKey } from "../../worker/identify/ip-ranges";
import { parseCidr, parseIp, toHex } from "../../worker/lib/ip";

describe("IP addresses and CIDR ranges", () => {
  it("maps IPv4 into IPv6 so both share one table", () => {
    expect(toHex(parseIp("192.0.2.1")!)).toBe("00000000000000000000ffffc0000201");
    expect(parseIp("::ffff:192.0.2.1")).toBe(parseIp("192.0.2.1"));
  });

  it("parses compressed and full IPv6 forms alike", () => {
    expect(parseIp("2001:db8::1")).toBe(parseIp("2001:0db8:0000:0000:0000:0000:0000:0001"));
    expect(parseIp("::1")).toBe(1n);
    expect(parseIp("::")).toBe(0n);
    expect(parseIp("fe80::1%eth0")).toBe(parseIp("fe80::1"));
  });

  it("rejects malformed addresses", () => {
    for (const bad of ["256.1.1.1", "1.2.3", "1.2.3.4.5", "2001:db8:::1", "1::2::3", "g::1", "", "1.2.3.04x"]) {
      expect(parseIp(bad), bad).toBeNull();
    }
  });

  it("clears host bits and canonicalises ranges", () => {
    expect(parseCidr("10.1.2.3/8")).toMatchObject({ prefix: 104, text: "10.0.0.0/8" });
    expect(parseCidr("2001:db8:aa:1::/48")).toMatchObject({ prefix: 48, text: "2001:db8:aa::/48" });
    expect(parseCidr("203.0.113.7")).toMatchObject({ prefix: 128, text: "203.0.113.7/32" });
    expect(parseCidr("0.0.0.0/0")).toMatchObject({ prefix: 96 });
  });

  it("rejects prefixes longer than the family allows", () => {
    expect(parseCidr("10.0.0.0/33")).toBeNull();
    expect(parseCidr("::/129")).toBeNull();
    expect(parseCidr("10.0.0.0/8/1")).toBeNull();
    expect(parseCidr("10.0.0.0/x")).toBeNull();
  });

  it("orders range keys by prefix length, so the longest prefix sorts last", () => {
    const wide = parseCidr("10.0.0.0/8")!;
    const narrow = parseCidr("10.0.0.0/24")!;
    expect(rangeKey(narrow.network, narrow.prefix) > rangeKey(wide.network, wide.prefix)).toBe(true);
  });
});
