/** User agents of crawlers, monitors, headless browsers and HTTP libraries. */
const BOT_UA =
  /bot\b|bot\/|crawl|spider|slurp|scrape|headless|phantomjs|puppeteer|playwright|selenium|webdriver|lighthouse|pagespeed|pingdom|uptime|monitor|preview|facebookexternalhit|embedly|quora link|whatsapp|curl\/|wget|python-|python\/|go-http|java\/|okhttp|httpclient|axios|node-fetch|undici|libwww|postman/i;

/**
 * Bot traffic is stored (so partners can see what was filtered) but never charged.
 * `automationFlag` is the pixel's report of `navigator.webdriver`.
 */
export function isBot(userAgent: string | null, automationFlag: boolean): boolean {
  if (automationFlag) return true;
  if (!userAgent || userAgent.length < 10) return true;
  return BOT_UA.test(userAgent);
}
