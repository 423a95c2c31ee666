"""bookings-sessions: a GraphQL API for a bookings calendar's sessions."""
