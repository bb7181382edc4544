import type { Client } from 'graphql-ws';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { graphql } from './api/graphql.ts';

export interface Session {
  credential: string;
  /** The session's one graphql-ws client, shared by every live view. */
  live: Client;
  signOut(): void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session & { request<T>(query: string, variables?: Record<string, unknown>): Promise<T> } {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return { ...session, request: (query, variables) => graphql(session.credential, query, variables) };
}
