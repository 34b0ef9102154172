import type { DashboardContext } from "../context";
import type { Frame } from "../ui/layout";

/** `/o/{organizationId}` below the dashboard's base: the root of a client's pages. */
export const clientRoot = (c: DashboardContext) => `${c.get("base")}/o/${c.get("organization").id}`;

export type ClientPage = "overview" | "companies" | "exclusions";

/** Navigation, sign-out and the organization's name, for every client page. */
export function clientFrame(c: DashboardContext, title: string, current: ClientPage | null): Frame {
  const root = clientRoot(c);
  const session = c.get("session");
  const items: [ClientPage, string, string][] = [
    ["overview", "Overview", root],
    ["companies", "Companies", `${root}/companies`],
  ];
  if (session.role === "admin") items.push(["exclusions", "Exclusions", `${root}/exclusions`]);
  return {
    title,
    context: c.get("organization").name,
    nav: items.map(([page, label, href]) => ({ label, href, current: page === current })),
    signOut: { action: `${root}/sign-out`, csrf: c.get("csrf") },
    notice: session.openedBy ? (
      <>
        You are viewing {c.get("organization").name}'s dashboard as {session.openedBy}, from the console.
      </>
    ) : undefined,
  };
}
