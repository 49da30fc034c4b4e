/**
 * 套餐: what merchants can buy — membership lengths (1 / 3 / 6 / 12 months) and 加量包 top-up packs — with the price,
 * quota and days the operator sets and whether each is on sale. A change applies to orders created from then on;
 * orders already made keep what they sold. Every change is in the audit log.
 */
import type { AdminPlan } from '@aizhao/shared';
import { api, errorMessage } from '../api.js';
import { h } from '../dom.js';
import { badge, time } from '../format.js';
import { navigate } from '../router.js';
import { control, pageHeader, section, textInput, toast } from '../ui.js';

const fen = (yuanText: string): number | null => {
  if (!/^\d+(\.\d{1,2})?$/.test(yuanText.trim())) return null;
  return Math.round(Number(yuanText) * 100);
};
const whole = (text: string): number | null => (/^\d+$/.test(text.trim()) ? Number(text) : null);

/** One plan's editable row: price (元), quota, days (memberships), on sale, order; 保存 sends what changed. */
function planRow(p: AdminPlan): HTMLElement {
  const price = textInput('priceYuan', (p.priceFen / 100).toFixed(2), {
    inputmode: 'decimal',
    size: 8,
    'aria-label': `${p.name} 价格（元）`,
  });
  const quota = textInput('quota', String(p.quota), { inputmode: 'numeric', size: 6, 'aria-label': `${p.name} 次数` });
  const days =
    p.kind === 'membership' ? textInput('days', String(p.days), { inputmode: 'numeric', size: 5, 'aria-label': `${p.name} 天数` }) : null;
  const enabled = h('input', { attrs: { type: 'checkbox', 'aria-label': `${p.name} 上架` } });
  enabled.checked = p.enabled;
  const save = async () => {
    const priceFen = fen(price.value);
    const q = whole(quota.value);
    const d = days ? whole(days.value) : null;
    if (priceFen === null || priceFen < 1) return toast('价格请填写大于 0 的金额（元，最多两位小数）', 'bad');
    if (q === null || q < 1) return toast('次数请填写大于 0 的整数', 'bad');
    if (days && (d === null || d < 1)) return toast('天数请填写大于 0 的整数', 'bad');
    const change: Record<string, unknown> = {};
    if (priceFen !== p.priceFen) change.priceFen = priceFen;
    if (q !== p.quota) change.quota = q;
    if (days && d !== p.days) change.days = d;
    if (enabled.checked !== p.enabled) change.enabled = enabled.checked;
    if (!Object.keys(change).length) return toast('没有修改');
    try {
      await api.patch(`/plans/${encodeURIComponent(p.id)}`, change);
      toast(`已保存「${p.name}」`);
      navigate('/plans');
    } catch (err) {
      toast(errorMessage(err), 'bad');
    }
  };
  return h(
    'tr',
    { attrs: { 'data-plan': p.id } },
    h('td', null, h('strong', null, p.name), h('div', { class: 'muted' }, p.id)),
    h('td', null, p.kind === 'membership' ? `会员 ${p.months} 个月` : badge('warn', '加量包')),
    h('td', { class: 'num' }, price),
    h('td', { class: 'num' }, quota),
    h('td', { class: 'num' }, days ?? h('span', { class: 'muted' }, '不延长')),
    h('td', null, h('label', { class: 'inline-check' }, enabled, p.enabled ? ' 在售' : ' 未上架')),
    h('td', { class: 'muted' }, time(p.updatedAt)),
    h(
      'td',
      { class: 'actions' },
      h('button', { class: 'btn btn-primary', attrs: { type: 'button' }, on: { click: () => void save() } }, '保存'),
    ),
  );
}

function newPackForm(): HTMLElement {
  const name = textInput('name', '', { placeholder: '例如：加量包 500 次', maxlength: 64 });
  const price = textInput('priceYuan', '', { inputmode: 'decimal', placeholder: '元' });
  const quota = textInput('quota', '', { inputmode: 'numeric', placeholder: '次' });
  const create = async () => {
    const priceFen = fen(price.value);
    const q = whole(quota.value);
    if (!name.value.trim() || priceFen === null || priceFen < 1 || q === null || q < 1) return toast('请填写名称、价格（元）和次数', 'bad');
    try {
      await api.post('/plans', { kind: 'pack', name: name.value.trim(), priceFen, quota: q, enabled: false, sortOrder: 20 });
      toast('已新建加量包（未上架）');
      navigate('/plans');
    } catch (err) {
      toast(errorMessage(err), 'bad');
    }
  };
  return h(
    'div',
    { class: 'filters' },
    control('名称', name),
    control('价格（元）', price),
    control('次数', quota),
    h('button', { class: 'btn', attrs: { type: 'button' }, on: { click: () => void create() } }, '新建加量包'),
  );
}

export async function plansPage(): Promise<Node> {
  const { plans } = await api.get<{ plans: AdminPlan[] }>('/plans');
  const head = ['名称', '类型', '价格（元）', '次数', '天数', '上架', '更新时间', ''];
  return h(
    'div',
    { class: 'page' },
    pageHeader('套餐', h('span', { class: 'muted' }, '修改只影响之后创建的订单；已创建的订单按下单时的价格、次数和天数')),
    section(
      '在售与未上架的套餐',
      h(
        'div',
        { class: 'table-wrap' },
        h(
          'table',
          null,
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              head.map((t) => h('th', null, t)),
            ),
          ),
          h('tbody', null, plans.map(planRow)),
        ),
      ),
      h(
        'p',
        { class: 'muted' },
        '加量包只增加次数、不延长有效期，需在会员有效期内购买，随会员到期一起清零。退款按退款金额占订单金额的比例扣回次数和天数。',
      ),
    ),
    section('新建加量包', newPackForm()),
  );
}
