export { createSubscriptionHub, type SubscriptionHub, type SubscriptionHubOptions } from './subscription-hub.ts';
export type { DirectDelivery, SubscribeRequest } from './live-subscription.ts';
export { connectionOverflow, slowConsumer } from './slow-consumer.ts';
export { createConnectionBudget, type ConnectionBudget } from './connection-budget.ts';
export { createSubscriptionIndex, type SubscriptionIndex } from './subscription-index.ts';
