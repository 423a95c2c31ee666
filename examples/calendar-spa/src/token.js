// The bearer token is pasted once and kept in sessionStorage: it survives reloads of this tab but not
// the tab itself, and other tabs do not see it (each pastes its own).
const KEY = 'bookings-sessions.token';

export function loadToken() {
  return window.sessionStorage.getItem(KEY);
}

export function saveToken(token) {
  window.sessionStorage.setItem(KEY, token);
}

export function clearToken() {
  window.sessionStorage.removeItem(KEY);
}

/** The token itself from what was pasted: "Bearer x", a JSON headers object or the bare token. */
export function normalizeToken(text) {
  let value = text.trim();
  try {
    const parsed = JSON.parse(value);
    if (parsed && typeof parsed.Authorization === 'string') value = parsed.Authorization;
  } catch {
    // not JSON: the token or "Bearer <token>"
  }
  return value.replace(/^Bearer\s+/i, '').trim();
}

/** What the token says about its holder, unverified (only the server checks the signature). */
export function describeToken(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload));
    return {
      subject: typeof claims.sub === 'string' ? claims.sub : null,
      roles: Array.isArray(claims.roles) ? claims.roles : [],
      expiresAt: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : null,
    };
  } catch {
    return null;
  }
}
