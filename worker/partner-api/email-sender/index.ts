import { resource } from "../../http/routes";
import { EMAILS_TAG } from "../email-preferences";
import { testEmailSender } from "./send-test";
import { emailSender } from "./sender";

/** `/partner/email-sender…`: who the partner's e-mails come from, and a test send (all need `admin`). */
export const emailSenderRoutes = resource(EMAILS_TAG, { emailSender, testEmailSender });
