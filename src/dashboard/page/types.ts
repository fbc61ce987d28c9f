/**
 * The shapes the server's JSON routes return: declared once, in src/dashboard/wire.ts, for the
 * server routes and this page alike. The page's short names are aliases.
 */
export type {
  AttemptRecord as Attempt,
  JournalPage,
  ListedNode,
  ListedRun,
  NodeRecord,
  PageLayout as Layout,
  RunGraph,
  RunState,
  RunSummary,
  RunTimeline,
  SerializedError as ErrorInfo,
  Statechart,
  TaskDetail,
  TaskResult,
  TaskState,
  TransitionRecord as Row,
} from '../wire.ts';
