import { SECRET_VARIABLES, loadConfig } from '../../config';
import { createTwitterConnector, registerTwitterWebhookFromEnv, twitterSettingsFromEnv } from './index';

const base = {
  TWITTER_CLIENT_ID: 'client-id',
  TWITTER_CLIENT_SECRET: 'client-secret',
  PUBLIC_BASE_URL: 'https://socialsync.example.com/',
};

describe('X webhook settings', () => {
  it('takes the consumer key and secret and builds the webhook URL from PUBLIC_BASE_URL', () => {
    const settings = twitterSettingsFromEnv(
      loadConfig({ ...base, TWITTER_CONSUMER_KEY: 'key', TWITTER_CONSUMER_SECRET: 'consumer-secret' }),
    );
    expect(settings).toMatchObject({
      consumerKey: 'key',
      consumerSecret: 'consumer-secret',
      webhookUrl: 'https://socialsync.example.com/webhooks/twitter',
    });
    const connector = createTwitterConnector(settings);
    expect(connector.subscriptions).toBeDefined();
    expect(connector.registerWebhook).toBeDefined();
  });

  it('without them: no subscription port, and the CLI step says what is missing', async () => {
    const env = loadConfig(base);
    expect(createTwitterConnector(twitterSettingsFromEnv(env)).subscriptions).toBeUndefined();
    await expect(registerTwitterWebhookFromEnv(env)).rejects.toThrow(
      'TWITTER_CONSUMER_KEY and TWITTER_CONSUMER_SECRET are required',
    );
  });

  it('lists the consumer secret among the values never printed', () => {
    expect(SECRET_VARIABLES.has('TWITTER_CONSUMER_SECRET')).toBe(true);
  });
});
