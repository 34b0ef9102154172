import { z } from "zod";
import { WINDOW_NAMES } from "./window-names";

/**
 * Names the script may not take besides the window's own (WINDOW_NAMES): JavaScript's reserved
 * words, and globals that common libraries and tag managers put on pages.
 */
const RESERVED_NAMES = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if implements import in instanceof interface let new null package private protected public return " +
    "static super switch this throw true try typeof var void while with yield await arguments eval undefined NaN " +
    "Infinity $ _ jQuery React ReactDOM Vue angular ng dataLayer gtag ga fbq _gaq _paq Shopify wp"
  ).split(" "),
);

/** True for a name `window[name] = …` may take on any client's page. */
const isFreeGlobalName = (name: string) => !RESERVED_NAMES.has(name) && !WINDOW_NAMES.has(name);

/**
 * Global name of the script's command queue on client sites (`window[globalName]`): an identifier
 * that is not a property of a fresh browser's window, nor a reserved word or a common library's global.
 * A function, so each caller builds its own schema: zod gives a schema `.openapi()` only when it
 * is made after @hono/zod-openapi extended zod, and the configuration is parsed without it.
 */
export const globalName = () =>
  z
    .string()
    .regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,31}$/, "must be a JavaScript identifier of at most 32 characters")
    .refine(isFreeGlobalName, "is a keyword, a property of the browser's window or a global pages already use");
