// Whether the screen is narrow (a phone): the calendar then shows one day instead of seven.
import { useEffect, useState } from 'react';

export const NARROW = '(max-width: 640px)';

export function useMediaQuery(query) {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const list = window.matchMedia(query);
    const onChange = () => setMatches(list.matches);
    list.addEventListener('change', onChange);
    return () => list.removeEventListener('change', onChange);
  }, [query]);
  return matches;
}
