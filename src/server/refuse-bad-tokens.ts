import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ErrorCode } from '../errors.ts';
import type { HubContext } from './context.ts';

/**
 * Answers an operation whose token was refused (expired, bad signature, ...)
 * with one UNAUTHENTICATED error saying why, instead of running it: a client
 * that presents a credential learns it is no good even for fields that need
 * none, and the reason (`token expired`) tells it to get a new token rather
 * than to check its scopes. Placed after the audit and logging plugins, whose
 * "done" hooks still see the refusal.
 */
export function refuseBadTokens(): Plugin<HubContext> {
  const refusal = (ctx: unknown) => {
    const reason = (ctx as HubContext).authRefusal;
    return reason === undefined
      ? null
      : { errors: [new GraphQLError(reason, { extensions: { code: ErrorCode.UNAUTHENTICATED } })] };
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const result = refusal(args.contextValue);
      if (result) setResultAndStopExecution(result);
    },
    onSubscribe: ({ args, setResultAndStopExecution }) => {
      const result = refusal(args.contextValue);
      if (result) setResultAndStopExecution(result);
    },
  };
}
