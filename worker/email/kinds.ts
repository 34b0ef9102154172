import type { MailKind } from "../../shared/email";

/** How each kind of mail is named to the person who gets it (the unsubscribe page: "… no longer get <this>"). */
export const MAIL_KIND_LABELS: Record<MailKind, string> = {
  credits_exhausted: "notices when credits run out",
  credits_low: "notices when credits run low",
  first_visitor_identified: "the notice of the first identified visitor",
  subscription_activated: "notices when an account is activated",
  subscription_canceled: "notices when an account is canceled",
  payment_failed: "notices of failed payments",
  renewal_receipt: "receipts at the end of each billing period",
  dashboard_link: "sign-in links to the dashboard",
  sender_test: "test e-mails",
  alert: "alerts about identified visitors",
  digest: "digests of identified visitors",
};
