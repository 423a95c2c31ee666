import { useState } from 'react';
import { normalizeToken } from './token.js';

export function TokenForm({ onToken }) {
  const [text, setText] = useState('');
  const token = normalizeToken(text);
  return (
    <main className="token-form">
      <h1>Calendar</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (token) onToken(token);
        }}
      >
        <label htmlFor="token">Bearer token</label>
        <p className="hint">
          Mint one, in the server&apos;s directory, with{' '}
          <code>.venv/bin/bookings-sessions token --role BOOKINGS_ADMIN</code> (a <code>BOOKINGS_STAFF</code>{' '}
          token reads but cannot save). It is kept in this tab only (session storage) until you sign out or
          close the tab.
        </p>
        <textarea
          id="token"
          name="token"
          rows={4}
          value={text}
          onChange={(event) => setText(event.target.value)}
          placeholder="eyJhbGciOi…"
          autoFocus
        />
        <button type="submit" disabled={!token}>
          Use token
        </button>
      </form>
    </main>
  );
}
