import { useApolloClient, useFragment, useMutation } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { ConflictList } from './ConflictList.jsx';
import { explain, firstError } from './errors.js';
import { DELETE_SESSION, SESSION, SESSION_FIELDS, UPDATE_SESSION } from './operations.js';
import { SCOPE_WORDS, ScopeChoice } from './ScopeChoice.jsx';
import { locationLabel, spotsLeft } from './session-text.js';
import { fromInputValue, toInputValue, wallTimeIn } from './week.js';

const EDITABLE = ['title', 'notes', 'start', 'end'];
// A week and its free time change with any write that may move or split occurrences.
const REFETCH = { refetchQueries: ['WeekSessions', 'Availability'], awaitRefetchQueries: true };

/** Occurrences and series take no notes (docs/recurring.md): the form does not offer them. */
export const takesNotes = (session) => !session.recurringSessionId && !session.recurrence;

/** The form's values for a session, and the revision they were read at (sent back as expectedRevision). */
function draftOf(session) {
  const values = {
    title: session.title ?? '',
    notes: session.notes ?? '',
    start: toInputValue(session.start.timestamp),
    end: toInputValue(session.end.timestamp),
  };
  return { revision: session.revision, base: values, values };
}

const touched = (draft, name) => draft.values[name] !== draft.base[name];
const isDirty = (draft) => EDITABLE.some((name) => touched(draft, name));

/**
 * My edits moved onto their newer session: the fields I changed keep my values, every other field takes
 * theirs (so the next save does not put back what they changed), and the revision becomes theirs.
 */
function rebase(draft, session) {
  const theirs = draftOf(session);
  const values = {};
  for (const name of EDITABLE) values[name] = touched(draft, name) ? draft.values[name] : theirs.values[name];
  return { revision: theirs.revision, base: theirs.base, values };
}

/** Only what the user changed: a field someone else changed meanwhile keeps their value. */
function changesOf(draft, session) {
  const info = {};
  // An emptied title or notes clears the field (an instance's title then follows its series again).
  for (const name of ['title', 'notes']) {
    if (touched(draft, name)) info[name] = draft.values[name] || null;
  }
  for (const name of ['start', 'end']) {
    if (touched(draft, name)) {
      // The instant comes from the browser's wall time; it is sent as the wall time in the session's own
      // zone, which it keeps (a recurring session takes wall times only).
      const instant = fromInputValue(draft.values[name]);
      info[name] = instant ? wallTimeIn(instant, session[name].timeZone) : null; // null: the API says why
    }
  }
  return info;
}

export function SessionPanel({ sessionId, notice = null, onClose, onMoved }) {
  const client = useApolloClient();
  const { data: session, complete } = useFragment({
    fragment: SESSION_FIELDS,
    fragmentName: 'CalendarSession',
    from: { __typename: 'Session', _id: sessionId },
  });
  const [draft, setDraft] = useState(() => (complete ? draftOf(session) : null));
  const [problem, setProblem] = useState(null);
  const [conflict, setConflict] = useState(false);
  const [saved, setSaved] = useState(notice);
  const [scope, setScope] = useState('THIS');
  const [confirming, setConfirming] = useState(false);
  const [updateSession, { loading: saving }] = useMutation(UPDATE_SESSION, REFETCH);
  const [deleteSession, { loading: cancelling }] = useMutation(DELETE_SESSION, REFETCH);

  // A live update (someone else's save) arrives through the cache. With nothing typed the form simply
  // follows it; with unsaved edits the draft keeps the revision it was read at (never refreshed behind the
  // user's back) and the change is shown to look at (ChangedElsewhere below).
  const revision = complete ? session.revision : null;
  useEffect(() => {
    if (revision === null) return;
    setDraft((current) => (current && isDirty(current) ? current : draftOf(session)));
    // Keyed on the revision alone: the fragment hands back a new object on every render.
  }, [revision]);

  if (!complete || !draft) {
    return (
      <aside className="panel" aria-label="Session">
        <p>Loading…</p>
      </aside>
    );
  }

  const edit = (name) => (event) => {
    const value = event.target.value;
    setSaved(null);
    setDraft((current) => ({ ...current, values: { ...current.values, [name]: value } }));
  };

  const occurrence = Boolean(session.recurringSessionId);
  // The revision the form was filled from (if anyone saved since, the server refuses with CONFLICT), and
  // for an occurrence which ones the change is for.
  const optionsFor = (revision) => ({ expectedRevision: revision, ...(occurrence ? { scope } : {}) });

  /** After a write: stay on this session, or follow it where a split moved it, or close if it is gone. */
  function landed(result, message) {
    setConflict(false);
    setConfirming(false);
    if (result._id === sessionId) {
      setDraft(draftOf(result));
      setSaved(message);
    } else if (result.recurringSessionId) {
      onMoved(result._id, message); // "this and following": the new series' occurrence
    } else {
      // "all": the answer is the series; this occurrence, re-read with the week, stays selected.
      const fresh = client.cache.readFragment({
        fragment: SESSION_FIELDS,
        fragmentName: 'CalendarSession',
        id: client.cache.identify({ __typename: 'Session', _id: sessionId }),
      });
      if (!fresh) {
        onClose();
        return;
      }
      setDraft(draftOf(fresh));
      setSaved(message);
    }
  }

  async function save(currentDraft, info = changesOf(currentDraft, session), message = 'Saved') {
    setProblem(null);
    try {
      const options = optionsFor(currentDraft.revision);
      const { data } = await updateSession({ variables: { id: sessionId, info, options } });
      landed(data.updateSession, message);
    } catch (error) {
      const detail = firstError(error);
      if (detail.code === 'CONFLICT') await showTheirs(currentDraft, detail);
      else setProblem(detail);
    }
  }

  async function cancelSession() {
    setProblem(null);
    try {
      const { data } = await deleteSession({ variables: { id: sessionId, options: optionsFor(draft.revision) } });
      const result = data.deleteSession;
      // "This and following" ends the series before this occurrence: it is gone from the week.
      if (occurrence && scope === 'THIS_AND_FOLLOWING') onClose();
      else landed(result, 'Cancelled');
    } catch (error) {
      setConfirming(false);
      setProblem(firstError(error));
    }
  }

  // Refused as stale: read their version (into the cache, hence into this panel). The draft keeps its old
  // revision, so ChangedElsewhere shows theirs next to mine and "Retry with mine" saves on top of theirs.
  async function showTheirs(currentDraft, detail) {
    const { data } = await client.query({
      query: SESSION,
      variables: { id: sessionId },
      fetchPolicy: 'network-only',
      errorPolicy: 'all',
    });
    const current = data?.session;
    if (!current) setProblem({ ...detail, code: 'NOT_FOUND', message: 'This session no longer exists.' });
    else if (current.revision === currentDraft.revision) setProblem(detail); // contention, not a stale form
    else setConflict(true);
  }

  const dirty = isDirty(draft);
  // While a save is in flight its own live update may arrive first: that is not someone else's change.
  const changedElsewhere = dirty && !saving && session.revision !== draft.revision;
  return (
    <aside className="panel" aria-label="Session" data-testid="session-panel" data-session-id={sessionId}>
      <header>
        <h2 data-testid="panel-title">{session.title || 'Session'}</h2>
        <button type="button" className="close" onClick={onClose} aria-label="Close">
          ×
        </button>
      </header>
      <dl className="facts">
        <dt>Schedule</dt>
        <dd>{session.scheduleId}</dd>
        <dt>Status</dt>
        <dd>{session.status}</dd>
        <dt>Revision</dt>
        <dd data-testid="panel-revision">{session.revision}</dd>
        {session.recurringSessionId && (
          <>
            <dt>Series</dt>
            <dd>an instance of {session.recurringSessionId}</dd>
          </>
        )}
        <dt>Participants</dt>
        <dd>{session.totalNumberOfParticipants}</dd>
        {session.location && (
          <>
            <dt>Location</dt>
            <dd data-testid="panel-location">{locationLabel(session.location)}</dd>
          </>
        )}
        {session.capacity != null && (
          <>
            <dt>Spots</dt>
            <dd data-testid="panel-spots">
              {spotsLeft(session.remainingCapacity)} of {session.capacity}
            </dd>
          </>
        )}
      </dl>

      {changedElsewhere && (
        <ChangedElsewhere
          session={session}
          draft={draft}
          conflict={conflict}
          onTheirs={() => {
            setConflict(false);
            setDraft(draftOf(session));
          }}
          onMine={() => {
            // Keep my values, now meant as an edit of their revision: an explicit choice, never automatic.
            const rebased = rebase(draft, session);
            setDraft(rebased);
            if (conflict) save(rebased);
          }}
        />
      )}

      <form
        className="edit"
        data-testid="session-form"
        data-revision={draft.revision}
        onSubmit={(event) => {
          event.preventDefault();
          save(draft);
        }}
      >
        <label htmlFor="title">Title</label>
        <input id="title" type="text" maxLength={200} value={draft.values.title} onChange={edit('title')} />
        {takesNotes(session) && (
          <>
            <label htmlFor="notes">Notes</label>
            <textarea id="notes" rows={4} value={draft.values.notes} onChange={edit('notes')} />
          </>
        )}
        <label htmlFor="start">Start</label>
        <input id="start" type="datetime-local" value={draft.values.start} onChange={edit('start')} />
        <label htmlFor="end">End</label>
        <input id="end" type="datetime-local" value={draft.values.end} onChange={edit('end')} />
        {occurrence && <ScopeChoice scope={scope} onScope={setScope} />}
        <div className="actions">
          <button type="submit" disabled={!dirty || saving || changedElsewhere}>
            {saving ? 'Saving…' : 'Save'}
          </button>
          {saved && !dirty && (
            <span className="saved" role="status">
              {saved}
            </span>
          )}
        </div>
        {problem?.code === 'SCHEDULE_CONFLICT' && <ConflictList detail={problem} />}
        {problem && problem.code !== 'SCHEDULE_CONFLICT' && (
          <p className="problem" role="alert" data-code={problem.code}>
            {explain(problem)}
          </p>
        )}
      </form>

      <div className="lifecycle">
        {session.status === 'CANCELLED' ? (
          <>
            <p data-testid="cancelled-note">This session is cancelled.</p>
            <button
              type="button"
              disabled={saving || dirty}
              onClick={() => save(draft, { status: 'CONFIRMED' }, 'Restored')}
            >
              Restore
            </button>
          </>
        ) : confirming ? (
          <div className="confirm" role="group" aria-label="Confirm cancelling" data-testid="confirm-cancel">
            <p>
              Cancel {occurrence ? SCOPE_WORDS[scope] : 'this session'}? It can be restored later.
            </p>
            <button type="button" className="danger" disabled={cancelling} onClick={cancelSession} autoFocus>
              {cancelling ? 'Cancelling…' : 'Yes, cancel it'}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </div>
        ) : (
          <button type="button" className="danger" disabled={dirty} onClick={() => setConfirming(true)}>
            Cancel session…
          </button>
        )}
      </div>
    </aside>
  );
}

/**
 * Someone else saved this session while it was being edited here: show their values next to mine and let
 * the user pick. Reached two ways: a live update arriving under unsaved edits (then "Keep mine" rebases and
 * the user saves), or a save refused with CONFLICT (then "Retry with mine" saves again on their revision).
 * "Yours" is what would be saved: my changed fields, theirs for the rest.
 */
function ChangedElsewhere({ session, draft, conflict, onTheirs, onMine }) {
  const theirs = draftOf(session).values;
  const yours = rebase(draft, session).values;
  const rows = EDITABLE.filter((name) => theirs[name] !== draft.base[name] || touched(draft, name));
  return (
    <div className="changed-elsewhere" role="alert" data-testid="changed-elsewhere" data-conflict={conflict}>
      <p>
        {conflict ? 'Your save was refused: ' : ''}
        Someone else changed this session (revision {draft.revision} → {session.revision}) while you were editing.
      </p>
      <table>
        <thead>
          <tr>
            <th />
            <th>Theirs</th>
            <th>Yours</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((name) => (
            <tr key={name}>
              <th>{name}</th>
              <td data-testid={`theirs-${name}`}>{theirs[name] || '—'}</td>
              <td data-testid={`yours-${name}`}>{yours[name] || '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" onClick={onTheirs}>
          Use theirs
        </button>
        <button type="button" onClick={onMine}>
          {conflict ? 'Retry with mine' : 'Keep mine'}
        </button>
      </div>
    </div>
  );
}
