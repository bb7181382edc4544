import { useEffect, useState } from 'preact/hooks';

export const VIEWS = [
  { id: 'live', label: 'Live' },
  { id: 'search', label: 'Search' },
  { id: 'dead-letters', label: 'Dead letters' },
  { id: 'replays', label: 'Replays' },
  { id: 'handlers', label: 'Handlers' },
] as const;

export interface Route {
  view: string;
  /** The event id of `#/event/<id>`. */
  id?: string;
}

/** Hash routes (`#/live`, `#/event/<id>`): the hub serves one page, and a reload keeps the view. */
function parse(hash: string): Route {
  const [view = 'live', id] = hash.replace(/^#\/?/, '').split('/');
  return id ? { view: view || 'live', id: decodeURIComponent(id) } : { view: view || 'live' };
}

export const eventHref = (id: string) => `#/event/${encodeURIComponent(id)}`;

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parse(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
