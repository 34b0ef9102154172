/**
 * The dashboard's one stylesheet and one script (docs/dashboard.md, "Weight"): hand-written files in
 * assets/ui/, served by Workers Static Assets on every host before the Worker runs, revalidated by ETag.
 * Every page works without the script.
 */
export const STYLESHEET_URL = "/ui/app.css";
export const SCRIPT_URL = "/ui/app.js";
