// One session's card, refetched on its own through `node(id:)` (useRefetchableFragment).
import { graphql } from 'react-relay';

export const sessionCard = graphql`
  fragment SessionCard_session on Session @refetchable(queryName: "SessionCardRefetchQuery") {
    _id
    title
    revision
    recurrenceType
    recurringSessionId
    start {
      timestamp
    }
    end {
      timestamp
    }
  }
`;
