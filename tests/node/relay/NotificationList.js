// Participant notifications, a forward-only Relay connection.
import { graphql } from 'react-relay';

export const notificationList = graphql`
  fragment NotificationList_query on Query
  @refetchable(queryName: "NotificationListPaginationQuery")
  @argumentDefinitions(first: { type: "Int", defaultValue: 20 }, after: { type: "String" }) {
    notifications(first: $first, after: $after) @connection(key: "NotificationList_notifications") {
      edges {
        node {
          id
          status
        }
      }
    }
  }
`;
