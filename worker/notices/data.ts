/** What each notice records when it is queued (`email_notices.data`); the rest is read when it is sent. */
export interface Balance {
  periodStart: string;
  creditsUsed: number;
  creditsAvailable: number;
  creditsAllocated: number;
}

export interface NoticeData {
  credits_exhausted: Balance;
  credits_low: Balance & { thresholdPercent: number };
  /** No visitor id is kept (an erasure must not leave one behind): the company is looked up when it is sent. */
  first_visitor_identified: { company: boolean; at: string };
  subscription_activated: { reactivated: boolean };
  subscription_canceled: Record<string, never>;
  payment_failed: Record<string, never>;
  renewal_receipt: {
    periodStart: string;
    periodEnd: string;
    allocation: number;
    consumed: number;
    adjusted: number;
    expired: number;
  };
}
