import type { User as UserView } from '@aizhao/shared';
import type { User } from '../../db/models.js';
import { isActiveMember } from '../quota/ledger.js';

export function toUserView(user: User, now = new Date()): UserView {
  return {
    id: user.id,
    phone: `${user.phone.slice(0, 3)}****${user.phone.slice(7)}`,
    isMember: isActiveMember(user, now),
    quotaRemaining: user.quotaRemaining,
    quotaExpireAt: user.quotaExpireAt ? user.quotaExpireAt.toISOString() : null,
  };
}
