// A session page: any Node by its global id.
import { graphql } from 'react-relay';

export const sessionDetails = graphql`
  query SessionDetailsQuery($id: ID!) {
    node(id: $id) {
      __typename
      ... on Session {
        _id
        status
        ...SessionCard_session @alias(as: "card")
      }
    }
  }
`;
