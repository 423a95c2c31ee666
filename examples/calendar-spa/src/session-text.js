// How a session's location and free places read, on the cards and in the side panel alike.

const LOCATION_KIND = { BUSINESS: 'At the business', CUSTOMER: "At the customer's", CUSTOM: 'Elsewhere' };

/** "Studio B, 1 Main St"; a location with neither name nor address says what kind it is. */
export function locationLabel(location) {
  const named = [location.name, location.address].filter(Boolean).join(', ');
  return named || LOCATION_KIND[location.type] || location.type;
}

/** remainingCapacity is null without a capacity; 0 means full. */
export function spotsLeft(remaining) {
  if (remaining <= 0) return 'Full';
  return remaining === 1 ? '1 spot left' : `${remaining} spots left`;
}
