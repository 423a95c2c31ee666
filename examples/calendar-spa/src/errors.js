// What the server's `extensions.code` means for this page (docs/spa.md lists them all).
import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';

/** The first GraphQL error of an Apollo error as { code, message, field, currentRevision, reference }. */
export function firstError(error) {
  if (CombinedGraphQLErrors.is(error) && error.errors.length > 0) {
    const [first] = error.errors;
    const extensions = first.extensions ?? {};
    return {
      code: typeof extensions.code === 'string' ? extensions.code : 'INTERNAL',
      message: first.message,
      field: extensions.field ?? null,
      currentRevision: extensions.currentRevision ?? null,
      reference: extensions.reference ?? null,
    };
  }
  if (ServerError.is(error)) {
    return { code: `HTTP_${error.statusCode}`, message: error.message, field: null, currentRevision: null, reference: null };
  }
  return { code: 'NETWORK', message: String(error?.message ?? error), field: null, currentRevision: null, reference: null };
}

/** A sentence for a person, by code. */
export function explain(detail) {
  switch (detail.code) {
    case 'UNAUTHENTICATED':
      return 'The server did not accept your token (expired or not valid): sign out and paste a new one.';
    case 'FORBIDDEN':
      return "Your token's role may not do this.";
    case 'BAD_USER_INPUT':
      // The server's message already starts with the field it names (docs/api.md, errors).
      return detail.message;
    case 'NOT_FOUND':
      return 'This session no longer exists.';
    case 'CONFLICT':
      return 'Someone else saved this session first.';
    case 'UNAVAILABLE':
      return 'The server cannot reach its database right now; try again in a moment.';
    case 'INTERNAL':
      return `The server failed${detail.reference ? ` (reference ${detail.reference})` : ''}.`;
    case 'NETWORK':
      return 'The server cannot be reached.';
    default:
      return detail.message;
  }
}
