/** The main screen's tab bar. */
import type { AppState } from '../../../shared/contract';
import { activeItemCount } from '../logic/progress';
import { setTab, TABS, useStore, type TabName } from '../store/app-store';

const TAB_LABELS: Record<TabName, string> = {
  new: '新建批次',
  progress: '处理进度',
  history: '历史任务',
  settings: '设置',
};

export function Tabs({ app }: { app: AppState }) {
  const current = useStore((s) => s.tab);
  const active = activeItemCount(app.batches);
  return (
    <nav className="tabs" role="tablist">
      {TABS.map((tab) => (
        <button
          key={tab}
          type="button"
          role="tab"
          aria-selected={current === tab}
          className={`tabs__tab ${current === tab ? 'tabs__tab--active' : ''}`}
          data-testid={`tab-${tab}`}
          onClick={() => setTab(tab)}
        >
          {TAB_LABELS[tab]}
          {tab === 'progress' && active > 0 ? (
            <span className="tabs__badge" data-testid="active-count">
              {active}
            </span>
          ) : null}
        </button>
      ))}
    </nav>
  );
}
