export interface Device {
  type: "desktop" | "mobile" | "tablet";
  browser: string | null;
  os: string | null;
}

const BROWSERS: [RegExp, string][] = [
  [/edg(e|a|ios)?\//i, "Edge"],
  [/opr\/|opera/i, "Opera"],
  [/samsungbrowser/i, "Samsung Internet"],
  [/firefox|fxios/i, "Firefox"],
  [/chrome|crios|chromium/i, "Chrome"],
  [/safari/i, "Safari"],
];

const SYSTEMS: [RegExp, string][] = [
  [/windows/i, "Windows"],
  [/iphone|ipad|ipod/i, "iOS"],
  [/android/i, "Android"],
  [/mac os x|macintosh/i, "macOS"],
  [/cros/i, "ChromeOS"],
  [/linux/i, "Linux"],
];

/** Coarse device facts from the user agent and the viewport width the pixel reports. */
export function parseDevice(userAgent: string | null, viewportWidth: number | undefined): Device {
  const ua = userAgent ?? "";
  const pick = (table: [RegExp, string][]) => table.find(([re]) => re.test(ua))?.[1] ?? null;
  let type: Device["type"] = "desktop";
  if (/ipad|tablet/i.test(ua) || (/android/i.test(ua) && !/mobile/i.test(ua))) type = "tablet";
  else if (/mobi|iphone|ipod/i.test(ua)) type = "mobile";
  else if (viewportWidth !== undefined && viewportWidth > 0 && viewportWidth < 768) type = "mobile";
  return { type, browser: pick(BROWSERS), os: pick(SYSTEMS) };
}
