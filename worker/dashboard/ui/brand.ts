import { brandColors } from "../../insights/brand/colors";
import type { Brand } from "../../insights/brand/queries";

/** The partner's colours as CSS custom properties, readable whatever colours it picked (`brandColors`). */
export function brandCss(brand: Brand | null): string {
  const { brand: primary, onBrand, brandInk, accent } = brandColors(brand);
  return `:root{--brand:${primary};--on-brand:${onBrand};--brand-ink:${brandInk};--accent:${accent}}`;
}

/** Up to two initials, shown when the partner has no logo. */
export const monogram = (name: string) =>
  name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((word) => word.charAt(0).toUpperCase())
    .join("");
