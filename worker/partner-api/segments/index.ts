import { resource } from "../../http/routes";
import { createSegmentRoute } from "./create";
import { deleteSegmentRoute } from "./delete";
import { getSegmentRoute } from "./get";
import { listSegmentsRoute } from "./list";
import { updateSegmentRoute } from "./update";

/** `/organizations/{organizationId}/segments…`: saved filters of the identified visitors (lists, alerts, digests). */
export const segmentRoutes = resource(
  {
    name: "Segments",
    description:
      "Named filters of a sub-organization's identified visitors: its saved views, alerts and digests read them.",
  },
  {
    listSegments: listSegmentsRoute,
    createSegment: createSegmentRoute,
    getSegment: getSegmentRoute,
    updateSegment: updateSegmentRoute,
    deleteSegment: deleteSegmentRoute,
  },
);
