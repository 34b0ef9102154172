import { FetchInterceptor } from "@mswjs/interceptors/fetch";
import { defineNetwork, InterceptorSource } from "msw/experimental";
import { afterAll, afterEach, beforeAll } from "vitest";

/**
 * Outbound fetches of the Worker (which runs in this same isolate as the tests) go through
 * MSW: what `@msw/cloudflare`'s `setupNetwork()` does for HTTP, built from msw's own pieces
 * since that package is not on the npm registry. Unhandled requests fail the test instead of
 * leaving the machine. Call once at the top of a test file.
 */
export function interceptNetwork() {
  const network = defineNetwork({
    sources: [new InterceptorSource({ interceptors: [new FetchInterceptor()] })],
    onUnhandledFrame: "error",
    context: { quiet: true },
  });
  beforeAll(() => network.enable());
  afterEach(() => network.resetHandlers());
  afterAll(() => network.disable());
  return network;
}
