/** The partner API's tag for sign-in links and sessions (three resource folders share it). */
export const DASHBOARDS_TAG = {
  name: "Dashboards",
  description: "Sign-in links to a client's dashboard and to the partner's console, and their sessions.",
};
