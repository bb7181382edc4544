import { useCallback, useEffect, useState } from 'preact/hooks';
import { describeError } from './api/graphql.ts';
import { useSession } from './session-context.ts';

export interface RequestState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload(): void;
}

/** Runs a query when its key changes (and on `reload`); the last answer wins. */
export function useRequest<T>(query: string, variables: Record<string, unknown> | null, key: string): RequestState<T> {
  const { request } = useSession();
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: variables !== null,
  });
  const [round, setRound] = useState(0);
  useEffect(() => {
    if (variables === null) return undefined;
    let current = true;
    setState((previous) => ({ ...previous, loading: true }));
    request<T>(query, variables).then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState({ data: null, error: describeError(error), loading: false }),
    );
    return () => {
      current = false;
    };
  }, [key, round]);
  return { ...state, reload: useCallback(() => setRound((n) => n + 1), []) };
}
