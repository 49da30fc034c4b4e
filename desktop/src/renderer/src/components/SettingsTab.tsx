/** 设置: where results are saved, how the folders are laid out, and about the app (version, updates, help, terms). */
import { useState } from 'react';
import type { AppState, UpdateView } from '../../../shared/contract';
import { checkForUpdates, chooseResultRoot, installUpdate, openFolder } from '../store/actions';
import { useBusy } from '../store/app-store';
import { ExportDefaultsCard } from './ExportDefaultsCard';
import { FolderIcon, ImageIcon } from './icons';
import { HotFoldersSettings } from './HotFoldersSettings';
import { LegalDialog } from './LegalDialog';

/** The result folder layout, as a tree (depth, folder or file, name, what it is). */
const LAYOUT: { depth: 0 | 1 | 2 | 3; folder: boolean; name: string; note: string }[] = [
  { depth: 0, folder: true, name: '<根目录>', note: '上面选择的文件夹' },
  { depth: 1, folder: true, name: '<日期> <批次名>', note: '每批一个文件夹，例如 2026-03-08 春装（批次名可修改）' },
  { depth: 2, folder: true, name: '<款号文件夹>', note: '和拖入的文件夹结构一致，例如 SKU123' },
  { depth: 3, folder: false, name: '<文件名>_白底.jpg', note: '基础修图：白底主图，例如 正面_白底.jpg' },
  { depth: 3, folder: false, name: '<文件名>_pose01.jpg … _pose12.jpg', note: 'AI模特12图：12 张模特图' },
  { depth: 2, folder: true, name: '<平台规格>', note: '选了多种导出规格时，每种一个文件夹，里面同样按款号分' },
];

/** The update state in words. */
export function updateText(u: UpdateView): string {
  switch (u.status) {
    case 'checking':
      return '正在检查更新…';
    case 'latest':
      return '已是最新版本';
    case 'downloading':
      return `正在下载新版本 ${u.version ?? ''}（${u.percent ?? 0}%）`;
    case 'ready':
      return `新版本 ${u.version ?? ''} 已就绪，重启即可更新`;
    case 'error':
      return u.message ?? '检查更新失败';
    default:
      return u.message ?? '每天自动检查更新';
  }
}

function AboutCard({ app }: { app: AppState }) {
  const checking = useBusy('checkForUpdates') || app.update.status === 'checking';
  const installing = useBusy('installUpdate');
  const [legal, setLegal] = useState<'terms' | 'privacy' | null>(null);
  const help = app.about.helpUrl;
  return (
    <section className="card settings__card" data-testid="about">
      <h3>关于 AI照</h3>
      <div className="about__row">
        <span className="about__label">当前版本</span>
        <span className="about__value" data-testid="app-version">
          {app.about.version}
        </span>
        <span className="muted" data-testid="update-status">
          {updateText(app.update)}
        </span>
        {app.update.status === 'ready' ? (
          <button type="button" className="btn btn--primary btn--small" disabled={installing} onClick={() => void installUpdate()}>
            重启更新
          </button>
        ) : (
          <button
            type="button"
            className="btn btn--secondary btn--small"
            data-testid="check-updates"
            disabled={checking || app.update.status === 'downloading'}
            onClick={() => void checkForUpdates()}
          >
            检查更新
          </button>
        )}
      </div>
      <div className="about__row">
        <span className="about__label">帮助与客服</span>
        {help ? (
          <a className="about__link" href={help} target="_blank" rel="noreferrer" data-testid="help-link">
            {help}
          </a>
        ) : (
          <span className="muted">请联系为您开通账号的服务商</span>
        )}
      </div>
      <div className="about__row">
        <span className="about__label">协议与隐私</span>
        <button type="button" className="btn btn--ghost btn--small" data-testid="open-terms" onClick={() => setLegal('terms')}>
          用户协议
        </button>
        <button type="button" className="btn btn--ghost btn--small" data-testid="open-privacy" onClick={() => setLegal('privacy')}>
          隐私政策
        </button>
      </div>
      {legal ? <LegalDialog kind={legal} onClose={() => setLegal(null)} /> : null}
    </section>
  );
}

export function SettingsTab({ app }: { app: AppState }) {
  const choosing = useBusy('chooseResultRoot');
  const root = app.settings.resultRoot;
  return (
    <div className="settings">
      <section className="card settings__card">
        <h3>结果保存位置</h3>
        <p className="muted">处理完成的图片会自动下载到这个文件夹。更改后，新完成的任务保存到新位置。</p>
        <div className="path-row">
          <FolderIcon />
          <span className="path-row__path" data-testid="settings-root" title={root}>
            {root}
          </span>
          <button type="button" className="btn btn--ghost btn--small" onClick={() => void openFolder(root)}>
            打开
          </button>
          <button
            type="button"
            className="btn btn--secondary btn--small"
            data-testid="choose-root"
            disabled={choosing}
            onClick={() => void chooseResultRoot()}
          >
            更改
          </button>
        </div>
      </section>

      <section className="card settings__card">
        <h3>文件夹结构</h3>
        <p className="muted">每批一个文件夹，里面保持拖入时的款号文件夹结构，结果文件以原文件名开头：</p>
        <ul className="tree" data-testid="folder-layout">
          {LAYOUT.map((row) => (
            <li key={row.name} className={`tree__row tree__row--${row.depth}`}>
              <span className="tree__icon">{row.folder ? <FolderIcon size={15} /> : <ImageIcon size={15} />}</span>
              <code className="tree__name">{row.name}</code>
              <span className="tree__note">{row.note}</span>
            </li>
          ))}
        </ul>
      </section>

      <ExportDefaultsCard app={app} />
      <HotFoldersSettings app={app} />

      <AboutCard app={app} />
    </div>
  );
}
