// "Only this / This and following / All", as calendars ask about an occurrence, mapped to EditScope
// (docs/recurring.md, scopes): it applies to saving and to cancelling the occurrence.

export const SCOPES = [
  ['THIS', 'Only this occurrence'],
  ['THIS_AND_FOLLOWING', 'This and following'],
  ['ALL', 'All occurrences'],
];

export const SCOPE_WORDS = {
  THIS: 'only this occurrence',
  THIS_AND_FOLLOWING: 'this and every following occurrence',
  ALL: 'every occurrence',
};

export function ScopeChoice({ scope, onScope }) {
  return (
    <fieldset className="scope" data-testid="scope">
      <legend>Apply to</legend>
      {SCOPES.map(([value, label]) => (
        <label key={value} className="check">
          <input
            type="radio"
            name="scope"
            value={value}
            checked={scope === value}
            onChange={() => onScope(value)}
          />
          {label}
        </label>
      ))}
    </fieldset>
  );
}
