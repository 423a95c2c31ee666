// The change log, a forward-only Relay connection.
import { graphql } from 'react-relay';

export const changeFeed = graphql`
  fragment ChangeFeed_query on Query
  @refetchable(queryName: "ChangeFeedPaginationQuery")
  @argumentDefinitions(first: { type: "Int", defaultValue: 100 }, after: { type: "String" }) {
    changes(first: $first, after: $after) @connection(key: "ChangeFeed_changes") {
      edges {
        node {
          kind
          sessionId
          revision
        }
      }
    }
  }
`;
