import { tenantOfOrganization } from "./partners";

/** Page views of seeded visitors (`vis_…` ids), kept as the consumer keeps them: by visitor seq, one session each. */
export async function viewedPages(organizationId: string, views: [visitorId: string, paths: string[]][]) {
  const { DB } = await tenantOfOrganization(organizationId);
  await DB.batch(
    views.flatMap(([visitorId, paths]) =>
      paths.map((path, i) =>
        DB.prepare(
          `INSERT INTO page_views (visitor, session, key, at, path)
           SELECT seq, last_seen - 60, ?, ?, ? FROM visitors WHERE id = ?`,
        ).bind(crypto.randomUUID().slice(0, 8), i, path, visitorId.slice(4)),
      ),
    ),
  );
}
