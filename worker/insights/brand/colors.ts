/**
 * The partner's colours, made readable whatever it picked (WCAG AA): the dashboard's pages and the
 * e-mails wear the same ones.
 */

/** Neutral colours for partners that set none (never the platform's own). */
const DEFAULT_PRIMARY = "#334155";
const DEFAULT_SECONDARY = "#0e7490";

const channels = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);

function luminance(hex: string): number {
  const [r = 0, g = 0, b = 0] = channels(hex).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [la, lb] = [luminance(a), luminance(b)];
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

const toHex = (values: number[]) =>
  `#${values
    .map((v) =>
      Math.round(Math.min(1, Math.max(0, v)) * 255)
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;

/** The colour darkened just enough to be read on white (WCAG AA, 4.5:1), for links and text. */
function readableOnWhite(hex: string): string {
  let value = hex;
  for (let k = 1; contrast(value, "#ffffff") < 4.5 && k <= 20; k++) {
    value = toHex(channels(hex).map((c) => c * (1 - k * 0.05)));
  }
  return value;
}

const valid = (color: string | null) => (color && /^#[0-9a-f]{6}$/i.test(color) ? color.toLowerCase() : null);

export interface BrandColors {
  /** The brand colour, as a background. */
  brand: string;
  /** Text on `brand`: black or white, whichever contrasts more. */
  onBrand: string;
  /** The brand colour darkened until it reads on white, for links and text. */
  brandInk: string;
  accent: string;
}

/** The colours of a brand (`Brand` of queries.ts, or anything with its two colours). */
export function brandColors(brand: { primaryColor: string | null; secondaryColor: string | null } | null): BrandColors {
  const primary = valid(brand?.primaryColor ?? null) ?? DEFAULT_PRIMARY;
  const secondary = valid(brand?.secondaryColor ?? null) ?? DEFAULT_SECONDARY;
  return {
    brand: primary,
    onBrand: contrast(primary, "#ffffff") >= contrast(primary, "#000000") ? "#ffffff" : "#000000",
    brandInk: readableOnWhite(primary),
    accent: secondary,
  };
}
