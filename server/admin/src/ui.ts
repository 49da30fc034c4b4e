/** Shared pieces of the admin pages: tables, paged lists, empty/error states, confirm dialogs, toasts. */
import { errorMessage } from './api.js';
import { h, replaceChildren, type Child } from './dom.js';

export interface Column<T> {
  label: string;
  cell: (row: T) => Child;
  class?: string;
}

export const errorBox = (err: unknown): HTMLDivElement => h('div', { class: 'error-box', attrs: { role: 'alert' } }, errorMessage(err));

export const empty = (text = '暂无数据'): HTMLDivElement => h('div', { class: 'empty' }, text);

export const loading = (): HTMLDivElement => h('div', { class: 'loading' }, '加载中…');

export const pageHeader = (title: string, ...extra: Child[]): HTMLElement =>
  h('header', { class: 'page-header' }, h('h1', null, title), h('div', { class: 'page-actions' }, ...extra));

export const section = (title: string, ...children: Child[]): HTMLElement =>
  h('section', { class: 'panel' }, h('h2', null, title), ...children);

/** A label/value grid for detail pages. */
export const fields = (pairs: [string, Child][]): HTMLDListElement =>
  h(
    'dl',
    { class: 'fields' },
    pairs.map(([k, v]) =>
      h('div', { class: 'field' }, h('dt', null, k), h('dd', null, v === null || v === undefined || v === '' ? '—' : v)),
    ),
  );

function headRow<T>(columns: Column<T>[]): HTMLTableSectionElement {
  return h(
    'thead',
    null,
    h(
      'tr',
      null,
      columns.map((c) => h('th', { class: c.class }, c.label)),
    ),
  );
}

const bodyRows = <T>(columns: Column<T>[], rows: T[], rowClass?: (row: T) => string | undefined): HTMLTableRowElement[] =>
  rows.map((row) =>
    h(
      'tr',
      { class: rowClass?.(row) },
      columns.map((c) => h('td', { class: c.class }, c.cell(row))),
    ),
  );

/** A complete table, or the empty state when there are no rows. */
export function table<T>(columns: Column<T>[], rows: T[], emptyText?: string, rowClass?: (row: T) => string | undefined): HTMLElement {
  if (!rows.length) return empty(emptyText);
  return h('div', { class: 'table-wrap' }, h('table', null, headRow(columns), h('tbody', null, bodyRows(columns, rows, rowClass))));
}

export interface PageOf<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * A table paged on the server: the first page at once, then "加载更多" with nextCursor until there is none.
 * Errors of a page appear above the button (which stays, so the operator can retry).
 */
export function pagedTable<T>(
  columns: Column<T>[],
  fetchPage: (cursor: string | null) => Promise<PageOf<T>>,
  emptyText?: string,
): HTMLElement {
  const root = h('div', { class: 'paged' }, loading());
  const tbody = h('tbody');
  const status = h('div', { class: 'paged-status' });
  const more = h('button', { class: 'btn', attrs: { type: 'button' } }, '加载更多');
  const footer = h('div', { class: 'paged-footer' }, status, more);
  let cursor: string | null = null;
  let shown = 0;

  async function load(first: boolean): Promise<void> {
    more.disabled = true;
    more.textContent = '加载中…';
    try {
      const page = await fetchPage(cursor);
      cursor = page.nextCursor;
      shown += page.items.length;
      if (first) {
        if (!page.items.length) {
          replaceChildren(root, empty(emptyText));
          return;
        }
        replaceChildren(root, h('div', { class: 'table-wrap' }, h('table', null, headRow(columns), tbody)), footer);
      }
      tbody.append(...bodyRows(columns, page.items));
      replaceChildren(status, cursor ? `已显示 ${shown} 条` : `共 ${shown} 条，已全部显示`);
      more.hidden = !cursor;
    } catch (err) {
      if (first) replaceChildren(root, errorBox(err));
      else replaceChildren(status, errorBox(err));
    } finally {
      more.disabled = false;
      more.textContent = '加载更多';
    }
  }
  more.addEventListener('click', () => void load(false));
  void load(true);
  return root;
}

let toastTimer: number | undefined;
/** A short message at the top of the screen. */
export function toast(text: string, tone: 'ok' | 'bad' = 'ok'): void {
  document.querySelector('.toast')?.remove();
  const el = h('div', { class: `toast toast-${tone}`, attrs: { role: 'status' } }, text);
  document.body.append(el);
  window.clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => el.remove(), 4000);
}

export interface DialogOptions {
  title: string;
  /** what will happen, in plain words */
  message: Child;
  confirmText: string;
  /** extra inputs above the reason */
  fields?: Child;
  /** a reason must be typed before confirming */
  reasonRequired: boolean;
  reasonPlaceholder?: string;
  danger?: boolean;
  /** validates the extra fields; a string is shown and blocks confirming */
  validate?: () => string | null;
  /** runs the action; an error is shown in the dialog, which stays open */
  onConfirm: (reason: string) => Promise<void>;
}

/** A modal confirm dialog with a reason box. Resolves true when the action ran, false when cancelled. */
export function confirmDialog(o: DialogOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const reason = h('textarea', {
      class: 'input',
      attrs: {
        name: 'reason',
        rows: 3,
        maxlength: 255,
        placeholder: o.reasonPlaceholder ?? (o.reasonRequired ? '必填，将记入操作日志' : '选填，将记入操作日志'),
      },
    });
    const problem = h('div', { class: 'dialog-error', attrs: { role: 'alert' } });
    const confirm = h('button', { class: `btn ${o.danger ? 'btn-danger' : 'btn-primary'}`, attrs: { type: 'submit' } }, o.confirmText);
    const cancel = h('button', { class: 'btn', attrs: { type: 'button' } }, '取消');
    const form = h(
      'form',
      { class: 'dialog-body', attrs: { method: 'dialog', novalidate: true } },
      h('h2', null, o.title),
      h('div', { class: 'dialog-message' }, o.message),
      o.fields ?? null,
      h('label', { class: 'form-row' }, h('span', null, o.reasonRequired ? '原因（必填）' : '原因（选填）'), reason),
      problem,
      h('div', { class: 'dialog-actions' }, cancel, confirm),
    );
    const dialog = h('dialog', { class: 'dialog' }, form);
    const refresh = (): void => {
      confirm.disabled = o.reasonRequired && !reason.value.trim();
    };
    let settled = false;
    const close = (ran: boolean): void => {
      if (settled) return;
      settled = true;
      dialog.close();
      dialog.remove();
      resolve(ran);
    };
    reason.addEventListener('input', refresh);
    // a problem shown for earlier input goes once the input changes
    form.addEventListener('input', () => replaceChildren(problem));
    cancel.addEventListener('click', () => close(false));
    dialog.addEventListener('cancel', (ev) => {
      ev.preventDefault();
      close(false);
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const why = reason.value.trim();
      if (o.reasonRequired && !why) {
        replaceChildren(problem, '请填写原因');
        return;
      }
      const invalid = o.validate?.() ?? null;
      if (invalid) {
        replaceChildren(problem, invalid);
        return;
      }
      confirm.disabled = true;
      cancel.disabled = true;
      replaceChildren(problem);
      o.onConfirm(why).then(
        () => close(true),
        (err: unknown) => {
          replaceChildren(problem, errorBox(err));
          cancel.disabled = false;
          refresh();
        },
      );
    });
    refresh();
    document.body.append(dialog);
    dialog.showModal();
    form.querySelector<HTMLInputElement | HTMLTextAreaElement>('input, textarea')?.focus();
  });
}

/** A <select> with an "all" option first. */
export function selectInput(name: string, options: [string, string][], value: string, allLabel = '全部'): HTMLSelectElement {
  const select = h('select', { class: 'input', attrs: { name } }, h('option', { attrs: { value: '' } }, allLabel));
  for (const [v, text] of options) select.append(h('option', { attrs: { value: v } }, text));
  select.value = value;
  return select;
}

export function textInput(name: string, value: string, attrs: Record<string, string | number | boolean> = {}): HTMLInputElement {
  const input = h('input', { class: 'input', attrs: { name, ...attrs } });
  input.value = value;
  return input;
}

/** One labelled control of a filter bar. */
export const control = (labelText: string, input: HTMLElement): HTMLLabelElement =>
  h('label', { class: 'control' }, h('span', null, labelText), input);

/**
 * A filter bar: labelled controls, 查询 and 重置. `onApply` gets the form's values (empty ones included) and usually
 * navigates to the same page with them in the hash.
 */
export function filterBar(
  controls: HTMLElement[],
  onApply: (values: Record<string, string>) => void,
  onReset: () => void,
): HTMLFormElement {
  const form = h(
    'form',
    { class: 'filters', attrs: { novalidate: true } },
    controls,
    h(
      'div',
      { class: 'filter-actions' },
      h('button', { class: 'btn btn-primary', attrs: { type: 'submit' } }, '查询'),
      h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: onReset } }, '重置'),
    ),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const values: Record<string, string> = {};
    for (const [k, v] of new FormData(form)) if (typeof v === 'string') values[k] = v.trim();
    onApply(values);
  });
  return form;
}

/** A monospace id, selectable in one click. */
export const mono = (text: string): HTMLElement => h('code', { class: 'mono' }, text);
