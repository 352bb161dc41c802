import { SubscriptionCreateResponse, createdSubscription } from './activity-schemas';
import { webhookFailureReason } from './webhooks-api';

const subscription = {
  subscription_id: '1976325569252868096',
  event_type: 'profile.update.bio',
  filter: { user_id: '123456789' },
  created_at: '2025-10-09T16:35:08.000Z',
  updated_at: '2025-10-09T16:35:08.000Z',
  tag: 'my bio updates',
  webhook_id: '1976325569252868099',
};

describe('POST /2/activity/subscriptions answer', () => {
  it('reads both documented shapes: data.subscription (OpenAPI) and flat data (quickstart)', () => {
    expect(createdSubscription(SubscriptionCreateResponse.parse({ data: { subscription } }))).toEqual(
      subscription,
    );
    expect(
      createdSubscription(
        SubscriptionCreateResponse.parse({ data: subscription, meta: { total_subscriptions: 1 } }),
      ),
    ).toEqual(subscription);
  });

  it('refuses an answer without a numeric subscription id', () => {
    expect(
      SubscriptionCreateResponse.safeParse({ data: { ...subscription, subscription_id: 'x/y' } }).success,
    ).toBe(false);
  });
});

describe('webhookFailureReason', () => {
  it('finds the documented reason wherever the body carries it', () => {
    expect(webhookFailureReason({ errors: [{ message: 'DuplicateUrlFailed' }] })).toBe('DuplicateUrlFailed');
    expect(webhookFailureReason({ title: 'Invalid Request', detail: 'CrcValidationFailed: no answer' })).toBe(
      'CrcValidationFailed',
    );
    expect(webhookFailureReason({ errors: [{ detail: 'WebhookIdInvalid' }] })).toBe('WebhookIdInvalid');
    expect(webhookFailureReason({ errors: [{ message: 'Something else went wrong' }] })).toBeUndefined();
    expect(webhookFailureReason('not an object')).toBeUndefined();
  });
});
