import type { Client } from 'graphql-ws';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { createLiveClient } from './api/live.ts';
import { Nav } from './components/nav.tsx';
import { SignIn } from './components/sign-in.tsx';
import { useRoute } from './route.ts';
import { SessionContext, type Session } from './session-context.ts';
import { forgetCredential, loadCredential } from './session.ts';
import { DeadLettersView } from './views/dead-letters-view.tsx';
import { EventView } from './views/event-view.tsx';
import { HandlersView } from './views/handlers-view.tsx';
import { LiveView } from './views/live-view.tsx';
import { ReplaysView } from './views/replays-view.tsx';
import { SearchView } from './views/search-view.tsx';

export function App() {
  const [credential, setCredential] = useState(loadCredential);
  const live = useMemo<Client | null>(() => (credential ? createLiveClient(credential) : null), [credential]);
  useEffect(() => () => void live?.dispose(), [live]);
  if (!credential || !live) return <SignIn onSignedIn={setCredential} />;
  const session: Session = {
    credential,
    live,
    signOut: () => {
      forgetCredential();
      setCredential(null);
    },
  };
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

function Shell() {
  const route = useRoute();
  return (
    <>
      <Nav current={route.view} />
      <main id="main">{viewOf(route.view, route.id)}</main>
    </>
  );
}

function viewOf(view: string, id: string | undefined) {
  switch (view) {
    case 'search':
      return <SearchView />;
    case 'event':
      return id ? <EventView id={id} /> : <p>No event id in the address.</p>;
    case 'dead-letters':
      return <DeadLettersView />;
    case 'replays':
      return <ReplaysView />;
    case 'handlers':
      return <HandlersView />;
    default:
      return <LiveView />;
  }
}
