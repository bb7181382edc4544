export { createSubscriptionHub, type SubscriptionHub, type SubscriptionHubOptions } from './subscription-hub.ts';
export { slowConsumer, type DirectDelivery, type SubscribeRequest } from './live-subscription.ts';
export { createSubscriptionIndex, type SubscriptionIndex } from './subscription-index.ts';
