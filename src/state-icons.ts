/**
 * One icon per task and run state, shown beside the state's word wherever a state is drawn
 * (`swarm watch`, the dashboard), so states read without colour. Plain data: the browser
 * page imports it too.
 */
export const STATE_ICONS: Readonly<Record<string, string>> = {
  pending: '·',
  ready: '○',
  assigned: '▷',
  running: '▶',
  retrying: '↻',
  succeeded: '✓',
  failed: '✗',
  rolling_back: '↺',
  rolled_back: '↩',
  rollback_failed: '!',
  skipped: '⊘',
  cancelled: '■',
  paused: '❚❚',
  idle: '·',
  compensating: '↺',
  cancelling: '■',
};
