"""HTTP-facing pieces of the app: the GraphQL view."""
