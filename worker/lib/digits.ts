/**
 * An integer with its thousands grouped as in en-US ("1,000"), without `Intl`: its first use in
 * an isolate initialises ICU, which costs a cold start more than ten milliseconds.
 */
export const groupDigits = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
