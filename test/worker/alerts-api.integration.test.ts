import { describe, expect, it } from "vitest";
import { MAX_ALERTS_PER_ORGANIZATION } from "../../worker/alerts/schemas";
import { receiverBucket } from "../fixtures/receiver";
import { expectEnvelope } from "./support/api";
import { newOrganization, tenantOfOrganization } from "./support/partners";
import { chatChannel, createAlert, deliveriesOf, saveSegment } from "./support/alerts";

/** The alert rules of the partner API: validation, secrets, the test send and the delivery log. */

type Problem = { field: string; message: string };
const fieldsOf = (res: { body: { details: Problem[] } }) => res.body.details.map((d) => d.field).sort();

describe("alert rules through the partner API", () => {
  it("create, list, get, change and delete an alert, each change in the audit log", { timeout: 30_000 }, async () => {
    const owner = await newOrganization();
    const path = `/organizations/${owner.organization.id}/alerts`;
    const slack = chatChannel();
    const created = await owner.api("POST", path, {
      name: "Pricing",
      trigger: "page_viewed",
      pages: ["/pricing*", "/demo"],
      channels: [slack.channel],
    });
    expect(created.status, created.text).toBe(201);
    const alert = created.body.alert;
    expect(alert).toMatchObject({
      id: expect.stringMatching(/^alr_/),
      organizationId: owner.organization.id,
      name: "Pricing",
      trigger: "page_viewed",
      segmentId: null,
      pages: ["/pricing*", "/demo"],
      returnAfterDays: null,
      cooldownHours: 24,
      enabled: true,
      channels: [{ id: expect.stringMatching(/^chn_/), type: "slack", disabledReason: null, disabledAt: null }],
    });
    expect((await owner.api("GET", path)).body).toEqual({ alerts: [alert], total: 1, page: 1, pageSize: 20 });
    expect((await owner.api("GET", `${path}/${alert.id}`)).body).toEqual({ alert });

    // Another trigger drops the old one's pages; a channel is kept by its id, another added.
    const teams = chatChannel("teams");
    const changed = await owner.api("PUT", `${path}/${alert.id}`, {
      trigger: "returned",
      channels: [teams.channel, { type: "slack", id: alert.channels[0].id }],
    });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body.alert).toMatchObject({ trigger: "returned", pages: null, returnAfterDays: 7, name: "Pricing" });
    expect(changed.body.alert.channels.map((c: { type: string }) => c.type)).toEqual(["teams", "slack"]);
    expect(changed.body.alert.channels[1]).toEqual(alert.channels[0]);

    expect((await owner.api("DELETE", `${path}/${alert.id}`)).status).toBe(204);
    expectEnvelope(await owner.api("GET", `${path}/${alert.id}`), 404, "NotFound");
    const log = await owner.api("GET", `/audit-log?organizationId=${owner.organization.id}`);
    expect(log.body.entries.map((e: { action: string }) => e.action)).toEqual([
      "alert.deleted",
      "alert.updated",
      "alert.created",
    ]);
    expect(log.body.entries[2].details).toEqual({ alertId: alert.id, name: "Pricing" });
  });

  it("names every bad field in a 400: pages, returnAfterDays, segment, channels", { timeout: 30_000 }, async () => {
    const owner = await newOrganization();
    const path = `/organizations/${owner.organization.id}/alerts`;
    const ok = chatChannel().channel;
    const noPages = await owner.api("POST", path, { name: "x", trigger: "page_viewed", channels: [ok] });
    expectEnvelope(noPages, 400, "BadRequest");
    expect(noPages.body.details).toEqual([{ field: "pages", message: "is required for the page_viewed trigger" }]);

    const many = await owner.api("POST", path, {
      name: "x",
      trigger: "identified",
      pages: ["/pricing"],
      returnAfterDays: 3,
      segmentId: "seg_nothere",
      channels: [
        { type: "email" },
        { type: "slack" },
        { type: "slack", webhookUrl: "http://hooks.example.com/x" },
        { type: "teams", webhookUrl: "https://127.0.0.1/hook" },
        { type: "slack", id: "chn_unknown" },
      ],
    });
    expectEnvelope(many, 400, "BadRequest");
    expect(fieldsOf(many)).toEqual([
      "channels.0.recipients",
      "channels.1.webhookUrl",
      "channels.2.webhookUrl",
      "channels.3.webhookUrl",
      "channels.4.id",
      "pages",
      "returnAfterDays",
      "segmentId",
    ]);
    expect(many.body.details).toContainEqual({
      field: "channels.0.recipients",
      message: "is required for a new channel (or send the id of one of the alert's channels)",
    });

    const badPattern = await owner.api("POST", path, {
      name: "x",
      trigger: "page_viewed",
      pages: ["pricing*x"],
      channels: [ok],
      cooldown: 3,
    });
    expectEnvelope(badPattern, 400, "BadRequest");
    expect(fieldsOf(badPattern)).toEqual(["json", "pages.0"]);
    expect(badPattern.body.details.find((d: Problem) => d.field === "json").message).toContain("cooldown");
    const tooMany = await owner.api("POST", path, { name: "x", trigger: "identified", channels: Array(6).fill(ok) });
    expect(fieldsOf(tooMany)).toEqual(["channels"]);
    expect((await owner.api("GET", path)).body.total).toBe(0);
  });

  it(
    "refuses a channel host that resolves to a private address; 503 to try again when DNS cannot say",
    { timeout: 30_000 },
    async () => {
      const owner = await newOrganization();
      const path = `/organizations/${owner.organization.id}/alerts`;
      const inside = await owner.api("POST", path, {
        name: "x",
        trigger: "identified",
        channels: [{ type: "slack", webhookUrl: "https://10-0-0-1.ip.test/services/T/B/X" }],
      });
      expectEnvelope(inside, 400, "BadRequest");
      expect(inside.body.details).toEqual([
        {
          field: "channels.0.webhookUrl",
          message: "must point to a public host: 10-0-0-1.ip.test resolves to 10.0.0.1, which is not a public address",
        },
      ]);
      const unknown = await owner.api("POST", path, {
        name: "x",
        trigger: "identified",
        channels: [{ type: "teams", webhookUrl: "https://servfail.test/workflows/1" }],
      });
      expectEnvelope(unknown, 503, "ServiceUnavailable");
      expect((await owner.api("GET", path)).body.total).toBe(0);
    },
  );

  it("takes a segment of the organization, not another organization's", { timeout: 30_000 }, async () => {
    const owner = await newOrganization();
    const sibling = await owner.api("POST", "/organizations", { name: "Sibling", tier: "paid" });
    const theirs = await saveSegment({ api: owner.api, organization: sibling.body.organization }, { icpMatched: true });
    const ours = await saveSegment(owner, { icpMatched: true });
    const path = `/organizations/${owner.organization.id}/alerts`;
    const body = { name: "ICP", trigger: "identified", channels: [chatChannel().channel] };
    expect(fieldsOf(await owner.api("POST", path, { ...body, segmentId: theirs }))).toEqual(["segmentId"]);
    const created = await owner.api("POST", path, { ...body, segmentId: ours });
    expect(created.status, created.text).toBe(201);
    expect(created.body.alert.segmentId).toBe(ours);
  });

  it(`allows ${MAX_ALERTS_PER_ORGANIZATION} alerts per organization, then 422`, { timeout: 30_000 }, async () => {
    const owner = await newOrganization();
    const body = { name: "Rule", trigger: "identified", channels: [chatChannel().channel] };
    const answers = await Promise.all(
      Array.from({ length: MAX_ALERTS_PER_ORGANIZATION + 3 }, () =>
        owner.api("POST", `/organizations/${owner.organization.id}/alerts`, body),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(MAX_ALERTS_PER_ORGANIZATION);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused).toHaveLength(3);
    for (const res of refused) expectEnvelope(res, 422, "UnprocessableEntity");
  });
});

describe("alert channel secrets", () => {
  it(
    "are never answered, logged or stored in clear: only the host and the last four characters",
    { timeout: 30_000 },
    async () => {
      const owner = await newOrganization();
      const receiver = receiverBucket();
      const url = receiver.url("ok/T0001/B0002/sEcReTtOkEnXy9Z");
      const created = await owner.api("POST", `/organizations/${owner.organization.id}/alerts`, {
        name: "Secret",
        trigger: "identified",
        channels: [{ type: "slack", webhookUrl: url }],
      });
      expect(created.status, created.text).toBe(201);
      const id = created.body.alert.id;
      const path = `/organizations/${owner.organization.id}/alerts/${id}`;
      const answers = [
        created.text,
        (await owner.api("GET", path)).text,
        (await owner.api("GET", `/organizations/${owner.organization.id}/alerts`)).text,
        (await owner.api("PUT", path, { name: "Renamed" })).text,
        (await owner.api("GET", `/audit-log?organizationId=${owner.organization.id}`)).text,
        (await owner.api("GET", "/openapi.json")).text,
      ];
      for (const text of answers) expect(text).not.toContain("sEcReTtOkEn");
      expect(created.body.alert.channels[0].hint).toBe("receiver.test …Xy9Z");
      const { DB } = await tenantOfOrganization(owner.organization.id);
      const stored = await DB.prepare("SELECT target FROM alert_channels WHERE rule_id = ?").bind(id).first<{
        target: string;
      }>();
      expect(stored!.target).toMatch(/^sealed:v1:/);
      expect(stored!.target).not.toContain("sEcReT");
    },
  );
});

describe("test sends and the delivery log", () => {
  it("the test send answers each channel's outcome and logs it", { timeout: 30_000 }, async () => {
    const owner = await newOrganization();
    const working = chatChannel();
    const broken = chatChannel("teams", "status/500");
    const alert = await createAlert(owner, {
      name: "Two channels",
      trigger: "identified",
      channels: [working.channel, broken.channel],
    });
    const res = await owner.api("POST", `/organizations/${owner.organization.id}/alerts/${alert.id}/test`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.deliveries).toMatchObject([
      {
        channel: { id: alert.channels[0]!.id, type: "slack" },
        status: "sent",
        statusCode: 200,
        error: null,
        test: true,
      },
      { channel: { id: alert.channels[1]!.id, type: "teams" }, status: "failed", statusCode: 500, error: "HTTP 500" },
    ]);
    const [sample] = await working.receiver.waitFor(1);
    const message = JSON.parse(sample!.body);
    expect(message.blocks[0].text.text).toBe("Example Company (test)");
    expect(message.text).toContain("Test of alert");
    expect((await deliveriesOf(owner, alert.id)).map((d) => d.test)).toEqual([true, true]);
    // A test never disables a channel.
    const after = await owner.api("GET", `/organizations/${owner.organization.id}/alerts/${alert.id}`);
    expect(after.body.alert.channels.map((c: { disabledReason: unknown }) => c.disabledReason)).toEqual([null, null]);
  });

  it("pages the log by cursor, newest first, every delivery once", { timeout: 30_000 }, async () => {
    const owner = await newOrganization();
    const alert = await createAlert(owner, {
      name: "Busy",
      trigger: "identified",
      channels: [chatChannel().channel, chatChannel().channel],
    });
    const base = `/organizations/${owner.organization.id}/alerts/${alert.id}`;
    for (let i = 0; i < 3; i++) expect((await owner.api("POST", `${base}/test`)).status).toBe(200);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { deliveries: { id: string }[]; total: number; nextCursor: string | null } } =
        await owner.api("GET", `${base}/deliveries?pageSize=4${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.body.total).toBe(6);
      seen.push(...page.body.deliveries.map((d) => d.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
    const all = (await owner.api("GET", `${base}/deliveries?pageSize=100`)).body.deliveries;
    expect(all.map((d: { id: string }) => d.id)).toEqual(seen);
    expectEnvelope(await owner.api("GET", `${base}/deliveries?cursor=nonsense`), 400, "BadRequest");
  });
});
