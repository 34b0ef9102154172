import { describe, expect, it } from "vitest";
import type { Alert } from "../../worker/alerts/schemas";
import {
  createInput,
  isInput,
  readAlertForm,
  refusalOf,
  updateInput,
} from "../../worker/dashboard/client/notifications/alert-input";
import { ApiError } from "../../worker/lib/errors";

/** What the Notifications page's alert form posts, read into the partner API's alert body, and its problems placed back at the fields. */

const channel = (id: string, type: "slack" | "teams" = "slack") => ({
  id,
  type,
  hint: `hooks.example …${id.slice(-4)}`,
  recipients: null,
  disabledReason: null,
  disabledAt: null,
});

const alert: Alert = {
  id: "alr_1",
  organizationId: "org_1",
  name: "Pricing",
  trigger: "page_viewed",
  segmentId: null,
  pages: ["/pricing*"],
  returnAfterDays: null,
  cooldownHours: 24,
  channels: [channel("chn_a"), channel("chn_b", "teams"), channel("chn_c")],
  enabled: true,
  createdAt: "2026-12-01T00:00:00Z",
  updatedAt: "2026-12-01T00:00:00Z",
};

describe("the alert form", () => {
  it("keeps, replaces, removes and adds channels in order, and places the domain's problem at the field it came from", () => {
    const read = readAlertForm(
      {
        name: " Returning ",
        trigger: "returned",
        pages: "/pricing*",
        returnAfterDays: "14",
        cooldownHours: "6",
        segmentId: "",
        "url-chn_c": "https://hooks.example/c2",
        "remove-chn_b": "on",
        newType: "teams",
        "new-url": "https://hooks.example/new",
      },
      alert.channels,
    );
    const input = updateInput(read, alert);
    if (!isInput(input)) throw new Error(JSON.stringify(input));
    expect(input.body).toEqual({
      name: "Returning",
      trigger: "returned",
      segmentId: null,
      pages: null,
      returnAfterDays: 14,
      cooldownHours: 6,
      channels: [
        { type: "slack", id: "chn_a" },
        { type: "slack", id: "chn_c", webhookUrl: "https://hooks.example/c2" },
        { type: "teams", webhookUrl: "https://hooks.example/new" },
      ],
    });
    // Channel 2 of the body is the new one, though it is the form's fourth channel.
    const refused = new ApiError("BadRequest", "Invalid alert", [
      { field: "channels.1.webhookUrl", message: "must be an https URL" },
      { field: "channels.2.webhookUrl", message: "must point to a public host: x resolves to 10.0.0.1" },
      { field: "segmentId", message: "is not a segment of this organization" },
    ]);
    expect(refusalOf(refused, input.channelFields)).toEqual({
      status: 400,
      problems: {
        "url-chn_c": "The webhook URL must be an https URL.",
        "new-url": "The webhook URL must point to a public host: x resolves to 10.0.0.1.",
        segment: "That saved view does not exist any more: choose another.",
      },
    });
  });

  it("asks only for what the chosen trigger needs, and says what is wrong in the person's words", () => {
    const problems = createInput(
      readAlertForm(
        { name: "", trigger: "page_viewed", pages: "/ok pricing", returnAfterDays: "x", cooldownHours: "721" },
        [],
      ),
    );
    expect(problems).toEqual({
      name: "Give the alert a name.",
      pages: "“pricing” is not a page: pages start with / and may end with * for every page below (/pricing*).",
      cooldown: "Hours must be a whole number from 1 to 720.",
      "new-url": "Add a channel: paste its webhook URL.",
    });
    const identified = createInput(
      readAlertForm(
        {
          name: "New",
          trigger: "identified",
          pages: "junk",
          returnAfterDays: "junk",
          cooldownHours: "24",
          "new-url": "https://h.example/x",
        },
        [],
      ),
    );
    expect(isInput(identified) && identified.body).toEqual({
      name: "New",
      trigger: "identified",
      cooldownHours: 24,
      channels: [{ type: "slack", webhookUrl: "https://h.example/x" }],
      enabled: false,
    });
    expect(createInput(readAlertForm({ name: "x", trigger: "sometimes", cooldownHours: "1" }, []))).toMatchObject({
      trigger: "Choose when the alert is sent.",
    });
  });
});
