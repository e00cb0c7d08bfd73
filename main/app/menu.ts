// The application menu: File (Open..., Quit), Edit (clipboard roles: on macOS the shortcuts work
// only through menu items, and PIN/OTP fields need paste), View (development only: reload,
// devtools, zoom), Help (About). Labels follow the interface language (English or French): the catalog's `menu.*`.
import { Menu } from 'electron';
import type { MenuItemConstructorOptions } from 'electron';
import { format } from '../../preload/contract/messages';
import type { Locale } from '../../preload/contract/schemas';

const LABELS = [
  'file', 'open', 'close', 'quit', 'edit', 'undo', 'redo', 'cut', 'copy', 'paste', 'selectAll',
  'view', 'reload', 'forceReload', 'devTools', 'resetZoom', 'zoomIn', 'zoomOut', 'help', 'about',
] as const;

/** The menu's labels in `locale`, from the catalog (`menu.<label>`). */
export function menuLabels(locale: Locale): Record<(typeof LABELS)[number], string> {
  return Object.fromEntries(LABELS.map((label) => [label, format(locale, `menu.${label}`)])) as Record<(typeof LABELS)[number], string>;
}

export interface MenuOptions {
  locale: Locale;
  /** Development build (not packaged): adds the View menu. */
  dev: boolean;
  platform: NodeJS.Platform;
  onOpen(): void;
  onAbout(): void;
}

export function menuTemplate(options: MenuOptions): MenuItemConstructorOptions[] {
  const t = menuLabels(options.locale);
  const mac = options.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [];
  if (mac) template.push({ role: 'appMenu' });
  template.push({
    label: t.file,
    submenu: [
      { label: t.open, accelerator: 'CmdOrCtrl+O', click: () => options.onOpen() },
      { type: 'separator' },
      mac ? { role: 'close', label: t.close } : { role: 'quit', label: t.quit },
    ],
  });
  template.push({
    label: t.edit,
    submenu: [
      { role: 'undo', label: t.undo },
      { role: 'redo', label: t.redo },
      { type: 'separator' },
      { role: 'cut', label: t.cut },
      { role: 'copy', label: t.copy },
      { role: 'paste', label: t.paste },
      { role: 'selectAll', label: t.selectAll },
    ],
  });
  if (options.dev) {
    template.push({
      label: t.view,
      submenu: [
        { role: 'reload', label: t.reload },
        { role: 'forceReload', label: t.forceReload },
        { role: 'toggleDevTools', label: t.devTools },
        { type: 'separator' },
        { role: 'resetZoom', label: t.resetZoom },
        { role: 'zoomIn', label: t.zoomIn },
        { role: 'zoomOut', label: t.zoomOut },
      ],
    });
  }
  template.push({ role: 'help', label: t.help, submenu: [{ label: t.about, click: () => options.onAbout() }] });
  return template;
}

export function installMenu(options: MenuOptions): void {
  Menu.setApplicationMenu(Menu.buildFromTemplate(menuTemplate(options)));
}
