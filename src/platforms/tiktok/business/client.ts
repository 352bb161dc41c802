/**
 * `GET /open_api/v1.3/business/get/` over the connector HTTP kit: header `Access-Token` (the bare token, no
 * `Bearer`), `business_id` = the `open_id` of the token answer, `fields` a JSON array in the query string,
 * `start_date`/`end_date` (`YYYY-MM-DD`, inclusive) for the daily `metrics`
 * (https://business-api.tiktok.com/portal/docs?id=1762228399168514). A read: transient failures are retried in the kit.
 */
import { joinUrl, type ConnectorHttp } from '../../http';
import type { CallUsage } from '../../types';
import { BUSINESS_PATHS, BusinessGetResponse, type BusinessAccount } from './schemas';

export const BUSINESS_ENDPOINTS = { businessGet: `GET ${BUSINESS_PATHS.businessGet}` } as const;

/** Rate-limit bucket: TikTok limits each Accounts API endpoint per authorized account (40 per minute). */
export const BUSINESS_BUCKETS = { businessGet: 'business/get' } as const;

export interface BusinessGetRequest {
  businessId: string;
  fields: readonly string[];
  startDate?: string;
  endDate?: string;
  usage?: CallUsage;
}

export class TikTokBusinessClient {
  constructor(private readonly opts: { apiUrl: string; http: ConnectorHttp }) {}

  async businessGet(accessToken: string, req: BusinessGetRequest): Promise<BusinessAccount> {
    const res = await this.opts.http.request({
      method: 'GET',
      url: joinUrl(this.opts.apiUrl, BUSINESS_PATHS.businessGet),
      endpoint: BUSINESS_ENDPOINTS.businessGet,
      params: {
        business_id: req.businessId,
        fields: JSON.stringify(req.fields),
        start_date: req.startDate,
        end_date: req.endDate,
      },
      headers: { 'Access-Token': accessToken },
      schema: BusinessGetResponse,
      bucket: BUSINESS_BUCKETS.businessGet,
      usage: req.usage,
      idempotent: true,
    });
    return res.data;
  }
}
