import { useState } from 'preact/hooks';
import { describeError, graphql } from '../api/graphql.ts';
import { CHECK_ACCESS } from '../api/queries.ts';
import { saveCredential } from '../session.ts';

/** Asks for an API key or a JWT, checks it with one query, and keeps it for this tab only. */
export function SignIn({ onSignedIn }: { onSignedIn(credential: string): void }) {
  const [credential, setCredential] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await graphql(credential.trim(), CHECK_ACCESS);
      saveCredential(credential.trim());
      onSignedIn(credential.trim());
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setBusy(false);
    }
  }
  return (
    <main class="sign-in">
      <h1>Event hub console</h1>
      <form onSubmit={submit}>
        <label for="credential">API key or JWT</label>
        <input
          id="credential"
          type="password"
          autocomplete="off"
          required
          value={credential}
          onInput={(e) => setCredential(e.currentTarget.value)}
        />
        <p class="hint">
          Kept in this browser tab only (sessionStorage); it needs the <code>query</code> scope, and{' '}
          <code>subscribe</code> or <code>replay</code> for those views.
        </p>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
      </form>
    </main>
  );
}
