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
export const isFreeGlobalName = (name: string) => !RESERVED_NAMES.has(name) && !WINDOW_NAMES.has(name);

/**
 * Global name of the script's command queue on client sites (`window[globalName]`): an identifier
 * that is not a property of a fresh browser's window, nor a reserved word or a common library's global.
 * Plain rules, so the settings the edge reads are checked without zod (worker/core-config.ts); the APIs
 * build their schema from them (worker/partners/schemas.ts `GlobalNameSchema`).
 */
export const GLOBAL_NAME = /^[A-Za-z_$][A-Za-z0-9_$]{0,31}$/;
export const GLOBAL_NAME_RULE = "must be a JavaScript identifier of at most 32 characters";
export const FREE_GLOBAL_NAME_RULE = "is a keyword, a property of the browser's window or a global pages already use";

/** What is wrong with a global name, or null when it is one. */
export function globalNameProblem(name: string): string | null {
  if (!GLOBAL_NAME.test(name)) return GLOBAL_NAME_RULE;
  return isFreeGlobalName(name) ? null : FREE_GLOBAL_NAME_RULE;
}
