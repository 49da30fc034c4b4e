/**
 * The application menu, in Chinese. Production builds have no reload and no developer tools (Electron's default menu
 * has both); development builds keep them. Roles: https://www.electronjs.org/docs/latest/api/menu-item#roles
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  showWindow(): void;
  checkForUpdates(): void;
}

export function menuTemplate(o: {
  packaged: boolean;
  platform: NodeJS.Platform;
  appName: string;
  actions: MenuActions;
}): MenuItemConstructorOptions[] {
  const mac = o.platform === 'darwin';
  const appMenu: MenuItemConstructorOptions = {
    label: o.appName,
    submenu: [
      { role: 'about', label: `关于 ${o.appName}` },
      { label: '检查更新…', click: () => o.actions.checkForUpdates() },
      { type: 'separator' },
      { role: 'hide', label: `隐藏 ${o.appName}` },
      { role: 'hideOthers', label: '隐藏其他' },
      { role: 'unhide', label: '全部显示' },
      { type: 'separator' },
      { role: 'quit', label: `退出 ${o.appName}` },
    ],
  };
  const fileMenu: MenuItemConstructorOptions = {
    label: '文件',
    submenu: mac
      ? [{ role: 'close', label: '关闭窗口' }]
      : [{ label: '检查更新…', click: () => o.actions.checkForUpdates() }, { type: 'separator' }, { role: 'quit', label: '退出' }],
  };
  const editMenu: MenuItemConstructorOptions = {
    label: '编辑',
    submenu: [
      { role: 'undo', label: '撤销' },
      { role: 'redo', label: '重做' },
      { type: 'separator' },
      { role: 'cut', label: '剪切' },
      { role: 'copy', label: '复制' },
      { role: 'paste', label: '粘贴' },
      { role: 'selectAll', label: '全选' },
    ],
  };
  const viewMenu: MenuItemConstructorOptions = {
    label: '视图',
    submenu: [
      ...(o.packaged
        ? []
        : ([
            { role: 'reload', label: '重新加载' },
            { role: 'toggleDevTools', label: '开发者工具' },
            { type: 'separator' },
          ] satisfies MenuItemConstructorOptions[])),
      { role: 'resetZoom', label: '实际大小' },
      { role: 'zoomIn', label: '放大' },
      { role: 'zoomOut', label: '缩小' },
      { type: 'separator' },
      { role: 'togglefullscreen', label: '全屏' },
    ],
  };
  const windowMenu: MenuItemConstructorOptions = {
    label: '窗口',
    submenu: [
      { label: '显示主窗口', click: () => o.actions.showWindow() },
      { role: 'minimize', label: '最小化' },
      ...(mac
        ? ([
            { role: 'zoom', label: '缩放' },
            { type: 'separator' },
            { role: 'front', label: '前置全部窗口' },
          ] satisfies MenuItemConstructorOptions[])
        : []),
    ],
  };
  return [...(mac ? [appMenu] : []), fileMenu, editMenu, viewMenu, windowMenu];
}
