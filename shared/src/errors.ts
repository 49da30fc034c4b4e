/** Stable error codes of the HTTP contract (docs/api.md), with their HTTP status and default Chinese message. */
export const ERROR_CODES = {
  INVALID_INPUT: { status: 400, message: '请求参数有误' },
  INVALID_PHONE: { status: 400, message: '手机号格式不正确' },
  UNSUPPORTED_CHANNEL: { status: 400, message: '暂不支持该支付方式' },
  PLAN_UNAVAILABLE: { status: 400, message: '该套餐已下架，请选择其他套餐' },
  UNAUTHENTICATED: { status: 401, message: '请先登录' },
  INVALID_CODE: { status: 401, message: '验证码错误或已过期' },
  INVALID_CREDENTIALS: { status: 401, message: '用户名或密码错误' },
  QUOTA_EXHAUSTED: { status: 402, message: '剩余次数不足' },
  NOT_MEMBER: { status: 403, message: '请先开通会员' },
  MEMBERSHIP_EXPIRED: { status: 403, message: '会员已到期，请续费' },
  CSRF: { status: 403, message: '请求已失效，请刷新页面后重试' },
  NOT_FOUND: { status: 404, message: '资源不存在' },
  IDEMPOTENCY_CONFLICT: { status: 409, message: '同一请求编号对应了不同的内容' },
  ORDER_NOT_PENDING: { status: 409, message: '订单不是待支付状态' },
  ORDER_NOT_PAID: { status: 409, message: '订单尚未支付' },
  REFUND_EXCEEDS_REMAINING: { status: 409, message: '退款金额超过订单可退金额' },
  REFUND_IN_PROGRESS: { status: 409, message: '该订单有一笔退款正在处理中，请稍后再试' },
  REFUND_REJECTED: { status: 409, message: '微信支付拒绝了这笔退款' },
  TASK_TERMINAL: { status: 409, message: '任务已结束' },
  CONSENT_OUTDATED: { status: 409, message: '用户协议或隐私政策已更新，请重新阅读后同意' },
  PAYLOAD_TOO_LARGE: { status: 413, message: '请求体过大' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: '不支持的请求体编码' },
  UPGRADE_REQUIRED: { status: 426, message: '当前版本过低，请更新 AI照 后继续使用' },
  CONTENT_REJECTED: { status: 422, message: '图片未通过内容审核' },
  RATE_LIMITED: { status: 429, message: '操作太频繁，请稍后再试' },
  TOO_MANY_ATTEMPTS: { status: 429, message: '验证码错误次数过多，请重新获取' },
  INTERNAL: { status: 500, message: '服务器开小差了，请稍后再试' },
  PAYMENT_PROVIDER_ERROR: { status: 502, message: '支付服务暂时不可用，请稍后再试' },
  AUDIT_UNAVAILABLE: { status: 503, message: '内容审核服务暂时不可用，请稍后再试' },
  SERVICE_UNAVAILABLE: { status: 503, message: '服务暂时不可用，请稍后再试' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  error: { code: ErrorCode; message: string; requestId: string; details?: unknown[] };
}
