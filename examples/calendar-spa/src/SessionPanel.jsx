import { useApolloClient, useFragment, useMutation } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { explain, firstError } from './errors.js';
import { SESSION, SESSION_FIELDS, UPDATE_SESSION } from './operations.js';
import { fromInputValue, toInputValue } from './week.js';

const EDITABLE = ['notes', 'start', 'end'];

/** The form's values for a session, and the revision they were read at. */
function draftOf(session) {
  const values = {
    notes: session.notes ?? '',
    start: toInputValue(session.start.timestamp),
    end: toInputValue(session.end.timestamp),
  };
  return { revision: session.revision, base: values, values };
}

const isDirty = (draft) => EDITABLE.some((name) => draft.values[name] !== draft.base[name]);

/** Only what the user changed: a field someone else changed meanwhile keeps their value. */
function changesOf(draft, session) {
  const info = {};
  if (draft.values.notes !== draft.base.notes) info.notes = draft.values.notes || null;
  for (const name of ['start', 'end']) {
    if (draft.values[name] !== draft.base[name]) {
      // The session keeps its own time zone; the instant comes from the browser's wall time.
      info[name] = { timestamp: fromInputValue(draft.values[name]), timeZone: session[name].timeZone };
    }
  }
  return info;
}

export function SessionPanel({ sessionId, supportsExpectedRevision, onClose }) {
  const client = useApolloClient();
  const { data: session, complete } = useFragment({
    fragment: SESSION_FIELDS,
    fragmentName: 'CalendarSession',
    from: { __typename: 'Session', _id: sessionId },
  });
  const [draft, setDraft] = useState(() => (complete ? draftOf(session) : null));
  const [problem, setProblem] = useState(null);
  const [conflict, setConflict] = useState(false);
  const [saved, setSaved] = useState(false);
  const [updateSession, { loading: saving }] = useMutation(UPDATE_SESSION);

  // A live update (someone else's save) arrives through the cache. With nothing typed the form simply
  // follows it; with unsaved edits it is shown as a change to look at (ChangedElsewhere below).
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
    setSaved(false);
    setDraft((current) => ({ ...current, values: { ...current.values, [name]: value } }));
  };

  async function save(currentDraft) {
    setProblem(null);
    const info = changesOf(currentDraft, session);
    // LATER(expectedRevision): the server refuses a save whose revision is not the stored one (CONFLICT).
    const options = supportsExpectedRevision ? { expectedRevision: currentDraft.revision } : undefined;
    try {
      const { data } = await updateSession({ variables: { id: sessionId, info, options } });
      setDraft(draftOf(data.updateSession));
      setConflict(false);
      setSaved(true);
    } catch (error) {
      const detail = firstError(error);
      if (detail.code === 'CONFLICT') {
        // LATER(expectedRevision): fetch their version (extensions.currentRevision says which it is);
        // the cache update brings it into this panel, and ChangedElsewhere lets the user retry on top.
        setConflict(true);
        await client.query({ query: SESSION, variables: { id: sessionId }, fetchPolicy: 'network-only' });
      } else {
        setProblem(detail);
      }
    }
  }

  const dirty = isDirty(draft);
  const changedElsewhere = dirty && session.revision !== draft.revision;
  return (
    <aside className="panel" aria-label="Session" data-testid="session-panel" data-session-id={sessionId}>
      <header>
        <h2>{session.title ?? 'Session'}</h2>
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
        {/* LATER(fields): location { type name address } and capacity / remainingCapacity. */}
        {session.location && (
          <>
            <dt>Location</dt>
            <dd>{[session.location.name, session.location.address].filter(Boolean).join(', ')}</dd>
          </>
        )}
        {session.capacity != null && (
          <>
            <dt>Spots</dt>
            <dd>
              {session.remainingCapacity} of {session.capacity} left
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
            // Rebase: keep my values, now meant as an edit of their revision.
            const rebased = { ...draft, revision: session.revision, base: draftOf(session).base };
            setDraft(rebased);
            if (conflict) save(rebased);
          }}
        />
      )}

      <form
        className="edit"
        onSubmit={(event) => {
          event.preventDefault();
          save(draft);
        }}
      >
        {/* LATER(fields): a title input beside the notes once Session has `title`. */}
        <label htmlFor="notes">Notes</label>
        <textarea id="notes" rows={4} value={draft.values.notes} onChange={edit('notes')} />
        <label htmlFor="start">Start</label>
        <input id="start" type="datetime-local" value={draft.values.start} onChange={edit('start')} />
        <label htmlFor="end">End</label>
        <input id="end" type="datetime-local" value={draft.values.end} onChange={edit('end')} />
        <div className="actions">
          <button type="submit" disabled={!dirty || saving || changedElsewhere}>
            {saving ? 'Saving…' : 'Save'}
          </button>
          {saved && !dirty && (
            <span className="saved" role="status">
              Saved
            </span>
          )}
        </div>
        {problem && (
          <p className="problem" role="alert" data-code={problem.code}>
            {explain(problem)}
          </p>
        )}
      </form>
    </aside>
  );
}

/**
 * Someone else saved this session while it was being edited here: show their values next to mine and let
 * the user pick. Reached two ways: a live update arriving under unsaved edits (works today), or a save
 * refused with CONFLICT (LATER(expectedRevision)), after which "Keep mine" saves again on their revision.
 */
function ChangedElsewhere({ session, draft, conflict, onTheirs, onMine }) {
  const theirs = draftOf(session).values;
  const rows = EDITABLE.filter((name) => theirs[name] !== draft.base[name] || draft.values[name] !== draft.base[name]);
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
              <td data-testid={`yours-${name}`}>{draft.values[name] || '—'}</td>
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
