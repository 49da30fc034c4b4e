/** 设置: where results are saved, and how the folders are laid out. */
import type { AppState } from '../../../shared/contract';
import { chooseResultRoot, openFolder } from '../store/actions';
import { useBusy } from '../store/app-store';
import { FolderIcon, ImageIcon } from './icons';

/** The result folder layout, as a tree (depth, folder or file, name, what it is). */
const LAYOUT: { depth: 0 | 1 | 2 | 3; folder: boolean; name: string; note: string }[] = [
  { depth: 0, folder: true, name: '<根目录>', note: '上面选择的文件夹' },
  { depth: 1, folder: true, name: '<日期>', note: '处理的日期，例如 2026-03-08' },
  { depth: 2, folder: true, name: '<文件名>', note: '每张商品图一个文件夹，例如 春款连衣裙' },
  { depth: 3, folder: false, name: '<文件名>_白底.jpg', note: '基础修图：白底主图' },
  { depth: 3, folder: false, name: '<文件名>_pose01.jpg … _pose12.jpg', note: 'AI模特12图：12 张模特图' },
];

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
        <p className="muted">按处理日期分文件夹，每张商品图一个子文件夹，结果文件以原文件名开头：</p>
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
    </div>
  );
}
