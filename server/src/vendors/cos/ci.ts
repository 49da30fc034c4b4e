/** Tencent CI (数据万象) over cos-nodejs-sdk-v5: GoodsMatting on an object in COS, and image moderation. */
import type COS from 'cos-nodejs-sdk-v5';
import { VendorError } from '../../lib/errors.js';
import type { AuditVerdict, ContentAuditor, ImageProcessor } from '../types.js';
import { cosCall, cosDeadlineMs, createCosClient, type CosClientOptions } from './client.js';

/** Product matting, subject centred; the compose step does the final sizing. */
export const GOODS_MATTING_RULE = 'ci-process=GoodsMatting&center-layout=1';

/**
 * The input is capped before matting by a CI downscale, so that GoodsMatting works on (and returns, at the same
 * size) at most maxSide × maxSide instead of a 12 MP photo. Why a separate call: CI documents the pipeline operator
 * `|` for imageMogr2 / watermark styles (cloud.tencent.com/document/product/1246/109224 "管道操作符"), not for a
 * `ci-process=GoodsMatting` rule, and each rule of one Pic-Operations header is applied to the source, not to the
 * previous rule's output (图片持久化处理, cloud.tencent.com/document/product/436/55365). The rule itself is
 * documented for 云上数据处理 (`POST /<key>?image_process`, cloud.tencent.com/document/api/436/44880 "缩放"):
 * `auto-orient` turns the photo upright from EXIF first (tencentcloud.com/zh/document/product/1045/33715), and
 * `thumbnail/<W>x<H>>` scales down proportionally to fit W × H and leaves a smaller image as it is
 * (tencentcloud.com/zh/document/api/436/36366).
 */
export const downscaleRule = (maxSide: number): string => `imageMogr2/auto-orient/thumbnail/${maxSide}x${maxSide}>`;

/**
 * Image moderation limits (cloud.tencent.com/document/product/436/53946 内容审核 "图片"; parameter
 * `large-image-detect` in tencentcloud.com/zh/document/product/436/48537): images up to 32 MB are audited, but one
 * over 5 MB only with `large-image-detect=1` (CI compresses it first, at a compression fee — so we send it only then).
 */
export const AUDIT_PLAIN_MAX_BYTES = 5 * 1024 * 1024;
export const AUDIT_MAX_BYTES = 32 * 1024 * 1024;

function firstOf(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * CI answers `ProcessResults.Object.Key` for an absolute `fileid` ("/work/…") with or without the leading '/' (the doc
 * says only "文件名"; public integration code expects it back with the slash): compare with one leading '/' stripped.
 */
export function sameObjectKey(answered: unknown, key: string): boolean {
  if (typeof answered !== 'string') return false;
  const strip = (k: string): string => (k.startsWith('/') ? k.slice(1) : k);
  return strip(answered) === strip(key);
}

export class CosImageProcessor implements ImageProcessor {
  private readonly cos: COS;
  constructor(private readonly opts: CosClientOptions) {
    this.cos = createCosClient(opts);
  }

  goodsMatting(srcKey: string, dstKey: string): Promise<void> {
    return this.process('GoodsMatting', srcKey, dstKey, GOODS_MATTING_RULE);
  }

  downscale(srcKey: string, dstKey: string, maxSide: number): Promise<void> {
    return this.process('imageMogr2', srcKey, dstKey, downscaleRule(maxSide));
  }

  /** One rule of 云上数据处理 on srcKey writing dstKey; repeating it is safe (the same rule writes the same dstKey). */
  private async process(operation: string, srcKey: string, dstKey: string, rule: string): Promise<void> {
    const picOperations = JSON.stringify({ is_pic_info: 0, rules: [{ fileid: `/${dstKey}`, rule }] });
    const data = await cosCall(
      'ci',
      operation,
      () =>
        this.cos.request({
          Bucket: this.opts.bucket,
          Region: this.opts.region,
          Key: srcKey,
          Method: 'POST',
          Action: 'image_process',
          Headers: { 'Pic-Operations': picOperations },
        }),
      cosDeadlineMs(this.opts),
    );
    const result = firstOf((data['UploadResult'] as { ProcessResults?: { Object?: unknown } } | undefined)?.ProcessResults?.Object) as
      { Key?: unknown } | undefined;
    if (!result || !sameObjectKey(result.Key, dstKey)) {
      throw new VendorError('ci', `${operation} answered without a result for ${dstKey}`, { retryable: false });
    }
  }
}

export class CosContentAuditor implements ContentAuditor {
  private readonly cos: COS;
  constructor(private readonly opts: CosClientOptions & { bizType?: string }) {
    this.cos = createCosClient(opts);
  }

  async audit(key: string, sizeBytes: number): Promise<AuditVerdict> {
    const data = await cosCall(
      'ci',
      'sensitive-content-recognition',
      () =>
        this.cos.request({
          Bucket: this.opts.bucket,
          Region: this.opts.region,
          Key: key,
          Method: 'GET',
          Query: {
            'ci-process': 'sensitive-content-recognition',
            ...(this.opts.bizType ? { 'biz-type': this.opts.bizType } : {}),
            ...(sizeBytes > AUDIT_PLAIN_MAX_BYTES ? { 'large-image-detect': '1' } : {}),
          },
        }),
      cosDeadlineMs(this.opts),
    );
    const r = data['RecognitionResult'] as { Result?: unknown; Score?: unknown; Label?: unknown } | undefined;
    const result = Number(r?.Result);
    const score = Number(r?.Score ?? 0);
    if (!r || r.Result === undefined || !Number.isInteger(result) || !Number.isFinite(score)) {
      throw new VendorError('ci', 'sensitive-content-recognition answered without a Result', { retryable: false });
    }
    return { result, score, label: typeof r.Label === 'string' && r.Label ? r.Label : result === 0 ? 'Normal' : 'Unknown' };
  }
}
