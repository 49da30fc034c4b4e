/** 用户: search by the full phone number or its last 4 digits; newest first, paged on the server. */
import type { AdminUser } from '@aizhao/shared';
import { api } from '../api.js';
import { h, link } from '../dom.js';
import { memberBadge, time } from '../format.js';
import { navigate, type Route } from '../router.js';
import { control, filterBar, pageHeader, pagedTable, section, textInput, type PageOf } from '../ui.js';

const PHONE_QUERY = /^(\d{4}|\d{11})$/;

export function usersPage(route: Route): Node {
  const phone = route.query.get('phone') ?? '';
  const input = textInput('phone', phone, { inputmode: 'numeric', maxlength: 11, placeholder: '完整 11 位或后 4 位', autocomplete: 'off' });
  const hint = h('div', { class: 'filter-hint', attrs: { role: 'alert' } });
  const bar = filterBar(
    [control('手机号', input)],
    (v) => {
      const p = v.phone ?? '';
      if (p && !PHONE_QUERY.test(p)) {
        hint.textContent = '请输入完整的 11 位手机号，或手机号后 4 位';
        return;
      }
      navigate('/users', { phone: p });
    },
    () => navigate('/users'),
  );
  const list = pagedTable<AdminUser>(
    [
      { label: '手机号', cell: (u) => link(`/users/${encodeURIComponent(u.id)}`, u.phone) },
      { label: '会员', cell: (u) => memberBadge(u.isMember, u.quotaExpireAt) },
      { label: '剩余次数', cell: (u) => String(u.quotaRemaining), class: 'num' },
      { label: '会员到期', cell: (u) => time(u.quotaExpireAt) },
      { label: '注册时间', cell: (u) => time(u.createdAt) },
      { label: '', cell: (u) => link(`/users/${encodeURIComponent(u.id)}`, '详情'), class: 'actions' },
    ],
    (cursor) => api.get<PageOf<AdminUser>>('/users', { phone, cursor, limit: 20 }),
    phone ? `没有手机号匹配 ${phone} 的用户` : '还没有用户',
  );
  return h(
    'div',
    { class: 'page' },
    pageHeader('用户'),
    bar,
    hint,
    section(phone ? `搜索结果：${phone}` : '全部用户（最新注册在前）', list),
  );
}
