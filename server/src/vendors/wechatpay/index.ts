export { HttpWechatPayClient, WECHATPAY_BASE_URL, type HttpWechatPayClientOptions } from './client.js';
export { verifyNotification, WxNotifyError, TRANSACTION_SUCCESS, REFUND_EVENTS } from './notification.js';
export { buildWechatPayKeys, encryptResource, decryptResource } from './keys.js';
export { toWechatTime, parseWechatTime } from './time.js';
