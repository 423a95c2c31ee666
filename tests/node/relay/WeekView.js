// A week of a schedule, paged both ways with Relay's usePaginationFragment (loadNext / loadPrevious).
import { graphql } from 'react-relay';

export const weekQuery = graphql`
  query WeekViewQuery($window: TimeWindow!, $scheduleId: String, $first: Int) {
    ...WeekView_query @arguments(window: $window, scheduleId: $scheduleId, first: $first)
  }
`;

export const weekFragment = graphql`
  fragment WeekView_query on Query
  @refetchable(queryName: "WeekViewPaginationQuery")
  @argumentDefinitions(
    window: { type: "TimeWindow!" }
    scheduleId: { type: "String" }
    first: { type: "Int" }
    after: { type: "String" }
    last: { type: "Int" }
    before: { type: "String" }
  ) {
    sessions(
      filter: { scheduleId: $scheduleId }
      window: $window
      expandInstances: true
      first: $first
      after: $after
      last: $last
      before: $before
    ) @connection(key: "WeekView_sessions") {
      edges {
        node {
          _id
          ...SessionCard_session
        }
      }
    }
  }
`;
