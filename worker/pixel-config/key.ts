/** Pixel keys are 12 random bytes in lowercase hex (`randomHex(12)` where pixels are created or rotated). */
const PIXEL_KEY = /^[0-9a-f]{24}$/;

/** True for a string that can be a pixel key; anything else is unknown without a lookup. */
export const isPixelKey = (value: string): boolean => PIXEL_KEY.test(value);
