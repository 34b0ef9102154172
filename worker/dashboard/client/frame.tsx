import type { DashboardContext } from "../context";
import type { Frame } from "../ui/layout";

/** `/o/{organizationId}` below the dashboard's base: the root of a client's pages. */
export const clientRoot = (c: DashboardContext) => `${c.get("base")}/o/${c.get("organization").id}`;

export type ClientPage = "overview" | "companies" | "notifications" | "exclusions";

/** A saved view: the company feed with a segment's filter. */
export const viewHref = (c: DashboardContext, viewId: string) =>
  `${clientRoot(c)}/companies?${new URLSearchParams({ view: viewId })}`;

/**
 * Navigation, sign-out and the organization's name, for every client page. The saved views are
 * listed under Companies; `current` is a page or the id of the view shown.
 */
export function clientFrame(c: DashboardContext, title: string, current: ClientPage | { view: string } | null): Frame {
  const root = clientRoot(c);
  const session = c.get("session");
  const items: [ClientPage, string, string][] = [
    ["overview", "Overview", root],
    ["companies", "Companies", `${root}/companies`],
  ];
  const views = c.get("savedViews");
  const nav: Frame["nav"] = items.map(([page, label, href]) => ({ label, href, current: page === current }));
  if (views.length > 0) {
    nav.push({
      label: `Saved views (${views.length})`,
      items: views.map((v) => ({
        label: v.name,
        href: viewHref(c, v.id),
        current: typeof current === "object" && current?.view === v.id,
      })),
    });
  }
  if (session.role === "admin") {
    nav.push({ label: "Notifications", href: `${root}/notifications`, current: current === "notifications" });
    nav.push({ label: "Exclusions", href: `${root}/exclusions`, current: current === "exclusions" });
  }
  return {
    title,
    context: c.get("organization").name,
    nav,
    signOut: { action: `${root}/sign-out`, csrf: c.get("csrf") },
    notice: session.openedBy ? (
      <>
        You are viewing {c.get("organization").name}'s dashboard as {session.openedBy}, from the console.
      </>
    ) : undefined,
  };
}
