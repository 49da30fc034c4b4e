/** The logged-in screen: header, notices, tabs and the current tab; the purchase dialog on top when a payment runs. */
import type { AppState } from '../../../shared/contract';
import { useStore } from '../store/app-store';
import { Banners } from './Banners';
import { Header } from './Header';
import { HistoryTab } from './HistoryTab';
import { UploadIcon } from './icons';
import { NewBatchTab } from './NewBatchTab';
import { ProgressTab, type ExportHandler } from './ProgressTab';
import { PurchaseDialog } from './PurchaseDialog';
import { SettingsTab } from './SettingsTab';
import { Tabs } from './Tabs';

/** `onExport`: opens the export dialog for results (导出为… / 导出全部); without it those buttons are hidden. */
export function MainScreen({ app, onExport }: { app: AppState; onExport?: ExportHandler }) {
  const tab = useStore((s) => s.tab);
  const dragActive = useStore((s) => s.dragActive);
  return (
    <div className="main">
      <Header app={app} />
      <div className="main__body">
        <Banners app={app} />
        <Tabs app={app} />
        <main className="main__content">
          {tab === 'new' ? <NewBatchTab app={app} /> : null}
          {tab === 'progress' ? <ProgressTab app={app} onExport={onExport} /> : null}
          {tab === 'history' ? <HistoryTab app={app} /> : null}
          {tab === 'settings' ? <SettingsTab app={app} /> : null}
        </main>
      </div>
      {dragActive && tab !== 'new' ? (
        <div className="drop-overlay">
          <UploadIcon size={40} />
          <span>松开鼠标，添加到新建批次</span>
        </div>
      ) : null}
      {app.payment ? <PurchaseDialog payment={app.payment} membership={app.membership} options={app.options} /> : null}
    </div>
  );
}
