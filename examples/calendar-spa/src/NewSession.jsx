import { useMutation } from '@apollo/client/react';
import { useEffect, useId, useRef, useState } from 'react';
import { ConflictList } from './ConflictList.jsx';
import { explain, firstError } from './errors.js';
import { CREATE_SESSION } from './operations.js';
import { monthlyLabel, nthWeekday, ruleOf, WEEKDAY_NAMES, WEEKDAYS, weekdayOf } from './recurrence.js';
import { toInputValue } from './week.js';

const HOUR = 3600000;
const LOCATION_TYPES = [
  ['', 'None'],
  ['BUSINESS', 'At the business'],
  ['CUSTOMER', "At the customer's"],
  ['CUSTOM', 'Elsewhere'],
];

/** "2030-01-08T09:30" (a datetime-local value) as the API's local wall time, in this browser's zone. */
function wallTime(value) {
  const [day, time] = value.split('T');
  const [year, monthOfYear, dayOfMonth] = day.split('-').map(Number);
  const [hourOfDay, minutesOfHour] = time.split(':').map(Number);
  return {
    // A series' first start must be a wall time (docs/recurring.md); singles are sent the same way.
    localDateTime: { year, monthOfYear, dayOfMonth, hourOfDay, minutesOfHour },
    timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone,
  };
}

function initialForm(schedules, at) {
  const start = at?.start ?? new Date(Math.ceil(Date.now() / HOUR) * HOUR);
  return {
    title: '',
    scheduleId: at?.scheduleId ?? schedules[0] ?? '',
    start: toInputValue(start.toISOString()),
    end: toInputValue(new Date(start.getTime() + HOUR).toISOString()),
    capacity: '',
    locationType: '',
    locationName: '',
    repeat: { freq: 'NONE', days: [WEEKDAYS[weekdayOf(start)]], lastWeekday: false, ends: 'NEVER', until: '', count: '' },
    refuseDoubleBooking: true,
  };
}

/** What createSession is sent for the form. */
function sessionInfo(form) {
  const info = { scheduleId: form.scheduleId.trim(), start: wallTime(form.start), end: wallTime(form.end) };
  if (form.title.trim()) info.title = form.title.trim();
  if (form.capacity !== '') info.capacity = Number(form.capacity);
  if (form.locationType) {
    info.location = { type: form.locationType, ...(form.locationName.trim() ? { name: form.locationName.trim() } : {}) };
  }
  const rule = ruleOf({ ...form.repeat, count: Number(form.repeat.count) || null }, new Date(form.start));
  if (rule) info.recurrence = rule;
  return info;
}

/** A dialog that creates a session: opened by "New" or by a click on an empty slot (which presets it). */
export function NewSession({ schedules, at, onCreated, onClose }) {
  const [form, setForm] = useState(() => initialForm(schedules, at));
  const [problem, setProblem] = useState(null);
  const [createSession, { loading }] = useMutation(CREATE_SESSION, {
    refetchQueries: ['WeekSessions', 'Availability'],
    awaitRefetchQueries: true,
  });
  const headingId = useId();
  const dialog = useRef(null);
  useEffect(() => {
    const onKey = (event) => event.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    dialog.current?.querySelector('input')?.focus();
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  const set = (name) => (event) => {
    const value = event.target.type === 'checkbox' ? event.target.checked : event.target.value;
    setForm((current) => ({ ...current, [name]: value }));
  };
  // A new start keeps the length, and a weekly rule still on one day follows the start's weekday.
  const changeStart = (event) => {
    const value = event.target.value;
    setForm((current) => {
      const start = new Date(value);
      if (Number.isNaN(start.getTime())) return { ...current, start: value };
      const length = new Date(current.end) - new Date(current.start);
      const end = length > 0 ? toInputValue(new Date(start.getTime() + length).toISOString()) : current.end;
      const days = current.repeat.days.length <= 1 ? [WEEKDAYS[weekdayOf(start)]] : current.repeat.days;
      return { ...current, start: value, end, repeat: { ...current.repeat, days } };
    });
  };
  const setRepeat = (change) => setForm((current) => ({ ...current, repeat: { ...current.repeat, ...change } }));
  const toggleDay = (day) =>
    setRepeat({ days: form.repeat.days.includes(day) ? form.repeat.days.filter((d) => d !== day) : [...form.repeat.days, day] });

  async function submit(event) {
    event.preventDefault();
    setProblem(null);
    const options = { conflicts: form.refuseDoubleBooking ? 'REFUSE' : 'ALLOW' };
    try {
      const { data } = await createSession({ variables: { info: sessionInfo(form), options } });
      onCreated(data.createSession);
    } catch (error) {
      setProblem(firstError(error));
    }
  }

  const startDate = new Date(form.start);
  const startKnown = !Number.isNaN(startDate.getTime());
  const { repeat } = form;
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby={headingId} ref={dialog} data-testid="new-session">
        <h2 id={headingId}>New session</h2>
        <form className="edit" onSubmit={submit}>
          <label htmlFor="new-title">Title</label>
          <input id="new-title" type="text" maxLength={200} value={form.title} onChange={set('title')} />
          <label htmlFor="new-schedule">Schedule</label>
          {schedules.length > 0 ? (
            <select id="new-schedule" value={form.scheduleId} onChange={set('scheduleId')}>
              {schedules.map((id) => (
                <option key={id} value={id}>
                  {id}
                </option>
              ))}
            </select>
          ) : (
            <input id="new-schedule" type="text" required value={form.scheduleId} onChange={set('scheduleId')} />
          )}
          <div className="pair">
            <div>
              <label htmlFor="new-start">Start</label>
              <input id="new-start" type="datetime-local" required value={form.start} onChange={changeStart} />
            </div>
            <div>
              <label htmlFor="new-end">End</label>
              <input id="new-end" type="datetime-local" required value={form.end} onChange={set('end')} />
            </div>
          </div>
          <div className="pair">
            <div>
              <label htmlFor="new-capacity">Capacity</label>
              <input id="new-capacity" type="number" min={0} value={form.capacity} onChange={set('capacity')} placeholder="no limit" />
            </div>
            <div>
              <label htmlFor="new-location-type">Location</label>
              <select id="new-location-type" value={form.locationType} onChange={set('locationType')}>
                {LOCATION_TYPES.map(([value, label]) => (
                  <option key={value} value={value}>
                    {label}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {form.locationType && (
            <>
              <label htmlFor="new-location-name">Place</label>
              <input id="new-location-name" type="text" value={form.locationName} onChange={set('locationName')} />
            </>
          )}

          <label htmlFor="new-repeat">Repeats</label>
          <select id="new-repeat" value={repeat.freq} onChange={(event) => setRepeat({ freq: event.target.value })}>
            <option value="NONE">Does not repeat</option>
            <option value="DAILY">Daily</option>
            <option value="WEEKLY">Weekly on…</option>
            <option value="MONTHLY">Monthly on the same weekday</option>
          </select>
          {repeat.freq === 'WEEKLY' && (
            <fieldset className="weekdays">
              <legend>On</legend>
              {WEEKDAYS.map((day, index) => (
                <label key={day} className="check">
                  <input type="checkbox" checked={repeat.days.includes(day)} onChange={() => toggleDay(day)} />
                  {WEEKDAY_NAMES[index].slice(0, 3)}
                </label>
              ))}
            </fieldset>
          )}
          {repeat.freq === 'MONTHLY' && startKnown && (
            <>
              <label htmlFor="new-monthly">On the</label>
              <select
                id="new-monthly"
                value={repeat.lastWeekday ? 'last' : 'nth'}
                onChange={(event) => setRepeat({ lastWeekday: event.target.value === 'last' })}
              >
                <option value="nth">{monthlyLabel(startDate, false)}</option>
                {nthWeekday(startDate).last && <option value="last">{monthlyLabel(startDate, true)}</option>}
              </select>
            </>
          )}
          {repeat.freq !== 'NONE' && (
            <fieldset className="ends">
              <legend>Ends</legend>
              <label className="check">
                <input type="radio" name="ends" checked={repeat.ends === 'NEVER'} onChange={() => setRepeat({ ends: 'NEVER' })} />
                Never
              </label>
              <label className="check">
                <input type="radio" name="ends" checked={repeat.ends === 'UNTIL'} onChange={() => setRepeat({ ends: 'UNTIL' })} />
                On
              </label>
              <input
                type="date"
                aria-label="Last day"
                value={repeat.until}
                disabled={repeat.ends !== 'UNTIL'}
                onChange={(event) => setRepeat({ until: event.target.value })}
              />
              <label className="check">
                <input type="radio" name="ends" checked={repeat.ends === 'COUNT'} onChange={() => setRepeat({ ends: 'COUNT' })} />
                After
              </label>
              <input
                type="number"
                min={1}
                max={1000}
                aria-label="Number of times"
                value={repeat.count}
                disabled={repeat.ends !== 'COUNT'}
                onChange={(event) => setRepeat({ count: event.target.value })}
              />
            </fieldset>
          )}
          <label className="check">
            <input type="checkbox" checked={form.refuseDoubleBooking} onChange={set('refuseDoubleBooking')} />
            Refuse double bookings
          </label>
          {problem?.code === 'SCHEDULE_CONFLICT' && <ConflictList detail={problem} />}
          {problem && problem.code !== 'SCHEDULE_CONFLICT' && (
            <p className="problem" role="alert" data-code={problem.code}>
              {explain(problem)}
            </p>
          )}
          <div className="actions">
            <button type="submit" disabled={loading}>
              {loading ? 'Creating…' : 'Create'}
            </button>
            <button type="button" onClick={onClose}>
              Close
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
