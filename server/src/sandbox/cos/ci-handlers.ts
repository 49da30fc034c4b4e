/** The CI (数据万象) operations the emulator offers: GoodsMatting and imageMogr2 through `?image_process`, and image moderation. */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import sharp from 'sharp';
import { CosError, invalidArgument, noSuchKey } from './errors.js';
import { goodsMatting, type MattingOptions } from './goods-matting.js';
import { applyMogr, parseMogrRule, type MogrOptions } from './image-mogr2.js';
import { header } from './request.js';
import { sendXml, type HandlerContext } from './respond.js';
import { toXml } from './xml.js';

export type AuditMode = 'pass' | 'reject' | 'suspect' | 'unavailable';
export const AUDIT_MODES: readonly AuditMode[] = ['pass', 'reject', 'suspect', 'unavailable'];

/**
 * What the emulated audit answers: `Result` and a `Score` in the documented band of that result
 * (cloud.tencent.com/document/product/460/46492: 正常 [0,60], 疑似 [61,90], 敏感 [91,100]).
 */
export const AUDIT_BANDS = {
  pass: { result: 0, label: 'Normal', min: 0, max: 60, score: 0 },
  suspect: { result: 2, label: 'Porn', min: 61, max: 90, score: 75 },
  reject: { result: 1, label: 'Porn', min: 91, max: 100, score: 95 },
} as const satisfies Record<Exclude<AuditMode, 'unavailable'>, { result: number; label: string; min: number; max: number; score: number }>;

export interface AuditBehaviour {
  mode: AuditMode;
  /** the Score to answer; default the band's typical value; must lie in the mode's band */
  score?: number;
}

/** Throws unless `b.score` (when given) lies in the band of `b.mode`. */
export function checkAuditBehaviour(b: AuditBehaviour): void {
  if (!AUDIT_MODES.includes(b.mode)) throw new Error(`unknown audit mode: ${String(b.mode)}`);
  if (b.score === undefined) return;
  if (b.mode === 'unavailable') throw new Error('an unavailable audit has no score');
  const band = AUDIT_BANDS[b.mode];
  if (!Number.isInteger(b.score) || b.score < band.min || b.score > band.max) {
    throw new Error(`score ${b.score} is outside the ${b.mode} band ${band.min}..${band.max}`);
  }
}

/** Image moderation size limits (cloud.tencent.com/document/product/436/53946): 5 MB plain, 32 MB with large-image-detect=1. */
export const AUDIT_PLAIN_MAX_BYTES = 5 * 1024 * 1024;
export const AUDIT_MAX_BYTES = 32 * 1024 * 1024;
export const MAX_PIC_RULES = 5;
const MAX_PADDING = 1000;

interface PicRule {
  bucket?: string;
  fileid: string;
  rule: string;
}

function parsePicOperations(c: HandlerContext): { isPicInfo: boolean; rules: PicRule[] } {
  const raw = header(c.r, 'pic-operations');
  if (!raw) throw invalidArgument('The Pic-Operations header is required.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidArgument('Pic-Operations is not valid JSON.');
  }
  const ops = parsed as { is_pic_info?: unknown; rules?: unknown };
  if (!Array.isArray(ops.rules) || ops.rules.length === 0 || ops.rules.length > MAX_PIC_RULES) {
    throw invalidArgument(`Pic-Operations needs 1..${MAX_PIC_RULES} rules.`);
  }
  const rules = ops.rules.map((x: unknown): PicRule => {
    const rule = x as Partial<PicRule>;
    if (typeof rule.fileid !== 'string' || !rule.fileid || rule.fileid.endsWith('/') || typeof rule.rule !== 'string') {
      throw invalidArgument('Each rule needs a fileid (not ending in /) and a rule.');
    }
    if (rule.bucket !== undefined && rule.bucket !== c.bucket) throw invalidArgument('Rules may only write to the same bucket.');
    return { fileid: rule.fileid, rule: rule.rule };
  });
  return { isPicInfo: Number(ops.is_pic_info) === 1, rules };
}

/** `fileid` starting with '/' is from the bucket root, otherwise relative to the source object's directory. */
export function resolveFileId(sourceKey: string, fileid: string): string {
  if (fileid.startsWith('/')) return fileid.slice(1);
  const dir = posix.dirname(sourceKey);
  return dir === '.' ? fileid : `${dir}/${fileid}`;
}

/** Reads `ci-process=GoodsMatting&center-layout=1[&padding-layout=WxH]`. */
export function parseMattingRule(rule: string): MattingOptions {
  const q = new URLSearchParams(rule);
  if (q.get('ci-process') !== 'GoodsMatting') {
    throw invalidArgument(`The sandbox only emulates ci-process=GoodsMatting and imageMogr2 rules, not: ${rule}`);
  }
  const opts: MattingOptions = { centerLayout: q.get('center-layout') === '1' };
  const padding = q.get('padding-layout');
  if (padding !== null) {
    const m = /^(\d{1,4})x(\d{1,4})$/.exec(padding);
    if (!m || Number(m[1]) > MAX_PADDING || Number(m[2]) > MAX_PADDING) throw invalidArgument('Invalid padding-layout.');
    opts.padding = { x: Number(m[1]), y: Number(m[2]) };
  }
  return opts;
}

interface RuleOutput {
  data: Buffer;
  format: 'png' | 'jpeg' | 'webp';
  width: number;
  height: number;
}

async function runMatting(source: Buffer, opts: MattingOptions): Promise<RuleOutput> {
  try {
    const out = await goodsMatting(source, opts);
    return { data: out.png, format: 'png', width: out.width, height: out.height };
  } catch (err) {
    throw new CosError(400, 'InvalidImageFormat', `The source object is not a supported image: ${(err as Error).message}`);
  }
}

/** The emulated rules: GoodsMatting and imageMogr2 (image-mogr2.ts); any other rule is refused. */
function parseRule(rule: string): (source: Buffer) => Promise<RuleOutput> {
  if (rule.startsWith('imageMogr2/')) {
    const opts: MogrOptions = parseMogrRule(rule);
    return (source) => applyMogr(source, opts);
  }
  if (rule.includes('|')) throw invalidArgument(`The sandbox does not emulate pipelines: ${rule}`);
  const opts = parseMattingRule(rule);
  return (source) => runMatting(source, opts);
}

async function originalInfo(c: HandlerContext, source: Buffer, etag: string): Promise<Record<string, unknown>> {
  const img = sharp(source);
  const [meta, stats] = await Promise.all([img.metadata(), img.stats()]);
  const hex = (n: number): string => Math.round(n).toString(16).padStart(2, '0');
  const ave = `0x${stats.channels
    .slice(0, 3)
    .map((ch) => hex(ch.mean))
    .join('')}`;
  return {
    Key: c.r.key,
    Location: c.location(c.r.key),
    ImageInfo: {
      Format: (meta.format ?? '').toUpperCase(),
      Width: meta.width,
      Height: meta.height,
      Quality: 100,
      Ave: ave,
      Orientation: meta.orientation ?? 0,
    },
    ETag: etag,
  };
}

export async function handleImageProcess(c: HandlerContext): Promise<void> {
  const meta = c.store.head(c.r.key);
  const source = c.store.read(c.r.key);
  if (!meta || !source) throw noSuchKey();
  const { isPicInfo, rules } = parsePicOperations(c);
  // every rule is read (and a bad one refuses the whole request) before any is run
  const jobs = rules.map((rule) => ({ fileid: rule.fileid, key: resolveFileId(c.r.key, rule.fileid), run: parseRule(rule.rule) }));
  const objects: Record<string, unknown>[] = [];
  for (const job of jobs) {
    const out = await job.run(source);
    const stored = c.store.put(job.key, out.data, `image/${out.format}`);
    objects.push({
      // for an absolute fileid CI answers the Key as given, with its leading '/' (as public integration tests expect)
      Key: job.fileid.startsWith('/') ? job.fileid : job.key,
      Location: c.location(job.key),
      Format: out.format.toUpperCase(),
      Width: out.width,
      Height: out.height,
      Size: stored.size,
      Quality: 100,
      ETag: stored.etag,
    });
  }
  const body: Record<string, unknown> = {};
  if (isPicInfo) body['OriginalInfo'] = await originalInfo(c, source, meta.etag);
  body['ProcessResults'] = { Object: objects };
  sendXml(c.res, 200, toXml('UploadResult', body));
}

const SCENES = ['PornInfo', 'AdsInfo', 'PoliticsInfo', 'TerrorismInfo'] as const;

/** `GET /<key>?ci-process=sensitive-content-recognition`, answered as the current audit behaviour says. */
export function handleAudit(c: HandlerContext, behaviour: AuditBehaviour): void {
  const meta = c.store.head(c.r.key);
  if (!meta) throw noSuchKey();
  // Over 5 MB only with large-image-detect=1, never over 32 MB. The docs name the limit, not the error code it
  // answers; the emulator answers COS's generic 400 InvalidArgument.
  const large = c.r.params.get('large-image-detect') === '1';
  if (meta.size > AUDIT_MAX_BYTES || (meta.size > AUDIT_PLAIN_MAX_BYTES && !large)) {
    throw invalidArgument(
      meta.size > AUDIT_MAX_BYTES
        ? `The image is larger than ${AUDIT_MAX_BYTES} bytes, the maximum of image moderation.`
        : `The image is larger than ${AUDIT_PLAIN_MAX_BYTES} bytes: set large-image-detect=1 to audit it.`,
    );
  }
  if (behaviour.mode === 'unavailable') {
    throw new CosError(503, 'ServiceUnavailable', 'The sandbox content audit is set to be unavailable.');
  }
  const band = AUDIT_BANDS[behaviour.mode];
  const score = behaviour.score ?? band.score;
  const hitScene = behaviour.mode === 'pass' ? null : 'PornInfo';
  const scene = (name: string): Record<string, unknown> => {
    const hit = name === hitScene;
    return {
      Code: 0,
      Msg: 'OK',
      HitFlag: hit ? 1 : 0,
      Score: hit ? score : 0,
      Label: hit ? band.label : '',
      Category: '',
      SubLabel: '',
    };
  };
  sendXml(
    c.res,
    200,
    toXml('RecognitionResult', {
      JobId: `si${randomBytes(12).toString('hex')}`,
      State: 'Success',
      Object: c.r.key,
      Result: band.result,
      Score: score,
      Label: band.label,
      Category: '',
      SubLabel: '',
      ...Object.fromEntries(SCENES.map((s) => [s, scene(s)])),
    }),
  );
}
