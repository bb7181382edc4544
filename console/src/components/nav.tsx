import { VIEWS } from '../route.ts';
import { useSession } from '../session-context.ts';

/** The header: the views, GraphiQL (served by the hub itself) and signing out. */
export function Nav({ current }: { current: string }) {
  const { signOut } = useSession();
  return (
    <header class="top">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <strong class="brand">Event hub</strong>
      <nav aria-label="Views">
        <ul>
          {VIEWS.map((view) => (
            <li key={view.id}>
              <a href={`#/${view.id}`} aria-current={current === view.id ? 'page' : undefined}>
                {view.label}
              </a>
            </li>
          ))}
          <li>
            <a href="/graphql" target="_blank" rel="noopener">
              GraphiQL
            </a>
          </li>
        </ul>
      </nav>
      <button type="button" class="secondary" onClick={signOut}>
        Sign out
      </button>
    </header>
  );
}
