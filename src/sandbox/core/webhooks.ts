/**
 * Outgoing webhooks of a sandbox platform: subscribers, signed deliveries, and a record of every attempt
 * (the platforms deliver at least once and retry failures, so the record keeps undelivered bodies for redelivery).
 */
/** Headers of one attempt; a function when they depend on the moment of sending (TikTok signs a timestamp). */
export type WebhookHeaders = Record<string, string> | (() => Record<string, string>);

export interface WebhookDelivery {
  id: number;
  url: string;
  body: string;
  /** Headers of the latest attempt. */
  headers: Record<string, string>;
  status?: number;
  error?: string;
  attempts: number;
}

export class WebhookOutbox {
  private readonly subscribers = new Set<string>();
  private readonly deliveries: WebhookDelivery[] = [];
  private readonly signers = new Map<number, () => Record<string, string>>();
  private nextId = 1;

  subscribe(url: string): void {
    this.subscribers.add(url);
  }

  unsubscribe(url: string): void {
    this.subscribers.delete(url);
  }

  subscriptions(): string[] {
    return [...this.subscribers];
  }

  /** Sends one signed body to every subscriber; resolves when each answered (or failed). */
  async send(body: string, headers: WebhookHeaders): Promise<WebhookDelivery[]> {
    return Promise.all([...this.subscribers].map((url) => this.deliver(url, body, headers)));
  }

  /** Sends one signed body to one URL, whoever is subscribed (platforms that route per subscription, like X). */
  deliver(url: string, body: string, headers: WebhookHeaders): Promise<WebhookDelivery> {
    const sign = typeof headers === 'function' ? headers : () => headers;
    const delivery: WebhookDelivery = { id: this.nextId++, url, body, headers: {}, attempts: 0 };
    this.signers.set(delivery.id, sign);
    this.deliveries.push(delivery);
    return this.attempt(delivery);
  }

  /** Retries every delivery that did not get a 2xx (the platforms' retry schedule, on demand). */
  async redeliverFailed(): Promise<WebhookDelivery[]> {
    const failed = this.deliveries.filter((d) => d.status === undefined || d.status < 200 || d.status >= 300);
    return Promise.all(failed.map((d) => this.attempt(d)));
  }

  log(): WebhookDelivery[] {
    return [...this.deliveries];
  }

  private async attempt(delivery: WebhookDelivery): Promise<WebhookDelivery> {
    delivery.attempts += 1;
    // Signed afresh for every attempt, as the platforms do when they retry.
    delivery.headers = this.signers.get(delivery.id)!();
    try {
      const res = await fetch(delivery.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...delivery.headers },
        body: delivery.body,
        signal: AbortSignal.timeout(10_000),
      });
      delivery.status = res.status;
      delivery.error = undefined;
      await res.arrayBuffer();
    } catch (err) {
      delivery.status = undefined;
      delivery.error = (err as Error).message;
    }
    return delivery;
  }
}
